"""Staff comparison pages: create from the timeline, view, download."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from gallery import audit
from gallery.auth import login_required
from gallery.compare.service import (
    create_comparison,
    days_since_treatment,
    inside_repeatability_regions,
    pair_captions,
    parse_photo_id,
    render,
)
from gallery.consent.records import effective_consent
from gallery.consent.share_links import usual_address
from gallery.db import get_db
from gallery.errors import InvalidInput
from gallery.models import Comparison, Patient, ShareLink, utcnow
from gallery.movement.panels import comparison_movement
from gallery.patients.forms import EXPRESSION_LABELS
from gallery.regions import REGION_LABELS, SHORT_LABELS
from gallery.public.service import views as public_views
from gallery.queries import clinic_get
from landmarks.wrinkles import NO_LINES_BELOW, RECAPTURE_CHANGE

bp = Blueprint("compare", __name__)


@bp.post("/patients/<id:patient_id>/comparisons")
@login_required
def create(patient_id: int) -> Response:
    clinic_get(Patient, patient_id)
    crop = request.form.get("crop", "upper")
    comparison = create_comparison(parse_photo_id(request.form.get("before"), "before"),
                                   parse_photo_id(request.form.get("after"), "after"),
                                   crop=crop, exposure_matched=request.form.get("match_exposure") == "1")
    if comparison.patient_id != patient_id:
        raise InvalidInput("Those photos are not this patient's.")
    return redirect(url_for("compare.detail", comparison_id=comparison.id))


@bp.get("/comparisons/<id:comparison_id>")
@login_required
def detail(comparison_id: int) -> str:
    comparison = clinic_get(Comparison, comparison_id)
    audit.viewed("comparison", comparison.id)
    links = get_db().scalars(select(ShareLink).where(ShareLink.comparison_id == comparison.id)
                             .order_by(ShareLink.created_at.desc())).all()
    return render_template("compare/detail.html", comparison=comparison, result=comparison.result,
                           days=days_since_treatment(comparison), region_labels=REGION_LABELS,
                           short_labels=SHORT_LABELS, expression_labels=EXPRESSION_LABELS,
                           consent=effective_consent(comparison.patient_id), links=links, now=utcnow(),
                           public_views=public_views(comparison.id), no_lines_below=NO_LINES_BELOW,
                           bands=RECAPTURE_CHANGE, steady=inside_repeatability_regions(comparison),
                           share_to=usual_address(comparison.patient_id), captions=pair_captions(comparison),
                           movement=comparison_movement(comparison))


@bp.get("/comparisons/<id:comparison_id>/image")
@login_required
def image(comparison_id: int) -> Response:
    comparison = clinic_get(Comparison, comparison_id)
    layout = request.args.get("layout", "side")
    mark = current_app.config["GALLERY_WATERMARK"] or None if request.args.get("watermark") == "1" else None
    download = request.args.get("download") == "1"
    data = render(comparison, layout, mark=mark, plain=request.args.get("plain") == "1", branded=download)
    response = Response(data, mimetype="image/png")
    response.headers["Cache-Control"] = "private, no-store"
    if download:
        audit.record("export", "comparison", comparison.id)
        get_db().commit()
        response.headers["Content-Disposition"] = (
            f'attachment; filename="comparison-{comparison.id}-{layout}.png"')
    else:
        audit.viewed("comparison", comparison.id)
    return response
