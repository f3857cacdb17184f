"""Recorded grades: the newest per photo and region, each patient's responses, the clinic's calibration."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from gallery.db import get_db
from gallery.grading import ASSESSED_EXPRESSION, Calibration, Response, calibrate
from gallery.models import Patient, Photo, RegionGrade
from landmarks.wrinkles import MEASUREMENT_STANDARD


def latest_grades(photo_ids: list[int]) -> dict[tuple[int, str], int]:
    """{(photo_id, region): grade} from the newest row of each pair."""
    if not photo_ids:
        return {}
    rows = get_db().scalars(select(RegionGrade).where(RegionGrade.photo_id.in_(photo_ids))
                            .order_by(RegionGrade.graded_at, RegionGrade.id)).all()
    return {(row.photo_id, row.region): row.grade for row in rows}


@dataclass(frozen=True)
class RegionProgress:
    region: str
    expression: str
    baseline_at: datetime
    latest_at: datetime
    response: Response


def patient_progress(patient: Patient) -> list[RegionProgress]:
    """Per region and expression: the first graded photo against the latest one."""
    photos = sorted(patient.photos, key=lambda p: p.taken_at)
    grades = latest_grades([p.id for p in photos])
    series: dict[tuple[str, str], list[tuple[Photo, int]]] = {}
    for (photo_id, region), grade in grades.items():
        photo = next(p for p in photos if p.id == photo_id)
        series.setdefault((region, photo.expression), []).append((photo, grade))
    progress = []
    for (region, expression), graded in sorted(series.items()):
        graded.sort(key=lambda item: item[0].taken_at)
        if len(graded) < 2:
            continue
        (first, baseline), (last, latest) = graded[0], graded[-1]
        progress.append(RegionProgress(region, expression, first.taken_at, last.taken_at, Response(baseline, latest)))
    return progress


def graded_indexes(clinic_id: int, region: str) -> tuple[list[float], list[int]]:
    """(wrinkle indexes, latest recorded grades) of the clinic's photos graded for ``region``.

    Only photos of the region's grading expression measured at the current
    standard count: a grade of a resting face, or an index from another method,
    would teach the calibration the wrong thing. Ordered by photo id.
    """
    grades = {photo_id: grade for photo_id, grade in get_db().execute(
        select(RegionGrade.photo_id, RegionGrade.grade)
        .where(RegionGrade.clinic_id == clinic_id, RegionGrade.region == region)
        .order_by(RegionGrade.graded_at, RegionGrade.id))}
    if not grades:
        return [], []
    # Read from the photo's summary (a few hundred bytes), not its analysis (12 KB of landmarks
    # and outlines): at a chain's size, parsing every graded photo's analysis on each photo page
    # took 1.6 s.
    index = Photo.summary[("indices", region)].as_float()
    rows = get_db().execute(
        select(Photo.id, index)
        .where(Photo.id.in_(grades), Photo.clinic_id == clinic_id,
               Photo.expression == ASSESSED_EXPRESSION[region],
               Photo.summary[("measurement_standard",)].as_string() == MEASUREMENT_STANDARD,
               index.is_not(None))
        .order_by(Photo.id)).all()
    return [value for _, value in rows], [grades[photo_id] for photo_id, _ in rows]


def clinic_calibrations(clinic_id: int, expression: str) -> dict[str, Calibration | None]:
    """Per region, the calibration from this clinic's grades, or None while there is none.

    Only the regions graded at ``expression`` are fitted (a photo of another
    expression gets no suggestion there): the fit runs on every photo page.
    """
    return {region: calibrate(*graded_indexes(clinic_id, region)) if graded_at == expression else None
            for region, graded_at in ASSESSED_EXPRESSION.items()}


def suggested_grade(photo: Photo, region: str, calibration: Calibration | None) -> int | None:
    """The calibrated suggestion for one region of a photo, or None where none is sound.

    None before the clinic has a calibration, for another expression than the
    one the region is graded at, and for an index measured off the standard.
    """
    measured = (photo.analysis.get("regions") or {}).get(region) or {}
    if (calibration is None or photo.expression != ASSESSED_EXPRESSION[region]
            or photo.analysis.get("measurement_standard") != MEASUREMENT_STANDARD
            or measured.get("wrinkle_index") is None):
        return None
    return calibration.suggest(measured["wrinkle_index"])
