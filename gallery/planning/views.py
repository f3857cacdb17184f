"""Staff endpoints of the plan editor and the visit report."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, flash, jsonify, redirect, request, url_for

from gallery.api.declare import load
from gallery.api.schemas import PlanInput, PlanRevisionOut
from gallery.auth import login_required
from gallery.db import get_db
from gallery.models import Photo, Visit
from gallery.planning.report import report_response
from gallery.errors import InvalidInput
from gallery.planning.service import PLAN_STARTS, plan_etag, plan_for_photo, plan_revisions, save_plan
from gallery.planning.treatment import as_utc, record_treatment, withdraw_treatment
from gallery.queries import clinic_get

bp = Blueprint("planning", __name__)


def _tagged(plan: dict) -> Response:
    """The plan as JSON with its ETag, which the editor sends back as If-Match."""
    response = jsonify(plan)
    response.headers["ETag"] = plan_etag(plan["visit_id"], plan["revision"])
    return response


@bp.get("/photos/<id:photo_id>/plan.json")
@login_required
def get_plan(photo_id: int) -> Response:
    start = request.args.get("start") or None
    if start is not None and start not in PLAN_STARTS:
        raise InvalidInput(f"start must be one of {', '.join(PLAN_STARTS)}.")
    return _tagged(plan_for_photo(clinic_get(Photo, photo_id), start))


@bp.put("/photos/<id:photo_id>/plan.json")
@login_required
def put_plan(photo_id: int) -> Response:
    """Saved from the photo page's editor (session and CSRF header, like a form), with If-Match."""
    return _tagged(save_plan(clinic_get(Photo, photo_id), load(PlanInput(), request.get_json(silent=True)),
                             request.headers.get("If-Match")))


@bp.get("/photos/<id:photo_id>/plan/revisions.json")
@login_required
def revisions(photo_id: int) -> Response:
    """The plan's revisions for the editor's list (the API's schema, dumped the same way)."""
    return jsonify(PlanRevisionOut(many=True).dump(plan_revisions(clinic_get(Photo, photo_id))))


@bp.get("/visits/<id:visit_id>/report.pdf")
@login_required
def report(visit_id: int) -> Response:
    return report_response(clinic_get(Visit, visit_id))


def _back_to_photo(visit: Visit) -> Response:
    """The photo page the form was sent from (one of this visit's photos), else the timeline."""
    photo_id = request.form.get("photo_id", "")
    if photo_id.isdigit() and any(photo.id == int(photo_id) for photo in visit.photos):
        return redirect(url_for("photos.detail", photo_id=int(photo_id)) + "#treatment")
    return redirect(url_for("patients.timeline", patient_id=visit.patient_id))


def _given_at(value: str) -> datetime | None:
    """A ``datetime-local`` field (UTC); empty: now."""
    if not value.strip():
        return None
    try:
        given = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("Give the time the toxin was given as a date and time.") from None
    return as_utc(given)


@bp.post("/visits/<id:visit_id>/treatment")
@login_required
def record_treatment_page(visit_id: int) -> Response:
    """"Toxin given": recorded from the visit's saved plan, with a reason where a warning needs one."""
    visit = clinic_get(Visit, visit_id)
    record = record_treatment(visit, _given_at(request.form.get("given_at", "")), request.form.get("reason", ""))
    get_db().commit()
    flash(f"Recorded: {record.total_units:g} U given on {record.given_at:%d %b %Y %H:%M} UTC. "
          "The visit awaits the medical director's sign-off.")
    return _back_to_photo(visit)


@bp.post("/visits/<id:visit_id>/treatment/withdraw")
@login_required
def withdraw_treatment_page(visit_id: int) -> Response:
    visit = clinic_get(Visit, visit_id)
    withdraw_treatment(visit)
    get_db().commit()
    flash("The treatment record was withdrawn; the plan can be changed again.")
    return _back_to_photo(visit)
