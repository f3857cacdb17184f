"""Movement kept after a treatment: a review visit's movement against the treated visit's own.

The treated visit's photos are taken before the injection, so its movement is the
baseline; a later visit (before the next treatment) is a review. Per figure,
"movement kept" is review / baseline x 100, with its uncertainty propagated from
both figures' (independent) standard deviations. It is withheld when either figure
is, or when the baseline is too small to divide by: under ``MIN_BASELINE_MM``, or
under ``MIN_BASELINE_SIGNAL`` times its own uncertainty (a ratio to noise is noise).

Also the words: each figure's name and each reason a figure is withheld, for the
injector, and per muscle one headline figure for charts and the patient.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from gallery.models import Visit
from landmarks.movement import Figure, Movement

MIN_BASELINE_MM = 1.0
MIN_BASELINE_SIGNAL = 2.0
BASELINE_RULE = f"under {MIN_BASELINE_MM:g} mm or under {MIN_BASELINE_SIGNAL:g}× its uncertainty"

MUSCLE_LABELS = {"frontalis": "Frontalis", "corrugator": "Corrugators", "procerus": "Procerus",
                 "orbicularis_oculi": "Orbicularis oculi"}
FIGURE_LABELS = {"brow_lift": "brow lift", "brow_heads_approach": "brow heads drawn together",
                 "brow_head_approach": "brow head drawn in", "brow_head_descent": "brow head drawn down",
                 "eye_opening_narrowing": "eye opening narrowed", "lower_lid_lift": "lower lid lifted"}
EXPRESSION_MUSCLES = {"raise": ("frontalis",), "frown": ("corrugator", "procerus"), "smile": ("orbicularis_oculi",)}
WITHHELD_WORDS = {
    "no_face": "no face was found in one of the two photos",
    "scale_unknown": "the iris is too small in the photo to give a scale in mm",
    "pose_mismatch": "the head turned or tilted between the rest and the contraction photo",
    "alignment_failed": "the two photos could not be aligned on the face's fixed points",
    "brows_not_visible": "the brow's edge is not visible (hair over it, or too little contrast)",
    "not_tracked": "the brow or lid was not found again in the contraction photo",
    "not_measured_before": "not measured at the treatment visit",
    "not_measured_after": "not measured at this visit",
    "too_little_before": "too little movement before to compare",
}
# Per muscle, the figure that sums it up (charts, the patient's sentence): the expression that works
# it, the figure, and the position along the brow (both sides averaged).
HEADLINES = {"frontalis": ("raise", "brow_lift", "centre"), "corrugator": ("frown", "brow_heads_approach", None),
             "procerus": ("frown", "brow_head_descent", None),
             "orbicularis_oculi": ("smile", "eye_opening_narrowing", None)}


def withheld_words(code: str | None) -> str:
    return WITHHELD_WORDS.get(code or "", f"withheld ({code})")


def figure_label(figure: Figure) -> str:
    """"Frontalis: brow lift, right centre" (sides are the patient's)."""
    where = " ".join(part for part in (figure.side, figure.position) if part)
    return f"{MUSCLE_LABELS[figure.muscle]}: {FIGURE_LABELS[figure.name]}" + (f", {where}" if where else "")


@dataclass(frozen=True)
class Kept:
    """One figure before (``baseline``) and after (``review``), and the share of movement kept."""

    baseline: Figure
    review: Figure | None
    kept_pct: float | None
    uncertainty_pct: float | None
    withheld: str | None

    @property
    def label(self) -> str:
        return figure_label(self.baseline)

    @property
    def muscle(self) -> str:
        return self.baseline.muscle


def _moved_enough(value_mm: float, uncertainty_mm: float) -> bool:
    """Whether a baseline figure is large enough to divide by (see the module docstring)."""
    return abs(value_mm) >= max(MIN_BASELINE_MM, MIN_BASELINE_SIGNAL * uncertainty_mm)


def kept_share(baseline: Figure, review: Figure | None) -> Kept:
    """``review`` as a percentage of ``baseline``, ± one standard deviation, or why not."""
    if baseline.value_mm is None:
        return Kept(baseline, review, None, None, "not_measured_before")
    if review is None or review.value_mm is None:
        return Kept(baseline, review, None, None, "not_measured_after")
    b, r = baseline.value_mm, review.value_mm
    sb, sr = baseline.uncertainty_mm or 0.0, review.uncertainty_mm or 0.0
    if not _moved_enough(b, sb):
        return Kept(baseline, review, None, None, "too_little_before")
    share = r / b
    spread = math.hypot(sr / b, share * sb / b)
    return Kept(baseline, review, round(share * 100, 1), round(spread * 100, 1), None)


def kept(baseline: Movement, review: Movement) -> list[Kept]:
    """Every baseline figure against the review's same figure (same name, side and position)."""
    return [kept_share(figure, review.figure(figure.name, figure.side, figure.position))
            for figure in baseline.figures]


@dataclass(frozen=True)
class Headline:
    """A muscle's summary figure in mm, ± one standard deviation, or the reason there is none."""

    muscle: str
    value_mm: float | None
    uncertainty_mm: float | None
    withheld: str | None = None


def headline(movement: Movement, muscle: str) -> Headline:
    """The muscle's headline figure: the mean of both sides where it has sides (their
    uncertainties combined as independent), one side alone when the other is withheld."""
    _, name, position = HEADLINES[muscle]
    if movement.withheld is not None:
        return Headline(muscle, None, None, movement.withheld)
    both = movement.figure(name, None, position)
    figures = [both] if both is not None else [movement.figure(name, side, position) for side in ("right", "left")]
    measured = [f for f in figures if f is not None and f.value_mm is not None]
    if not measured:
        reasons = [f.withheld for f in figures if f is not None and f.withheld]
        return Headline(muscle, None, None, reasons[0] if reasons else "not_tracked")
    value = sum(f.value_mm for f in measured) / len(measured)
    spread = math.sqrt(sum((f.uncertainty_mm or 0.0) ** 2 for f in measured)) / len(measured)
    return Headline(muscle, round(value, 2), round(spread, 2))


def worth_comparing(before: Headline) -> bool:
    """Whether a muscle's headline figure at a treatment visit moved enough for a later visit's to be
    set against it (the rule ``kept_share`` applies to each figure)."""
    return before.value_mm is not None and _moved_enough(before.value_mm, before.uncertainty_mm or 0.0)


def baseline_visit(visit: Visit) -> Visit | None:
    """The treated visit ``visit`` is a review of: the patient's latest treated visit before it.
    None for a treated visit itself (it is a baseline) and before any treatment."""
    if visit.treated:
        return None
    earlier = [v for v in visit.patient.visits if v.treated and v.visit_date < visit.visit_date]
    return max(earlier, key=lambda v: (v.visit_date, v.id), default=None)


def days_after(baseline: Visit, review_on: date) -> int:
    return (review_on - baseline.visit_date).days
