"""Adding a photo to a patient's record: the one path used by pages and the API."""
from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta

import numpy as np
from botocore.exceptions import BotoCoreError, ClientError
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from gallery import audit
from gallery.auth import current_user
from gallery.db import get_db
from gallery.decoding import decode_slot
from gallery.signoff.service import require_unsigned
from gallery.errors import Conflict, InvalidInput, PhotoDateUnconfirmed, Unavailable
from gallery.models import EXPRESSIONS, VIEWS, Patient, Photo, Visit, utcnow
from gallery.movement.jobs import queue_movement
from gallery.queries import clinic_get
from landmarks.expression import ExpressionMeasures, looks_like
from landmarks.quality import QualityLimits
from uploads.derive import read_derivative
from uploads.ingest import OriginalWrite, UploadLimits, prepare, store_prepared
from uploads.store import Store

log = logging.getLogger(__name__)
# A photo's own date further than this from today is asked about, not believed:
# a camera clock never set (2010) or an old photo would otherwise file it in a visit then.
MAX_UNASKED_DATE_DAYS = 30
DATE_CHOICES = {"photo": "Use the photo's own date", "today": "Use today"}


def blob_store() -> Store:
    """The app's photo store (``GALLERY_STORE_URL``), opened once in ``create_app``."""
    return current_app.extensions["gallery_store"]


def photo_pixels(photo: Photo) -> np.ndarray:
    """The display image of ``photo`` as (H, W, 3) RGB, the frame of its analysis."""
    return read_derivative(blob_store().read(photo.sha256, "display"))


def upload_limits() -> UploadLimits:
    config = current_app.config
    return UploadLimits(max_bytes=int(config["GALLERY_MAX_UPLOAD_MB"] * 1024 * 1024),
                        max_pixels=int(config["GALLERY_MAX_PIXELS"]))


def quality_limits() -> QualityLimits:
    config = current_app.config
    return QualityLimits(max_yaw_deg=config["GALLERY_MAX_YAW_DEG"], max_pitch_deg=config["GALLERY_MAX_PITCH_DEG"],
                         max_roll_deg=config["GALLERY_MAX_ROLL_DEG"])


def parse_expression(value: str | None) -> str:
    if value not in EXPRESSIONS:
        raise InvalidInput(f"Choose the expression: one of {', '.join(EXPRESSIONS)}.")
    return value


def parse_view(value: str | None) -> str:
    if value not in VIEWS:
        raise InvalidInput(f"Choose the view: one of {', '.join(VIEWS)}.")
    return value


def parse_taken_at(value: str | None) -> datetime | None:
    """An ISO date or date-time from a form or the API; None when absent."""
    if not value:
        return None
    # RFC 3339 allows a lower-case t and z, and a leap second (kept as :59).
    normal = re.sub(r"(T\d\d:\d\d):60", r"\1:59", value.strip().upper().replace("Z", "+00:00"))
    try:
        parsed = datetime.fromisoformat(normal)
    except ValueError:
        raise InvalidInput(f"taken_at must be an ISO date or date-time, not {value!r}.") from None
    return parsed.replace(tzinfo=None)


def photo_time(own: datetime | None, *, taken_at: datetime | None, date_choice: str | None,
               now: datetime) -> datetime:
    """When a photo was taken: ``taken_at`` if given, else its own (EXIF) date, else ``now``.

    An own date over ``MAX_UNASKED_DATE_DAYS`` from ``now`` is used only when
    ``date_choice`` is ``photo``; ``today`` files the photo at ``now`` instead.
    Without either, ``PhotoDateUnconfirmed`` asks.
    """
    if date_choice not in (None, "", *DATE_CHOICES):
        raise InvalidInput(f"date_choice must be one of {', '.join(DATE_CHOICES)}.")
    if taken_at is not None:
        return taken_at
    if own is None or date_choice == "today":
        return now
    if date_choice != "photo" and abs(own.date() - now.date()) > timedelta(days=MAX_UNASKED_DATE_DAYS):
        raise PhotoDateUnconfirmed(
            f"The photo's own date is {own:%d %b %Y}, more than {MAX_UNASKED_DATE_DAYS} days from today: "
            "choose whether to file it on that date or today.")
    return own


def visit_for(patient: Patient, day: date, visit_id: int | None) -> Visit:
    """The given visit (checked to be this patient's), else the one on ``day``, created if absent."""
    db = get_db()
    if visit_id is not None:
        visit = clinic_get(Visit, visit_id)
        if visit.patient_id != patient.id:
            raise InvalidInput("That visit belongs to another patient.")
        return visit
    visit = db.scalar(select(Visit).where(Visit.patient_id == patient.id, Visit.visit_date == day))
    if visit is None:
        visit = Visit(clinic_id=patient.clinic_id, patient_id=patient.id, visit_date=day)
        db.add(visit)
        db.flush()
    return visit


def rest_reference(patient: Patient, view: str) -> ExpressionMeasures | None:
    """The patient's brows and mouth at rest in ``view``, from their latest analysed rest photo with a face.

    Read on every live frame check, so only that key of the analysis is loaded, not its landmarks.
    """
    measures = get_db().scalar(select(Photo.analysis["expression_measures"])
                               .where(Photo.patient_id == patient.id, Photo.expression == "rest",
                                      Photo.view == view, Photo.analysis_status == "done",
                                      Photo.summary["face_found"].as_boolean())
                               .order_by(Photo.taken_at.desc(), Photo.id.desc()).limit(1))
    return ExpressionMeasures(**measures) if measures else None


