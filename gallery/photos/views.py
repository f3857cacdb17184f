"""Staff photo pages and image routes."""
from __future__ import annotations

import json

from flask import Blueprint, render_template
from werkzeug.wrappers import Response

from gallery import audit
from gallery.auth import login_required
from gallery.db import get_db
from gallery.models import Photo
from gallery.patients.forms import EXPRESSION_LABELS
from gallery.photos.images import image_response, original_response
from gallery.queries import clinic_get

bp = Blueprint("photos", __name__)

REGION_LABELS = {
    "forehead": "Forehead lines",
    "glabella": "Frown lines (glabella)",
    "crows_feet_right": "Crow's feet, patient's right",
    "crows_feet_left": "Crow's feet, patient's left",
}


@bp.get("/photos/<int:photo_id>")
@login_required
def detail(photo_id: int) -> str:
    photo = clinic_get(Photo, photo_id)
    audit.record("view", "photo", photo.id)
    get_db().commit()
    overlay = {
        "width": photo.width, "height": photo.height,
        "regions": {name: region["polygon"] for name, region in (photo.analysis.get("regions") or {}).items()},
        "landmarks": photo.analysis.get("landmarks") or [],
    }
    return render_template("photos/detail.html", photo=photo, analysis=photo.analysis,
                           overlay_json=json.dumps(overlay), region_labels=REGION_LABELS,
                           expression_labels=EXPRESSION_LABELS)


@bp.get("/photos/<int:photo_id>/image/<variant>")
@login_required
def image(photo_id: int, variant: str) -> Response:
    return image_response(clinic_get(Photo, photo_id), variant)


@bp.get("/photos/<int:photo_id>/original")
@login_required
def original(photo_id: int) -> Response:
    photo = clinic_get(Photo, photo_id)
    audit.record("export", "photo", photo.id)
    get_db().commit()
    return original_response(photo)
