"""When to treat a patient again, from their own history, with the reasoning shown to staff.

The toxin's effect wears off over months, at a pace that differs between people.
Where an earlier treatment's photos show the lines coming back (the change since
before it is again inside the index's repeatability) or a muscle moving again about
as much as at that treatment visit (movement returns as the toxin wears off, the
trials' measure of its duration), that interval is this patient's own, whichever
showed first; the next treatment is suggested that long after the latest one.
Never sooner than the label's minimum interval between treatments, which is the
suggestion while no return has been photographed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from gallery.models import MovementRecord, Patient, Visit
from gallery.movement.kept import HEADLINES, MUSCLE_LABELS, headline, worth_comparing
from gallery.movement.service import movement_of, patient_movements
from gallery.movement.words import MovementChange
from gallery.patients.plain_words import AREAS, measured_series
from landmarks.wrinkles import RECAPTURE_CHANGE


# Before this many days after a treatment a return is the effect not yet set in, not worn off.
RETURN_AFTER_DAYS = 30


@dataclass(frozen=True)
class Retreatment:
    """``on``: the suggested date; ``reason``: why, in words staff can check."""

    on: date
    reason: str


def _returned(patient: Patient, measured: list[tuple[Visit, dict[str, MovementRecord]]], treated_on: date,
              until: date | None) -> tuple[int, str] | None:
    """(days after ``treated_on``, what came back) of the first sign, before ``until``, that the
    treatment wore off: lines or movement (``measured``: ``patient_movements``; see the module
    docstring); None when none shows it."""
    found = [sign for sign in (_lines_returned(patient, treated_on, until),
                               _movement_returned(measured, treated_on, until)) if sign is not None]
    return min(found, default=None)


def _lines_returned(patient: Patient, treated_on: date, until: date | None) -> tuple[int, str] | None:
    """(days after ``treated_on``, area label) of the first photo, before ``until``, whose lines
    are back to about where they were before that treatment; None when none shows it."""
    first: tuple[int, str] | None = None
    for region, (label, _) in AREAS.items():
        for series in measured_series(patient, region):
            before = [value for day, value in series if day <= treated_on]
            if not before or before[-1] <= 0:
                continue
            back = [(day - treated_on).days for day, value in series
                    if day > treated_on and (until is None or day <= until)
                    and (day - treated_on).days > RETURN_AFTER_DAYS
                    and (value - before[-1]) / before[-1] > -RECAPTURE_CHANGE[region]]
            if back and (first is None or back[0] < first[0]):
                first = (back[0], label.lower())
    return first


def _movement_returned(measured: list[tuple[Visit, dict[str, MovementRecord]]], treated_on: date,
                       until: date | None) -> tuple[int, str] | None:
    """(days after ``treated_on``, muscle) of the first visit in ``measured`` (``patient_movements``),
    before ``until``, at which a muscle moves about as much as at the treatment visit
    (``MovementChange.same``: inside both figures' uncertainty or half a mm); None when no visit
    shows it or nothing was measured to compare."""
    baseline = next((rows for visit, rows in measured if visit.treated and visit.visit_date == treated_on), None)
    first: tuple[int, str] | None = None
    for muscle, (expression, _, _) in HEADLINES.items():
        if baseline is None or expression not in baseline:
            continue
        before = headline(movement_of(baseline[expression]), muscle)
        if not worth_comparing(before):
            continue
        for visit, rows in measured:
            days = (visit.visit_date - treated_on).days
            if days <= RETURN_AFTER_DAYS or (until is not None and visit.visit_date > until) or expression not in rows:
                continue
            after = headline(movement_of(rows[expression]), muscle)
            if after.value_mm is not None and MovementChange(muscle, treated_on, visit.visit_date, before, after).same:
                if first is None or days < first[0]:
                    first = (days, f"movement of the {MUSCLE_LABELS[muscle].lower()}")
                break
    return first


def suggested_retreatment(patient: Patient, min_days: int) -> Retreatment | None:
    """The suggested next treatment of ``patient`` (None before any treatment)."""
    treated = sorted({visit.visit_date for visit in patient.visits if visit.treated})
    if not treated:
        return None
    last = treated[-1]
    earliest = last + timedelta(days=min_days)
    measured = patient_movements(patient)
    returns = [(day, found) for day, until in zip(treated, treated[1:] + [None])
               if (found := _returned(patient, measured, day, until)) is not None]
    if not returns:
        return Retreatment(earliest, f"No return of the lines or movement photographed yet: the label's minimum "
                                     f"interval of {min_days} days after the treatment of {last:%d %b %Y}.")
    days = round(sum(found[0] for _, found in returns) / len(returns))
    told = "; ".join(f"{found[1]} came back {found[0]} days after the treatment of {day:%d %b %Y}"
                     for day, found in returns)
    suggested = max(last + timedelta(days=days), earliest)
    floor = f", not before the label's {min_days}-day interval" if suggested == earliest else ""
    return Retreatment(suggested, f"{told[0].upper()}{told[1:]}: about {days} days after the latest treatment "
                                  f"({last:%d %b %Y}){floor}.")
