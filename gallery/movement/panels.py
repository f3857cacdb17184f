"""What pages, the report and the API show of movement: one shape for all of them.

A visit's movement per expression (``visit_movement``) with, for a review visit, the
movement kept against its treatment visit; a contraction photo's own movement
(``photo_movement_panel``); a comparison's two photos set against each other.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gallery.models import Comparison, MovementRecord, Photo, Visit
from gallery.movement.kept import (
    BASELINE_RULE,
    Kept,
    baseline_visit,
    figure_label,
    kept,
    withheld_words,
)
from gallery.movement.service import is_measured, movement_of, photo_movement, rest_partner, visit_movements
from landmarks.movement import Movement


@dataclass(frozen=True)
class ExpressionMovement:
    """One expression's movement at a visit, and what is kept of the baseline's (review visits)."""

    expression: str
    record: MovementRecord
    movement: Movement
    baseline: MovementRecord | None = None
    kept: list[Kept] = field(default_factory=list)

    @property
    def withheld_words(self) -> str | None:
        return withheld_words(self.movement.withheld) if self.movement.withheld else None

    @property
    def baseline_rule(self) -> str:
        """When no share kept is given, in words."""
        return BASELINE_RULE

    def rows(self) -> list[dict[str, Any]]:
        """One row per figure: label, value ± uncertainty (mm), the kept share, words for what is withheld."""
        shares = {(k.baseline.name, k.baseline.side, k.baseline.position): k for k in self.kept}
        out = []
        for figure in self.movement.figures:
            share = shares.get((figure.name, figure.side, figure.position))
            where = " ".join(part for part in (figure.side, figure.position) if part) or "both sides"
            out.append({"label": figure_label(figure), "group": figure_label(figure).split(",")[0], "where": where,
                        "muscle": figure.muscle, "figure": figure,
                        "withheld": withheld_words(figure.withheld) if figure.withheld else None,
                        "kept": share, "kept_withheld": withheld_words(share.withheld) if share and share.withheld
                        else None})
        return out

    def as_json(self) -> dict[str, Any]:
        return {"expression": self.expression, "contraction_photo_id": self.record.contraction_photo_id,
                "rest_photo_id": self.record.rest_photo_id, "measured_at": self.record.measured_at,
                "method_version": self.record.method_version, **self.movement.to_dict(),
                "withheld_reason": self.withheld_words,
                "baseline_visit_id": self.baseline.visit_id if self.baseline else None,
                "kept": [_kept_json(k) for k in self.kept]}


def _kept_json(share: Kept) -> dict[str, Any]:
    b, r = share.baseline, share.review
    return {"name": b.name, "muscle": b.muscle, "side": b.side, "position": b.position,
            "baseline_mm": b.value_mm, "baseline_uncertainty_mm": b.uncertainty_mm,
            "review_mm": r.value_mm if r else None, "review_uncertainty_mm": r.uncertainty_mm if r else None,
            "kept_pct": share.kept_pct, "uncertainty_pct": share.uncertainty_pct, "withheld": share.withheld,
            "withheld_reason": withheld_words(share.withheld) if share.withheld else None}


def _against(record: MovementRecord, baseline: MovementRecord | None) -> ExpressionMovement:
    movement = movement_of(record)
    if baseline is None:
        return ExpressionMovement(record.expression, record, movement)
    return ExpressionMovement(record.expression, record, movement, baseline, kept(movement_of(baseline), movement))


def visit_movement(visit: Visit) -> tuple[Visit | None, list[ExpressionMovement]]:
    """The visit's movement per expression (raise, frown, smile order), each against the
    treatment visit's when ``visit`` is a review; and that treatment visit (or None)."""
    treated = baseline_visit(visit)
    baselines = visit_movements(treated) if treated else {}
    records = visit_movements(visit)
    order = ("raise", "frown", "smile")
    return treated, [_against(records[e], baselines.get(e)) for e in order if e in records]


@dataclass(frozen=True)
class PhotoMovement:
    """The photo page's panel: ``state`` is ``measured``, ``pending`` (the job has not run
    yet) or ``no_rest`` (the visit has no analysed front rest photo to pair with)."""

    state: str
    entry: ExpressionMovement | None = None
    treated: Visit | None = None


def photo_movement_panel(photo: Photo) -> PhotoMovement | None:
    """None for a photo whose movement is not measured (rest, obliques)."""
    if not is_measured(photo):
        return None
    record = photo_movement(photo)
    if record is None:
        rest = rest_partner(photo, list(photo.visit.photos))
        return PhotoMovement("no_rest" if rest is None else "pending")
    treated = baseline_visit(photo.visit)
    baseline = visit_movements(treated).get(photo.expression) if treated else None
    return PhotoMovement("measured", _against(record, baseline), treated)


def comparison_movement(comparison: Comparison) -> ExpressionMovement | None:
    """Movement of the comparison's after photo against its before photo (both contraction
    photos of one expression, measured): what share of the before movement is kept."""
    before, after = photo_movement(comparison.before), photo_movement(comparison.after)
    if before is None or after is None or before.expression != after.expression:
        return None
    return _against(after, before)
