"""Demo data: a patient with photos made from a public-domain portrait.

The portrait is scikit-image's astronaut (NASA, public domain), shipped with
the test extra. The demo patient has a baseline visit with lines drawn on her
skin, a review two weeks later with them softened, consent and a comparison,
so every page has something to show.
"""
from __future__ import annotations

import io
from datetime import datetime

import cv2
import numpy as np
from PIL import Image

from gallery.compare.service import create_comparison
from gallery.consent.records import grant
from gallery.db import get_db
from gallery.models import Clinic, Patient
from gallery.photos.analysis import analyse_photo
from gallery.photos.service import add_photo


# Her irises ~37 px at 4.5x: 0.32 mm per pixel, within the measurement standard
# (0.35) with room for the iris ruler's jitter; at 4x she measured 0.355.
SCALE = 4.5


def _portrait() -> np.ndarray:
    try:
        from skimage import data
    except ImportError:
        raise RuntimeError("Demo photos come from scikit-image: pip install -e '.[test]'") from None
    return cv2.resize(data.astronaut(), None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_CUBIC)


def _with_lines(rgb: np.ndarray, depth: float) -> np.ndarray:
    """Horizontal and vertical dark lines on the brow and glabella skin (fixed places)."""
    out = rgb.astype(np.float32)
    factor = np.ones(rgb.shape[:2], np.float32)
    ys, xs = np.mgrid[0:rgb.shape[0], 0:rgb.shape[1]].astype(np.float32)
    for line in ((650, 210, 720, 208), (740, 212, 810, 214), (668, 300, 670, 268), (714, 300, 712, 268)):
        ax, ay, bx, by = (SCALE / 3 * v for v in line)  # places marked on her at 3x
        t = np.clip(((xs - ax) * (bx - ax) + (ys - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2), 0, 1)
        distance = np.hypot(xs - (ax + t * (bx - ax)), ys - (ay + t * (by - ay)))
        factor *= 1 - depth * np.sin(np.pi * t) * np.exp(-0.5 * (distance / (0.4 * SCALE)) ** 2)
    return np.clip(out * factor[..., None], 0, 255).astype(np.uint8)


def _jpeg(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def create_demo(clinic: Clinic, user_id: int | None) -> Patient:
    """Add the demo patient to ``clinic`` (committed)."""
    db = get_db()
    patient = Patient(clinic_id=clinic.id, name="Demo Patient", external_id=None)
    db.add(patient)
    db.commit()
    portrait = _portrait()
    photos = []
    for day, depth, treated in (("2026-01-12", 0.22, True), ("2026-01-26", 0.06, False)):
        photo, _ = add_photo(patient, _jpeg(_with_lines(portrait, depth)), filename="demo.jpg", expression="frown",
                             taken_at=datetime.fromisoformat(day))
        if photo.analysis_status == "pending":  # the comparison below needs it now, not in the background
            analyse_photo(photo)
        photos.append(photo)
        photo.visit.treated = treated
    grant(clinic.id, patient.id, ["clinical", "portal"], text_version="1", signed_name="Demo Patient",
          marketing_identifiable=None, signature_png=None, recorded_by_id=user_id)
    db.commit()
    create_comparison(photos[0].id, photos[1].id)
    return patient
