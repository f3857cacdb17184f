"""The audit log page for admins: filters and CSV export."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, Response, render_template, request
from sqlalchemy import Select, select

from gallery.auditlog.words import readable
from gallery.auth import current_user, login_required, require_role
from gallery.csvfiles import csv_download
from gallery.db import get_db
from gallery.errors import InvalidInput
from gallery.models import AuditEvent
from gallery.paging import page_number, paginate
from gallery.routing import MAX_RECORD_ID

bp = Blueprint("auditlog", __name__)
PAGE_SIZE = 100  # rows a page
COUNT_LIMIT = 10_000  # rows counted for the page's total; beyond, "10000+ in all"
CSV_ROWS = 10_000  # the newest rows a CSV export holds; narrow the filters for older ones


def _filtered() -> Select:
    """The clinic's audit rows matching the page's filters, newest first."""
    user = require_role(current_user(), "admin", "Only an admin reads the audit log.")
    statement = select(AuditEvent).where(AuditEvent.clinic_id == user.clinic_id)
    for field in ("action", "object_type", "actor"):
        value = request.args.get(field, "").strip()
        if value:
            statement = statement.where(getattr(AuditEvent, field) == value)
    object_id = request.args.get("object_id", "").strip()
    if object_id:
        if not object_id.isdigit() or not 1 <= int(object_id) <= MAX_RECORD_ID:
            raise InvalidInput(f"object_id must be a record id from 1 to {MAX_RECORD_ID}.")
        statement = statement.where(AuditEvent.object_id == int(object_id))
    for field, op in (("since", "ge"), ("until", "lt")):
        value = request.args.get(field, "").strip()
        if value:
            try:
                day = datetime.fromisoformat(value)
            except ValueError:
                raise InvalidInput(f"{field} must be a date as YYYY-MM-DD.") from None
            if not 1900 <= day.year <= 9998:  # 9999-12-31 plus a day is past what datetime holds
                raise InvalidInput(f"{field} must be a date between 1900 and 9998.")
            statement = statement.where(AuditEvent.at >= day if op == "ge" else AuditEvent.at < day + timedelta(days=1))
    return statement.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


@bp.get("/audit")
@login_required
def index() -> str:
    page = paginate(_filtered(), page_number(request.args.get("page")), PAGE_SIZE, count_limit=COUNT_LIMIT)
    return render_template("audit/index.html", rows=readable(page.items), args=request.args, page=page)


@bp.get("/audit.csv")
@login_required
def export() -> Response:
    """The same rows in words, with the stored codes beside them for filtering and tools."""
    host = request.host_url.rstrip("/")
    return csv_download(
        "audit.csv", ["at", "who", "what", "record", "link", "actor", "action", "object_type", "object_id"],
        ([row.event.at.isoformat(), row.who, row.what, row.record, host + row.link if row.link else "",
          row.event.actor, row.event.action, row.event.object_type, row.event.object_id]
         for row in readable(list(get_db().scalars(_filtered().limit(CSV_ROWS))))))
