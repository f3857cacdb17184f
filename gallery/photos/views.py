"""Staff photo pages and image routes."""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from gallery import audit
from gallery.auth import current_user, login_required
from gallery.capture import protocol
from gallery.db import get_db
from gallery.signoff.service import require_unsigned
from gallery.stock.service import lots
from gallery.errors import InvalidInput
from gallery.grading import ASSESSED_EXPRESSION, GRADES, MIN_GRADED_PHOTOS
from gallery.models import Photo, RegionGrade
from gallery.patients.forms import EXPRESSION_LABELS
from gallery.movement.panels import photo_movement_panel
from gallery.photos.grades import clinic_calibrations, latest_grades, suggested_grade
from gallery.photos.images import image_response, original_response
from gallery.photos.service import blob_store, retag_photo
from gallery.planning.treatment import treatment_panel
from gallery.queries import clinic_get
from gallery.regions import REGION_LABELS, SHORT_LABELS
from landmarks.wrinkles import COARSEST_MM_PER_PX, STANDARD_MM_PER_PX

bp = Blueprint("photos", __name__)


@bp.get("/photos/<id:photo_id>")
@login_required
def detail(photo_id: int) -> str:
    photo = clinic_get(Photo, photo_id)
    audit.viewed("photo", photo.id)
    regions = photo.analysis.get("regions") or {}
    grades = latest_grades([photo.id])
    calibrations = clinic_calibrations(photo.clinic_id, photo.expression)
    figures = [
        {
            "name": name, "label": label, "short": SHORT_LABELS[name], "region": regions.get(name),
            "calibration": calibrations[name],
            "suggested": suggested_grade(photo, name, calibrations[name]),
            "grade": grades.get((photo.id, name)),
            "assessed": ASSESSED_EXPRESSION[name] == photo.expression,
        }
        for name, label in REGION_LABELS.items()
    ]
    return render_template("photos/detail.html", photo=photo, analysis=photo.analysis, figures=figures,
                           region_labels=REGION_LABELS, expression_labels=EXPRESSION_LABELS,
                           grades=GRADES, view_labels=protocol.VIEW_LABELS,
                           expression_words=protocol.EXPRESSION_LABELS,
                           assessed_expression=ASSESSED_EXPRESSION, min_graded=MIN_GRADED_PHOTOS,
                           standard_mm_per_px=STANDARD_MM_PER_PX, coarsest_mm_per_px=COARSEST_MM_PER_PX,
                           has_lines=blob_store().exists(photo.sha256, "lines"), stock_lots=lots(photo.clinic_id),
                           read_only=photo.visit.signed_off_at is not None or photo.visit.treatment is not None,
                           treatment=treatment_panel(photo.visit) if photo.analysis.get("face_found") else None,
                           movement=photo_movement_panel(photo))


@bp.get("/photos/<id:photo_id>/analysis.json")
@login_required
def analysis_status(photo_id: int) -> Response:
    """Polled by the photo page while the analysis runs."""
    photo = clinic_get(Photo, photo_id)
    audit.viewed("photo", photo.id)
    return jsonify({"status": photo.analysis_status, "pending": photo.analysis_status == "pending"})


@bp.post("/photos/<id:photo_id>/grades")
@login_required
def grade(photo_id: int) -> Response:
    """Record the injector's Facial Wrinkle Scale grades (blank fields are skipped)."""
    photo = clinic_get(Photo, photo_id)
    require_unsigned(photo.visit)
    db = get_db()
    recorded = 0
    for name in REGION_LABELS:
        value = request.form.get(f"grade_{name}", "")
        if value == "":
            continue
        if value not in {"0", "1", "2", "3"}:
            raise InvalidInput("A grade is 0 (none), 1 (mild), 2 (moderate) or 3 (severe).")
        db.add(RegionGrade(clinic_id=photo.clinic_id, photo_id=photo.id, region=name, grade=int(value),
                           graded_by_id=current_user().id))
        recorded += 1
    if recorded:
        audit.record("grade", "photo", photo.id)
        db.commit()
        flash(f"{recorded} grade(s) recorded.")
    return redirect(url_for("photos.detail", photo_id=photo.id))


@bp.post("/photos/<id:photo_id>/tags")
@login_required
def retag(photo_id: int) -> Response:
    """Change the photo's expression and view, e.g. to what its face looks like."""
    photo = clinic_get(Photo, photo_id)
    retag_photo(photo, request.form.get("expression"), request.form.get("view"))
    flash(f"Now tagged: {protocol.EXPRESSION_LABELS[photo.expression]}, {protocol.VIEW_LABELS[photo.view]} view.")
    return redirect(url_for("photos.detail", photo_id=photo.id))


@bp.get("/photos/<id:photo_id>/image/<variant>")
@login_required
def image(photo_id: int, variant: str) -> Response:
    photo = clinic_get(Photo, photo_id)
    response = image_response(photo, variant)
    audit.viewed("photo", photo.id)  # every view of a face, a thumbnail as much as the photo page
    return response


@bp.get("/photos/<id:photo_id>/original")
@login_required
def original(photo_id: int) -> Response:
    photo = clinic_get(Photo, photo_id)
    audit.record("export", "photo", photo.id)
    get_db().commit()
    return original_response(photo)
