"""The capture page (staff, on the clinic's phone or tablet) and the admin's visit protocol."""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from gallery import audit
from gallery.auth import current_user, login_required, require_role
from gallery.capture.protocol import (
    EXPRESSION_LABELS,
    VIEW_LABELS,
    clinic_protocol,
    parse_protocol,
    taken,
)
from gallery.capture.service import check_live_frame, ghosts
from gallery.db import get_db
from gallery.errors import InvalidInput
from gallery.extensions import limiter
from gallery.models import EXPRESSIONS, VIEWS, Patient, utcnow
from gallery.photos.service import add_photo, parse_expression, parse_view, visit_for
from gallery.queries import clinic_get

bp = Blueprint("capture", __name__)
CAPTURE_CHECKS = "4 per second"  # per staff member, whatever the number of tabs or devices


@bp.get("/patients/<id:patient_id>/capture")
@login_required
def page(patient_id: int) -> str:
    patient = clinic_get(Patient, patient_id)
    audit.viewed("patient", patient.id)  # it lays the last visit's photos over the camera
    protocol = clinic_protocol(patient.clinic)
    today = utcnow().date()
    visit = next((v for v in patient.visits if v.visit_date == today), None)
    done = taken(visit) if visit else set()
    return render_template("capture/page.html", patient=patient, protocol=protocol,
                           done={step.key for step in protocol if (step.view, step.expression) in done},
                           ghosts={key: g.placement() for key, g in ghosts(patient, protocol, today).items()})


def _capture_user() -> str:
    user = current_user()
    return f"capture:{user.id if user else request.remote_addr}"


@bp.post("/patients/<id:patient_id>/capture/check.json")
@login_required
# The page asks about twice a second; one user sending 44 frames a second slowed everyone's API tenfold.
@limiter.limit(CAPTURE_CHECKS, key_func=_capture_user)
def check(patient_id: int) -> Response:
    """One preview frame (the JPEG body) judged: ``{"status", "advice", "failed", "notes"}``."""
    patient = clinic_get(Patient, patient_id)
    try:
        capture_width = int(request.args.get("capture_width", ""))
    except ValueError:
        raise InvalidInput("capture_width must be the camera's width in pixels.") from None
    result = check_live_frame(patient, request.get_data(), view=request.args.get("view", ""),
                              expression=request.args.get("expression", ""), capture_width=capture_width)
    pose = result.pose
    return jsonify({"status": result.status, "advice": result.advice, "failed": list(result.failed),
                    "notes": list(result.notes), "iris_px": result.iris_px,
                    "pose": None if pose is None else {"yaw": pose.yaw_deg, "pitch": pose.pitch_deg,
                                                       "roll": pose.roll_deg}})


@bp.post("/patients/<id:patient_id>/capture/photos.json")
@login_required
def take(patient_id: int) -> tuple[Response, int]:
    """A photo taken on the capture page, through the normal ingest, into today's visit."""
    patient = clinic_get(Patient, patient_id)
    file = request.files.get("file")
    if file is None:
        raise InvalidInput("No photo was sent.")
    view, expression = parse_view(request.form.get("view")), parse_expression(request.form.get("expression"))
    override = (request.form.get("override") or "").strip() or None
    visit = visit_for(patient, utcnow().date(), None)
    photo, created = add_photo(patient, file.read(), filename=f"capture-{view}-{expression}.jpg",
                               expression=expression, taken_at=utcnow(), visit_id=visit.id, view=view,
                               capture_override=override)
    return jsonify({"photo_id": photo.id, "created": created, "view": photo.view, "expression": photo.expression,
                    "url": url_for("photos.detail", photo_id=photo.id)}), 201 if created else 200


@bp.route("/admin/capture-protocol", methods=["GET", "POST"])
@login_required
def protocol() -> Response | str:
    user = require_role(current_user(), "admin", "Only an admin sets the clinic's capture protocol.")
    if request.method == "POST":
        user.clinic.capture_protocol = parse_protocol(request.form.to_dict())
        audit.record("capture_protocol", "clinic", user.clinic_id)
        get_db().commit()
        flash("The capture protocol is saved; it applies from the next capture.")
        return redirect(url_for("capture.protocol"))
    chosen = {step.key: "optional" if step.optional else "required" for step in clinic_protocol(user.clinic)}
    return render_template("capture/protocol.html", views=VIEWS, expressions=EXPRESSIONS, chosen=chosen,
                           view_labels=VIEW_LABELS, expression_labels=EXPRESSION_LABELS)
