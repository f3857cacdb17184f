"""Analysing a stored photo in the background, and what needs the analysis first.

An upload stores the photo with ``analysis_status = "pending"`` and enqueues
``run_analysis``; the job measures the stored original in the frame of the
display image and records ``done`` (or ``failed`` with a reason). The job is
idempotent: a photo already done is skipped, and running one twice writes the
same result, so the queue may deliver it more than once.
"""
from __future__ import annotations

import logging

from gallery import audit
from gallery.db import get_db
from gallery.decoding import decode_slot
from gallery.errors import Conflict, InvalidInput
from gallery.models import Photo, utcnow
from gallery.movement.jobs import queue_movement
from gallery.photos.service import blob_store, expression_warning, quality_limits, upload_limits
from landmarks.export import analysis_dict
from uploads.errors import UploadError
from uploads.ingest import measure

log = logging.getLogger(__name__)
UNEXPECTED = "The analysis stopped on an unexpected error (logged). Retry it with 'flask --app app reanalyze'."


def analyse_photo(photo: Photo, *, actor: str = "system:analysis") -> None:
    """Measure ``photo`` now and record the result (or the failure); commits."""
    db = get_db()
    photo.analysis_started_at = utcnow()
    db.commit()
    try:
        original = blob_store().read(photo.sha256, "original")
        with decode_slot():
            measured = measure(original, (photo.width, photo.height), upload_limits(), quality_limits())
    except UploadError as error:
        _failed(photo, f"The stored original could not be read: {error}")
        return
    except Exception:
        log.exception("analysis of photo %s failed", photo.id)
        _failed(photo, UNEXPECTED)
        return
    if measured.lines is not None:
        blob_store().replace(photo.sha256, "lines", measured.lines)
    if measured.thumb is not None:
        blob_store().replace(photo.sha256, "thumb", measured.thumb)
    analysis = analysis_dict(measured.analysis)
    mismatch = expression_warning(photo, analysis)
    if mismatch:
        analysis["warnings"].append(mismatch)
    photo.record_analysis(analysis, measured.analysis.version)
    audit.record("analysis", "photo", photo.id, clinic_id=photo.clinic_id, actor=actor)
    db.commit()
    queue_movement(photo.visit_id)  # a rest or contraction photo may complete (or change) a movement pair


def _failed(photo: Photo, reason: str) -> None:
    photo.analysis_status, photo.analysis_error = "failed", reason[:300]
    audit.record("analysis_failed", "photo", photo.id, clinic_id=photo.clinic_id, actor="system:analysis")
    get_db().commit()


def run_analysis(photo_id: int) -> None:
    """The queue's job: analyse the photo unless it is gone or already done."""
    photo = get_db().get(Photo, photo_id)
    if photo is not None and photo.analysis_status != "done":
        analyse_photo(photo)


def require_analysis(photo: Photo) -> None:
    """Refuse work that needs ``photo``'s analysis before it exists."""
    if photo.analysis_status == "pending":
        raise Conflict(f"Photo {photo.id} is still being analysed; try again in a few seconds.")
    if photo.analysis_status == "failed":
        raise InvalidInput(f"Photo {photo.id} could not be analysed: {photo.analysis_error}")
