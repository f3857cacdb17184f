"""A patient's progress in plain words: one sentence per area, after their latest treatment.

"Frown lines, when frowning: 35 % softer than before your treatment on 12 January
(day 14)". A sentence compares two photos of the same expression, both measured at
the current measurement standard (a different method or a face too small for the
standard is never compared): the one taken on or before the treatment day, and the
one at the peak of the effect, days 10-30 after it (the trials' review window; the
closest to it when none was taken in it), before the next treatment. Comparing with
the latest photo instead hid the two-week review behind a later recapture. When a
newer photo shows the lines coming back, the sentence says so. Changes inside the
measure's repeatability for that area (``RECAPTURE_CHANGE``: what two photos a few
seconds apart differ by) are called "about the same", and an area with no lines before
the treatment (an index below ``NO_LINES_BELOW``) gets no sentence: a patient should
not read noise as progress, nor 0.04 -> 0.00 as "100 % softer".
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gallery.models import EXPRESSIONS, Patient, Photo
from landmarks.wrinkles import MEASUREMENT_STANDARD, RECAPTURE_CHANGE, inside_repeatability, relative_change

# Each area's label and the expressions that show its lines best (preferred in this order; any
# other expression photographed on both days still gives a like-for-like sentence).
AREAS = {
    "forehead": ("Forehead lines", ("raise", "rest")),
    "glabella": ("Frown lines", ("frown", "rest")),
    "crows_feet_right": ("Crow's feet by your right eye", ("smile", "rest")),
    "crows_feet_left": ("Crow's feet by your left eye", ("smile", "rest")),
}
# The same names for the patient's chart and legend as in these sentences (one wording per area).
AREA_NAMES = {region: label for region, (label, _) in AREAS.items()}
EXPRESSION_WORDS = {"rest": "at rest", "frown": "when frowning", "raise": "with raised eyebrows",
                    "smile": "when smiling"}
PEAK_DAYS = (10, 30)  # the effect's peak, when trials review it
REVIEW_DAY = 14


def change_in_words(change: float, region: str) -> str:
    """A relative change of ``region``'s index as a patient reads it: "about the same" inside the
    area's repeatability, else "35 % softer" or "20 % more visible"."""
    if inside_repeatability(change, region):
        return "about the same"
    percent = round(abs(change) * 100)
    return f"{percent} % softer" if change < 0 else f"{percent} % more visible"


def _verdict(change: float, region: str) -> str:
    words = change_in_words(change, region)
    return f"{words} as" if words == "about the same" else f"{words} than"


@dataclass(frozen=True)
class AreaChange:
    """``after`` on ``after_on``: the photo at the effect's peak; ``latest`` on ``latest_on``:
    a newer photo showing the lines returning (None when none does)."""

    region: str
    expression: str
    treated_on: date
    before: float
    after: float
    after_on: date
    latest: float | None = None
    latest_on: date | None = None

    @property
    def change(self) -> float:
        return (self.after - self.before) / self.before  # before >= NO_LINES_BELOW (see _first_pair)

    @property
    def sentence(self) -> str:
        label = f"{AREAS[self.region][0]}, {EXPRESSION_WORDS[self.expression]}"
        day = (self.after_on - self.treated_on).days
        text = (f"{label}: {_verdict(self.change, self.region)} before your treatment on "
                f"{long_date(self.treated_on)} (day {day})")
        if self.latest is not None and self.latest_on is not None:
            later = (self.latest - self.before) / self.before
            text += (f"; on {long_date(self.latest_on)} (day {(self.latest_on - self.treated_on).days}) the lines "
                     f"were coming back: {_verdict(later, self.region)} before")
        return text


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


def measured_series(patient: Patient, region: str) -> list[list[tuple[date, float]]]:
    """Per expression photographed, the (day, index) series of ``region`` at the current
    standard, oldest first: like-for-like readings of one area over time."""
    series: dict[str, list[tuple[date, float]]] = {}
    for photo in sorted(patient.photos, key=lambda p: p.taken_at):
        value = (photo.summary.get("indices") or {}).get(region)
        if value is not None and photo.summary.get("measurement_standard") == MEASUREMENT_STANDARD:
            series.setdefault(photo.expression, []).append((photo.taken_at.date(), value))
    return list(series.values())


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
            start = before[-1][1]
            peak_on, peak = min(after, key=lambda pair: from_peak((pair[0] - treated_on).days))
            newer = [(day, value) for day, value in after if day > peak_on]
            returning = newer and (newer[-1][1] - peak) / start >= RECAPTURE_CHANGE[region]
            return AreaChange(region, expression, treated_on, start, peak, peak_on,
                              newer[-1][1] if returning else None, newer[-1][0] if returning else None)
    return None


def from_peak(day: int) -> tuple[int, int]:
    """How far a photo's day after treatment lies from the peak window, then from the review day."""
    low, high = PEAK_DAYS
    return max(low - day, day - high, 0), abs(day - REVIEW_DAY)


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"
