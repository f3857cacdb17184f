"""Movement before and after a treatment in the patient's words: one sentence per muscle.

"Frowning now brings your brows together 1 mm instead of 5 mm before your treatment on
2 March 2026 (day 14)". The baseline is the latest treatment visit with that movement
measured (its photos are taken before the injection); the review is the visit after it,
before the next treatment, closest to the effect's peak (days 10-30, as for the lines in
``gallery.patients.plain_words``). A difference inside the two figures' uncertainty (two
standard deviations combined) or under ``SAME_WITHIN_MM`` reads "about the same"; a
muscle that hardly moved before (``gallery.movement.kept.MIN_BASELINE_MM``) gets no
sentence: a patient should not read noise as an effect.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from gallery.models import Patient
from gallery.movement.kept import HEADLINES, Headline, headline, worth_comparing
from gallery.movement.service import movement_of, patient_movements
from gallery.patients.plain_words import from_peak, long_date

# The measurement's accuracy on known movements (issue 30's bench target): closer than this is no change.
SAME_WITHIN_MM = 0.5
# What the patient does, and what it does to their face.
ACTIONS = {"frontalis": ("Raising your eyebrows", "lifts them"),
           "corrugator": ("Frowning", "brings your brows together"),
           "procerus": ("Frowning", "pulls your brows down"),
           "orbicularis_oculi": ("Smiling", "narrows your eyes")}

# The movement chart's legend for the patient: what the face does, not the muscle's Latin name.
CHART_WORDS = {"frontalis": "Brows lifted, raising your eyebrows",
               "corrugator": "Brows drawn together, frowning",
               "procerus": "Brows pulled down, frowning",
               "orbicularis_oculi": "Eyes narrowed, smiling"}


def _mm(value: float) -> str:
    """Whole mm from 1 mm up (the measure's accuracy is about half a mm), tenths below."""
    value = max(value, 0.0)  # a small negative reading is "no movement" to a patient
    return f"{value:.0f} mm" if value >= 0.95 else f"{value:.1f} mm"


@dataclass(frozen=True)
class MovementChange:
    muscle: str
    treated_on: date
    review_on: date
    before: Headline
    after: Headline

    @property
    def same(self) -> bool:
        spread = 2 * math.hypot(self.before.uncertainty_mm or 0.0, self.after.uncertainty_mm or 0.0)
        return abs(self.after.value_mm - self.before.value_mm) < max(spread, SAME_WITHIN_MM)

    @property
    def sentence(self) -> str:
        doing, moves = ACTIONS[self.muscle]
        when = f"before your treatment on {long_date(self.treated_on)} (day {(self.review_on - self.treated_on).days})"
        if self.same:
            return f"{doing} {moves} about the same as {when}: {_mm(self.after.value_mm)}"
        return f"{doing} now {moves} {_mm(self.after.value_mm)} instead of {_mm(self.before.value_mm)} {when}"


def movement_changes(patient: Patient) -> list[MovementChange]:
    """Per muscle, the change since the latest treatment with a measured baseline and review."""
    measured = patient_movements(patient)
    by_visit = dict(measured)
    treated = sorted((visit for visit, _ in measured if visit.treated), key=lambda v: v.visit_date, reverse=True)
    treatments = sorted({v.visit_date for v in patient.visits if v.treated})
    changes = []
    for muscle, (expression, _, _) in HEADLINES.items():
        for baseline_visit in treated:
            records = by_visit[baseline_visit]
            if expression not in records:
                continue
            before = headline(movement_of(records[expression]), muscle)
            if not worth_comparing(before):
                continue
            after_treatment = [t for t in treatments if t > baseline_visit.visit_date]
            until = after_treatment[0] if after_treatment else None
            reviews = [(visit, rows[expression]) for visit, rows in measured
                       if expression in rows and not visit.treated and visit.visit_date > baseline_visit.visit_date
                       and (until is None or visit.visit_date < until)]
            readings = [(visit, headline(movement_of(record), muscle)) for visit, record in reviews]
            readings = [(visit, reading) for visit, reading in readings if reading.value_mm is not None]
            if not readings:
                continue
            visit, after = min(readings, key=lambda pair: from_peak((pair[0].visit_date - baseline_visit.visit_date).days))
            changes.append(MovementChange(muscle, baseline_visit.visit_date, visit.visit_date, before, after))
            break
    return changes
