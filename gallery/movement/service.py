"""Muscle movement per visit (issue 30): which photos are paired, measuring them in the
background, and reading the stored figures.

A visit's front contraction photos (``raise``, ``frown``, ``smile``) are each measured
against one front rest photo of the same visit (``rest_partner``), from the stored
originals, by ``landmarks.movement.measure_movement``; the result is a
``MovementRecord`` row per contraction photo. The queue's job (``run_movement``) is
per visit and idempotent: a row whose pair and method are unchanged is kept, a row
whose pair changed (a new or retagged photo) is measured again, and a row whose
contraction photo is no longer one (retagged to rest, or to an oblique view) goes.
It is queued whenever a photo of the visit finishes its analysis or is retagged.
"""
from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from gallery import audit
from gallery.db import get_db
from gallery.decoding import decode_slot
from gallery.models import MovementRecord, Patient, Photo, Visit, utcnow
from gallery.movement.jobs import queue_movement
from gallery.photos.service import blob_store, upload_limits
from landmarks.movement import MEASURED_EXPRESSIONS, Movement, measure_movement
from uploads.errors import UploadError
from uploads.ingest import working_pixels

log = logging.getLogger(__name__)
# Bump when landmarks.movement changes what its figures mean: older rows are then measured again.
# 2: a smile's cheek "drop" beyond 1.5 mm is withheld (a slide along a fold, not a movement).
# 3: the brow head is where a threshold and a change point agree on average; the edge at the head is its steepest step.
# 4: the brow head's medial end runs across the brow, so the upper edge starts about 2 mm further medial.
# 5: the eye's narrowing follows both lids' texture from rest to smile; the mesh's lids lagged (3 mm read as 2).
METHOD_VERSION = 5
# Originals are shrunk to this long side before measuring: a face filling a third of such a
# photo has an iris of about 35 px (0.33 mm/px), finer than the brow's own edge; two of them
# fit in memory at once where two 50 MP originals would not.
MOVEMENT_LONG_SIDE_PX = 2400
VIEW = "front"  # movement is read in the face's plane: obliques foreshorten it


def is_measured(photo: Photo) -> bool:
    """Whether ``photo`` is a contraction photo whose movement is measured."""
    return photo.view == VIEW and photo.expression in MEASURED_EXPRESSIONS


def rest_partner(contraction: Photo, photos: list[Photo]) -> Photo | None:
    """The rest photo ``contraction`` is measured against: of the visit's analysed front rest
    photos with a face, the one taken closest in time to it (ties: the earlier one, then the
    lower id). Taken seconds apart, the two share the camera, the distance, the light and
    mostly the pose; a rest photo from another visit never pairs (the framing, the day's
    swelling and, after a treatment, the muscle itself differ)."""
    rests = [p for p in photos if p.visit_id == contraction.visit_id and p.expression == "rest" and p.view == VIEW
             and p.analysis_status == "done" and p.summary.get("face_found")]
    if not rests:
        return None
    return min(rests, key=lambda p: (abs((p.taken_at - contraction.taken_at).total_seconds()), p.taken_at, p.id))


def run_movement(visit_id: int) -> None:
    """The queue's job: bring the visit's movement rows in line with its photos (idempotent)."""
    db = get_db()
    visit = db.get(Visit, visit_id)
    if visit is None:
        return
    photos = db.scalars(select(Photo).where(Photo.visit_id == visit.id)).all()
    wanted = {}
    for photo in photos:
        if is_measured(photo) and photo.analysis_status == "done":
            rest = rest_partner(photo, photos)
            if rest is not None:
                wanted[photo.id] = (photo, rest)
    rows = {row.contraction_photo_id: row
            for row in db.scalars(select(MovementRecord).where(MovementRecord.visit_id == visit.id))}
    for photo_id, row in rows.items():
        if photo_id not in wanted:
            db.delete(row)
    db.commit()
    repeats = int(current_app.config["GALLERY_MOVEMENT_REPEATS"])
    for photo_id, (contraction, rest) in wanted.items():
        row = rows.get(photo_id)
        if row is not None and (row.rest_photo_id, row.expression, row.method_version) == (
                rest.id, contraction.expression, METHOD_VERSION):
            continue
        result = _measure(rest, contraction, repeats)
        if result is None:
            continue
        if row is None:
            row = MovementRecord(clinic_id=visit.clinic_id, visit_id=visit.id, contraction_photo_id=contraction.id)
            db.add(row)
        row.rest_photo_id, row.expression, row.method_version = rest.id, contraction.expression, METHOD_VERSION
        row.result, row.measured_at = result.to_dict(), utcnow()
        try:
            db.flush()
            audit.record("movement", "photo", contraction.id, clinic_id=visit.clinic_id, actor="system:movement")
            db.commit()
        except IntegrityError:  # another worker measured the same photo at the same moment: its row stands
            db.rollback()
            log.info("movement of photo %s measured concurrently elsewhere", contraction.id)


