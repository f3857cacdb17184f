"""Recorded grades: the newest per photo and region, each patient's responses, the clinic's calibration."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from gallery.db import get_db, separate_session
from gallery.grading import ASSESSED_EXPRESSION, Calibration, Response, calibrate
from gallery.models import Clinic, Patient, Photo, RegionGrade
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
    of_region = (RegionGrade.clinic_id == clinic_id, RegionGrade.region == region)
    grades = {photo_id: grade for photo_id, grade in get_db().execute(
        select(RegionGrade.photo_id, RegionGrade.grade).where(*of_region)
        .order_by(RegionGrade.graded_at, RegionGrade.id))}
    # A subquery, not the ids as literals: 20,000 bound parameters took longer than the rows.
    graded = select(RegionGrade.photo_id).where(*of_region)
    if not grades:
        return [], []
    # Read from the photo's summary (a few hundred bytes), not its analysis (12 KB of landmarks
    # and outlines): at a chain's size, parsing every graded photo's analysis on each photo page
    # took 1.6 s.
    index = Photo.summary[("indices", region)].as_float()
    rows = get_db().execute(
        select(Photo.id, index)
        .where(Photo.id.in_(graded), Photo.clinic_id == clinic_id,
               Photo.expression == ASSESSED_EXPRESSION[region],
               Photo.summary[("measurement_standard",)].as_string() == MEASUREMENT_STANDARD,
               index.is_not(None))
        .order_by(Photo.id)).all()
    return [value for _, value in rows], [grades[photo_id] for photo_id, _ in rows]


@dataclass(frozen=True)
class RegionCalibration:
    """What the clinic's grades of one region give: how many photos, which grades, the fit (or None)."""

    graded: int
    grades_seen: list[int]
    calibration: Calibration | None


def fitted_calibrations(clinic_id: int) -> dict[str, RegionCalibration]:
    """Per region, the clinic's calibration: fitted once per ``Clinic.grading_stamp`` and kept with the clinic.

    Fitting reads every graded photo of the clinic (20,000 at a chain's largest clinic) and ran on
    every photo page; now a page reads the clinic's row and fits only when a grade or an analysis
    of the clinic changed since (``_move_grading_stamp``). The fit is kept in the database, so
    every process and host uses it, and it outlives a restart.
    """
    stamp, kept_at, kept = get_db().execute(select(Clinic.grading_stamp, Clinic.calibration_stamp, Clinic.calibration)
                                            .where(Clinic.id == clinic_id)).one()
    if kept is not None and kept_at == stamp:
        return {region: _region_from_json(value) for region, value in kept.items()}
    fitted = {}
    for region in ASSESSED_EXPRESSION:
        indexes, grades = graded_indexes(clinic_id, region)
        fitted[region] = RegionCalibration(len(indexes), sorted(set(grades)), calibrate(indexes, grades))
    # Kept under the stamp read before fitting, and only while it is still the clinic's: a grade
    # recorded meanwhile leaves the next page to fit again. Its own transaction, apart from the page's.
    with separate_session() as session:
        session.execute(update(Clinic).where(Clinic.id == clinic_id, Clinic.grading_stamp == stamp)
                        .values(calibration={region: _region_to_json(value) for region, value in fitted.items()},
                                calibration_stamp=stamp))
        session.commit()
    return fitted


def _region_to_json(region: RegionCalibration) -> dict[str, Any]:
    fit = region.calibration
    return {"graded": region.graded, "grades_seen": region.grades_seen, "calibration": None if fit is None else {
        # JSON has no infinity: a grade never suggested has no bound (None).
        "thresholds": [None if math.isinf(bound) else bound for bound in fit.thresholds],
        "graded_photos": fit.graded_photos, "kappa": fit.kappa, "confusion": [list(row) for row in fit.confusion]}}


def _region_from_json(value: dict[str, Any]) -> RegionCalibration:
    fit = value["calibration"]
    return RegionCalibration(value["graded"], value["grades_seen"], None if fit is None else Calibration(
        thresholds=tuple(math.inf if bound is None else bound for bound in fit["thresholds"]),
        graded_photos=fit["graded_photos"], kappa=fit["kappa"], confusion=tuple(tuple(row) for row in fit["confusion"])))


def clinic_calibrations(clinic_id: int, expression: str) -> dict[str, Calibration | None]:
    """Per region, the calibration from this clinic's grades, or None while there is none.

    Only the regions graded at ``expression`` have one here (a photo of another
    expression gets no suggestion there).
    """
    if expression not in ASSESSED_EXPRESSION.values():  # a resting face: no region is graded on it
        return dict.fromkeys(ASSESSED_EXPRESSION)
    fitted = fitted_calibrations(clinic_id)
    return {region: fitted[region].calibration if graded_at == expression else None
            for region, graded_at in ASSESSED_EXPRESSION.items()}


_CALIBRATION_INPUTS = ("summary", "expression", "clinic_id")  # what graded_indexes reads of a photo


def _move_grading_stamp(session: Session, _context: Any) -> None:
    """After a flush that recorded a grade or changed what a photo gives the calibration, move its
    clinic's stamp on, in the same transaction: every process fits that clinic again."""
    clinics = {row.clinic_id for row in session.new if isinstance(row, RegionGrade)}
    # A new photo has no grade yet (its grade moves the stamp); a changed or deleted one may have.
    clinics |= {row.clinic_id for row in (*session.dirty, *session.deleted) if isinstance(row, Photo)
                and (row in session.deleted
                     or any(inspect(row).attrs[name].history.has_changes() for name in _CALIBRATION_INPUTS))}
    if clinics:
        session.connection().execute(update(Clinic).where(Clinic.id.in_(clinics))
                                     .values(grading_stamp=Clinic.grading_stamp + 1))


def init_app(app: Flask) -> None:
    """Keep each clinic's grading stamp current as the app's sessions flush."""
    event.listen(app.extensions["gallery_sessionmaker"], "after_flush", _move_grading_stamp)


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
