"""A patient's progress in plain words: one sentence per area, after their latest treatment.

"Frown lines, when frowning: 35 % softer than before your treatment on 12 January
(day 14)". A sentence compares two photos of the same expression, both measured at
the current measurement standard (a different method or a face too small for the
standard is never compared), the one taken on or before the treatment day and the
latest one after it (before the next treatment). Changes inside the measure's
day-to-day spread are called "about the same", and an area with no lines before the
treatment (an index below ``NO_LINES_BELOW``) gets no sentence: a patient should not read
noise as progress, nor 0.04 -> 0.00 as "100 % softer".
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gallery.models import EXPRESSIONS, Patient, Photo
from landmarks.wrinkles import MEASUREMENT_STANDARD, relative_change

# Each area's label and the expressions that show its lines best (preferred in this order; any
# other expression photographed on both days still gives a like-for-like sentence).
AREAS = {
    "forehead": ("Forehead lines", ("raise", "rest")),
    "glabella": ("Frown lines", ("frown", "rest")),
    "crows_feet_right": ("Crow's feet by your right eye", ("smile", "rest")),
    "crows_feet_left": ("Crow's feet by your left eye", ("smile", "rest")),
}
EXPRESSION_WORDS = {"rest": "at rest", "frown": "when frowning", "raise": "with raised eyebrows",
                    "smile": "when smiling"}
SAME_WITHIN = 0.10  # relative change read as no change: repeat photos of one face vary about this much


@dataclass(frozen=True)
class AreaChange:
    region: str
    expression: str
    treated_on: date
    before: float
    after: float
    after_on: date

    @property
    def change(self) -> float:
        return (self.after - self.before) / self.before  # before >= NO_LINES_BELOW (see _first_pair)

    @property
    def sentence(self) -> str:
        label = f"{AREAS[self.region][0]}, {EXPRESSION_WORDS[self.expression]}"
        percent = round(abs(self.change) * 100)
        if abs(self.change) < SAME_WITHIN:
            verdict = "about the same as"
        elif self.change < 0:
            verdict = f"{percent} % softer than"
        else:
            verdict = f"{percent} % more visible than"
        day = (self.after_on - self.treated_on).days
        return f"{label}: {verdict} before your treatment on {_long_date(self.treated_on)} (day {day})"


def area_changes(patient: Patient) -> list[AreaChange]:
    """For each area, the change since the latest treatment that has a comparable pair of photos."""
    treatments = sorted({visit.visit_date for visit in patient.visits if visit.treated}, reverse=True)
    photos = [photo for photo in patient.photos if photo.summary.get("measurement_standard") == MEASUREMENT_STANDARD]
    changes = []
    for region, (_, expressions) in AREAS.items():
        next_treatment: date | None = None
        for treated_on in treatments:
            change = _first_pair(photos, region, expressions, treated_on, next_treatment)
            if change is not None:
                changes.append(change)
                break
            next_treatment = treated_on
    return changes


def _first_pair(photos: list[Photo], region: str, expressions: tuple[str, ...], treated_on: date,
                next_treatment: date | None) -> AreaChange | None:
    for expression in expressions + tuple(e for e in EXPRESSIONS if e not in expressions):
        measured = sorted(((photo.taken_at.date(), (photo.summary.get("indices") or {}).get(region)) for photo in photos
                           if photo.expression == expression), key=lambda pair: pair[0])
        measured = [(day, value) for day, value in measured if value is not None]
        before = [(day, value) for day, value in measured if day <= treated_on]
        after = [(day, value) for day, value in measured
                 if day > treated_on and (next_treatment is None or day <= next_treatment)]
        if before and after and relative_change(before[-1][1], after[-1][1]) is not None:
            return AreaChange(region, expression, treated_on, before[-1][1], after[-1][1], after[-1][0])
    return None


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"