def expression_warning(photo: Photo, analysis: dict) -> dict | None:
    """A warning, with the expression to change to, when the face does not show the one ``photo`` is tagged with.

    A smile is seen in the face alone; rest, frown and raise only against the
    patient's rest photo of the same view (see ``landmarks.expression.looks_like``).
    """
    measures = analysis.get("expression_measures")
    if not measures:
        return None
    seen = looks_like(ExpressionMeasures(**measures), rest_reference(photo.patient, photo.view))
    if seen is None or seen == photo.expression:
        return None
    return {"code": "expression_mismatch", "message": f"Tagged “{photo.expression}”, but the face looks like “{seen}”.",
            "suggested": seen}


def retag_photo(photo: Photo, expression: str | None, view: str | None) -> None:
    """Correct a photo's expression and view (a wrong choice at upload); commits.

    Its expression warning is judged again for the new tag, so an accepted
    "looks like" suggestion goes away. A signed-off visit's photos keep their tags.
    """
    require_unsigned(photo.visit)
    photo.expression, photo.view = parse_expression(expression), parse_view(view)
    if photo.analysis_status == "done":
        analysis = photo.analysis
        warnings = [w for w in analysis.get("warnings", []) if w["code"] != "expression_mismatch"]
        mismatch = expression_warning(photo, analysis)
        photo.record_analysis({**analysis, "warnings": warnings + ([mismatch] if mismatch else [])},
                              photo.analysis_version)
    audit.record("update", "photo", photo.id)
    get_db().commit()
    queue_movement(photo.visit_id)  # the photo may have joined, left or changed a movement pair


def add_photo(patient: Patient, data: bytes, *, filename: str, expression: str,
              taken_at: datetime | None = None, visit_id: int | None = None, view: str = "front",
              capture_override: str | None = None, date_choice: str | None = None) -> tuple[Photo, bool]:
    """Store one upload for ``patient`` and queue its analysis; return (photo, created).

    ``view`` is the standard view (see ``gallery.capture.protocol``); ``capture_override``
    the capture page's advice when the photo was taken with its checks not passed;
    ``date_choice`` answers the question about a far own date (see ``photo_time``).

    The same bytes for the same patient return the existing photo (created is
    False); the same bytes for another patient of the clinic are refused, as
    that is almost always the wrong patient chosen.
    """
    db = get_db()
    expression, view = parse_expression(expression), parse_view(view)
    store = blob_store()
    original = OriginalWrite(store, data)  # written while the photo decodes; removed if refused below
    try:
        with decode_slot():
            prepared = prepare(data, upload_limits())
        existing = db.scalar(select(Photo).where(Photo.clinic_id == patient.clinic_id,
                                                 Photo.sha256 == prepared.sha256))
        if existing is not None:
            original.discard()  # the blob was there already: nothing of this upload to remove
            if existing.patient_id == patient.id:
                return existing, False
            raise Conflict("This exact photo is already in another patient's record. Check the patient.")
        when = photo_time(prepared.taken_at, taken_at=taken_at, date_choice=date_choice, now=utcnow())
        visit = visit_for(patient, when.date(), visit_id)
        require_unsigned(visit)
        try:
            created = store_prepared(store, prepared, original)
        except (OSError, BotoCoreError, ClientError):
            log.exception("photo for patient %s not stored", patient.id)
            raise Unavailable("The photo could not be stored (the photo store is full or cannot be written); "
                              "nothing was saved. Try again later or tell the clinic's administrator.") from None
    finally:
        original.discard()  # a no-op once store_prepared owns it
    user = current_user()
    photo = Photo(
        clinic_id=patient.clinic_id, patient_id=patient.id, visit_id=visit.id, sha256=prepared.sha256,
        content_type=prepared.content_type, original_size=len(data), original_filename=filename[:255],
        width=prepared.width, height=prepared.height, taken_at=when, expression=expression, view=view,
        capture_override=capture_override[:200] if capture_override else None,
        analysis={}, analysis_version=0, analysis_status="pending", uploaded_by_id=user.id if user else None)
    db.add(photo)
    try:
        db.flush()
        audit.record("upload", "photo", photo.id)
        db.commit()
    except BaseException as error:
        db.rollback()
        for sha256, variant in created:
            store.delete(sha256, variant)
        if isinstance(error, IntegrityError):
            raise Conflict("This photo was uploaded at the same moment by someone else; reload the page.") from None
        if isinstance(error, SQLAlchemyError):
            log.exception("photo for patient %s not saved", patient.id)
            raise Unavailable("The photo could not be saved (database unavailable); nothing was stored. "
                              "Try again in a moment.") from None
        raise
    log.info("photo %s stored for patient %s", photo.id, patient.id)
    try:
        current_app.extensions["gallery_queue"].enqueue(photo.id)
    except Exception:  # the photo is stored; the workers' sweep queues it when the queue is back
        log.exception("analysis of photo %s not queued", photo.id)
    db.refresh(photo)  # an immediate queue has analysed it already
    return photo, True
