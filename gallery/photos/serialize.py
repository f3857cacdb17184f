"""Photos as the API's JSON objects."""
from __future__ import annotations

from typing import Any

from gallery.models import Photo


def photo_to_json(photo: Photo) -> dict[str, Any]:
    """The photo object of DESIGN.md; ``analysis`` coordinates are display-image pixels."""
    return {
        "id": photo.id,
        "patient_id": photo.patient_id,
        "visit_id": photo.visit_id,
        "expression": photo.expression,
        "taken_at": photo.taken_at.isoformat(),
        "width": photo.width,
        "height": photo.height,
        "content_type": photo.content_type,
        "sha256": photo.sha256,
        "analysis": photo.analysis,
    }
