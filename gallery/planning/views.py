"""Staff endpoints of the plan editor and the visit report."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from gallery import audit
from gallery.api.declare import load
from gallery.api.schemas import PlanInput
from gallery.auth import login_required
from gallery.db import get_db
from gallery.models import Photo, Visit
from gallery.planning.report import visit_report
from gallery.planning.service import plan_for_photo, save_plan
from gallery.queries import clinic_get

bp = Blueprint("planning", __name__)


@bp.get("/photos/<id:photo_id>/plan.json")
@login_required
def get_plan(photo_id: int) -> Response:
    return jsonify(plan_for_photo(clinic_get(Photo, photo_id)))


@bp.put("/photos/<id:photo_id>/plan.json")
@login_required
def put_plan(photo_id: int) -> Response:
    """Saved from the photo page's editor (session and CSRF header, like a form)."""
    return jsonify(save_plan(clinic_get(Photo, photo_id), load(PlanInput(), request.get_json(silent=True))))


@bp.get("/visits/<id:visit_id>/report.pdf")
@login_required
def report(visit_id: int) -> Response:
    visit = clinic_get(Visit, visit_id)
    data = visit_report(visit)
    audit.record("export", "visit", visit.id)
    get_db().commit()
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="visit-{visit.visit_date:%Y-%m-%d}-report.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
