"""Guided capture on the server: live frame checks, the ghost of the last visit, saving a capture.

The checks run here, not in the browser: the page posts small JPEG frames a
few times a second and gets the verdict of ``landmarks.live``, the same face
mesh and measures every stored photo gets. Nothing has to be shipped to the
browser (no model files, no WebAssembly), and a tablet too slow to run a face
mesh still gets live advice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import undefer

from gallery.capture.protocol import Step
from gallery.db import get_db
from gallery.errors import InvalidInput
from gallery.models import Patient, Photo
from gallery.photos.service import parse_expression, parse_view, quality_limits, rest_reference
from landmarks.anatomy import LEFT_IRIS_CENTRE, RIGHT_IRIS_CENTRE
from landmarks.live import FrameCheck, check_frame
from uploads.decode import decode
from uploads.validate import sniff_type

MAX_FRAME_PIXELS = 1280 * 1280  # frames are small previews; a full photo goes through the upload


def check_live_frame(patient: Patient, data: bytes, *, view: str, expression: str, capture_width: int) -> FrameCheck:
    """The verdict on one preview frame of ``patient`` for the view and expression asked for."""
    expression, view = parse_expression(expression), parse_view(view)
    if not 64 <= capture_width <= 10_000:
        raise InvalidInput("capture_width must be the camera's width in pixels (64 to 10000).")
    pixels = decode(data, sniff_type(data), max_pixels=MAX_FRAME_PIXELS).pixels
    return check_frame(pixels, capture_width=capture_width, view=view, expression=expression,
                       rest=rest_reference(patient, view), limits=quality_limits())


@dataclass(frozen=True)
class Ghost:
    """The same view from an earlier visit, and where its eyes were (as shares of width and height)."""

    photo_id: int
    taken_on: date
    eye_x: float
    eye_y: float
    aspect: float  # width / height of the photo

    def placement(self) -> dict[str, Any]:
        return {"photo": self.photo_id, "eye_x": self.eye_x, "eye_y": self.eye_y, "aspect": self.aspect}


def ghosts(patient: Patient, protocol: list[Step], today: date) -> dict[str, Ghost]:
    """For each step, the latest photo of that view and expression, with a face, from before ``today``.

    One small query per step: only the analyses of the photos shown are loaded, not the
    landmarks of every photo the patient has.
    """
    found = {}
    for step in protocol:
        photo = get_db().scalar(select(Photo).options(undefer(Photo.analysis))
                                .where(Photo.patient_id == patient.id, Photo.view == step.view,
                                       Photo.expression == step.expression, Photo.analysis_status == "done",
                                       Photo.summary["face_found"].as_boolean(),
                                       Photo.taken_at < datetime.combine(today, time.min))
                                .order_by(Photo.taken_at.desc(), Photo.id.desc()).limit(1))
        if photo is not None:
            landmarks = photo.analysis["landmarks"]
            eyes = [landmarks[RIGHT_IRIS_CENTRE], landmarks[LEFT_IRIS_CENTRE]]
            found[step.key] = Ghost(photo.id, photo.taken_at.date(),
                                    eye_x=round((eyes[0][0] + eyes[1][0]) / 2 / photo.width, 4),
                                    eye_y=round((eyes[0][1] + eyes[1][1]) / 2 / photo.height, 4),
                                    aspect=round(photo.width / photo.height, 4))
    return found

