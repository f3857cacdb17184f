"""Recorded grades: the newest per photo and region, and each patient's responses."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from gallery.db import get_db
from gallery.grading import Response
from gallery.models import Patient, Photo, RegionGrade


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
