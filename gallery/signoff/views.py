"""Sign-off pages: the medical director's list, the sign buttons, amendments on the timeline."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from gallery import audit
from gallery.auth import current_user, login_required, require_role
from gallery.db import get_db
from gallery.models import Amendment, Visit
from gallery.paging import page_number
from gallery.queries import clinic_get
from gallery.regions import REGION_LABELS
from gallery.signoff.service import amend, awaiting_sign_off, sign_amendment, sign_visit

bp = Blueprint("signoff", __name__)


@bp.get("/sign-off")
@login_required
def index() -> str:
    user = require_role(current_user(), "medical_director", "Only a medical director signs off visits.")
    page, amendments = awaiting_sign_off(user.clinic_id, page_number(request.args.get("page")))
    return render_template("signoff/index.html", visits=page.items, page=page, amendments=amendments)


@bp.get("/visits/<id:visit_id>/review")
@login_required
def review(visit_id: int) -> str:
    """One visit as the medical director signs it: photos, sites, units, lots, warnings and
    overrides, the injector; signing needs a confirmation ticked on this page."""
    require_role(current_user(), "medical_director", "Only a medical director signs off visits.")
    visit = clinic_get(Visit, visit_id)
    audit.viewed("visit", visit.id)
    return render_template("signoff/review.html", visit=visit, record=visit.treatment, region_labels=REGION_LABELS)


@bp.post("/visits/<id:visit_id>/sign-off")
@login_required
def sign(visit_id: int) -> Response:
    visit = sign_visit(clinic_get(Visit, visit_id), current_user(), reviewed=request.form.get("reviewed") == "1")
    get_db().commit()
    flash(f"Signed off: {visit.patient.name}, visit of {visit.visit_date:%d %b %Y}.")
    return redirect(url_for("signoff.index"))


@bp.post("/amendments/<id:amendment_id>/sign-off")
@login_required
def sign_amendment_page(amendment_id: int) -> Response:
    amendment = sign_amendment(clinic_get(Amendment, amendment_id), current_user())
    get_db().commit()
    flash(f"Signed off: the amendment to {amendment.visit.patient.name}'s visit of {amendment.visit.visit_date:%d %b %Y}.")
    return redirect(url_for("signoff.index"))


@bp.post("/visits/<id:visit_id>/amendments")
@login_required
def add_amendment(visit_id: int) -> Response:
    visit = clinic_get(Visit, visit_id)
    amend(visit, request.form.get("text", ""), current_user())
    get_db().commit()
    flash("Amendment recorded; it awaits the medical director's sign-off.")
    return redirect(url_for("patients.timeline", patient_id=visit.patient_id))