def _measure(rest: Photo, contraction: Photo, repeats: int) -> Movement | None:
    """The pair's movement from the stored originals; None when an original cannot be read (logged)."""
    if not (rest.summary.get("face_found") and contraction.summary.get("face_found")):
        return Movement(contraction.expression, (), "no_face", None, None, None)
    try:
        with decode_slot():
            rest_rgb = working_pixels(blob_store().read(rest.sha256, "original"), upload_limits(),
                                      MOVEMENT_LONG_SIDE_PX)
        with decode_slot():
            contraction_rgb = working_pixels(blob_store().read(contraction.sha256, "original"), upload_limits(),
                                             MOVEMENT_LONG_SIDE_PX)
    except UploadError:
        log.exception("movement of photo %s: an original could not be read", contraction.id)
        return None
    return measure_movement(rest_rgb, contraction_rgb, contraction.expression, repeats=repeats,
                            seed=contraction.id)


def requeue_movements() -> int:
    """Queue every visit with a front contraction photo analysed but not measured, or measured
    by an older method (a job lost with a worker, or a new method), and a rest photo to pair it
    with; returns how many visits. One query, whatever the number of photos."""
    rest = aliased(Photo)
    has_rest = exists().where(rest.visit_id == Photo.visit_id, rest.expression == "rest", rest.view == VIEW,
                              rest.analysis_status == "done")
    stale = (select(Photo.visit_id).distinct()
             .outerjoin(MovementRecord, MovementRecord.contraction_photo_id == Photo.id)
             .where(Photo.expression.in_(MEASURED_EXPRESSIONS), Photo.view == VIEW, Photo.analysis_status == "done",
                    or_(MovementRecord.id.is_(None), MovementRecord.method_version != METHOD_VERSION), has_rest))
    visits = sorted(get_db().scalars(stale))
    for visit_id in visits:
        queue_movement(visit_id)
    return len(visits)


def movement_of(record: MovementRecord) -> Movement:
    return Movement.from_dict(record.result)


def photo_movement(photo: Photo) -> MovementRecord | None:
    """The stored movement of a contraction photo, if measured."""
    return get_db().scalar(select(MovementRecord).where(MovementRecord.contraction_photo_id == photo.id))


def visit_movements(visit: Visit) -> dict[str, MovementRecord]:
    """Per expression, the movement that stands for the visit (see ``_standing``)."""
    rows = get_db().scalars(select(MovementRecord).join(Photo, MovementRecord.contraction_photo_id == Photo.id)
                            .where(MovementRecord.visit_id == visit.id)
                            .order_by(Photo.taken_at, Photo.id)).all()
    return _standing(rows)


def patient_movements(patient: Patient) -> list[tuple[Visit, dict[str, MovementRecord]]]:
    """Per visit of ``patient`` with movement (oldest first), what stands for it per expression; one query."""
    rows = get_db().scalars(select(MovementRecord).join(Photo, MovementRecord.contraction_photo_id == Photo.id)
                            .where(Photo.patient_id == patient.id).order_by(Photo.taken_at, Photo.id)).all()
    by_visit: dict[int, list[MovementRecord]] = {}
    for row in rows:
        by_visit.setdefault(row.visit_id, []).append(row)
    visits = sorted((v for v in patient.visits if v.id in by_visit), key=lambda v: (v.visit_date, v.id))
    return [(visit, _standing(by_visit[visit.id])) for visit in visits]


def _standing(rows: list[MovementRecord]) -> dict[str, MovementRecord]:
    """Of several contraction photos of one expression at a visit (``rows`` oldest first), the
    latest whose pair was not withheld, else the latest: a retake is taken because the first
    effort was poor, and a pair that carries no figure stands only when nothing else does."""
    chosen: dict[str, MovementRecord] = {}
    for row in rows:
        current = chosen.get(row.expression)
        if current is None or row.result.get("withheld") is None or current.result.get("withheld") is not None:
            chosen[row.expression] = row
    return chosen
