"""Staff endpoints of the plan editor and the visit report."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from gallery import audit
from gallery.api.declare import load
from gallery.api.schemas import PlanInput, PlanRevisionOut
from gallery.auth import login_required
from gallery.db import get_db
from gallery.models import Photo, Visit
from gallery.planning.report import visit_report
from gallery.planning.service import plan_etag, plan_for_photo, plan_revisions, save_plan
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
    return _tagged(plan_for_photo(clinic_get(Photo, photo_id)))


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


def report_response(visit: Visit) -> Response:
    """The visit report as a PDF download, audited as an export (the page and the API)."""
    data = visit_report(visit)
    audit.record("export", "visit", visit.id)
    get_db().commit()
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="visit-{visit.visit_date:%Y-%m-%d}-report.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
