"""The audit log: append-only rows saying who did what to which record.

``record`` adds the row to the request's session; it is committed with the
change it describes (or on its own for views), so the log never claims an
action that did not happen.
"""
from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from gallery.auth import current_user
from gallery.db import get_db
from gallery.models import AuditEvent

log = logging.getLogger(__name__)


def record(action: str, object_type: str, object_id: int | None, *, clinic_id: int | None = None,
           actor: str | None = None) -> None:
    user = current_user()
    get_db().add(AuditEvent(
        clinic_id=clinic_id if clinic_id is not None else (user.clinic_id if user else None),
        actor=actor or (f"user:{user.id}" if user else "anonymous"),
        action=action, object_type=object_type, object_id=object_id))


def viewed(object_type: str, object_id: int | None, *, clinic_id: int | None = None, actor: str | None = None) -> None:
    """Record a view and commit it at once: a view changes nothing else.

    A database that cannot be written (a full disk) must not stop staff from
    reading a chart: the failure is logged loudly and the view goes on.
    """
    record("view", object_type, object_id, clinic_id=clinic_id, actor=actor)
    try:
        get_db().commit()
    except SQLAlchemyError:
        get_db().rollback()
        log.error("audit row for viewing %s %s not written: the database cannot be written", object_type, object_id)
