"""Expression measures: how high the brows sit and how close their heads are.

Both are divided by the distance between the eye centres so they compare
across photos of any size. A frown pulls the brow heads together and down
(corrugators, procerus); an eyebrow raise lifts the brows (frontalis).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from landmarks.anatomy import (
    LEFT_BROW_LOWER,
    LEFT_BROW_UPPER,
    LEFT_IRIS_CENTRE,
    RIGHT_BROW_LOWER,
    RIGHT_BROW_UPPER,
    RIGHT_IRIS_CENTRE,
    FaceFrame,
)

EXPRESSIONS = ("rest", "frown", "raise", "smile")


@dataclass(frozen=True)
class ExpressionMeasures:
    """``brow_height``: mean brow height above the pupils; ``brow_head_distance``:
    distance between the medial brow heads; both in inter-ocular distances."""

    brow_height: float
    brow_head_distance: float


def expression_measures(frame: FaceFrame, xy: npt.NDArray[np.float64]) -> ExpressionMeasures:
    pupils = frame.to_mm(xy[[RIGHT_IRIS_CENTRE, LEFT_IRIS_CENTRE]])
    iod_mm = float(np.linalg.norm(pupils[1] - pupils[0]))
    brows = frame.to_mm(xy[list(RIGHT_BROW_UPPER + LEFT_BROW_UPPER + RIGHT_BROW_LOWER + LEFT_BROW_LOWER)])
    height = float(brows[:, 1].mean() - pupils[:, 1].mean())
    heads = frame.to_mm(xy[[RIGHT_BROW_UPPER[-1], RIGHT_BROW_LOWER[-1], LEFT_BROW_UPPER[-1], LEFT_BROW_LOWER[-1]]])
    distance = float(heads[2:, 0].mean() - heads[:2, 0].mean())
    return ExpressionMeasures(brow_height=round(height / iod_mm, 4), brow_head_distance=round(distance / iod_mm, 4))


def shows_expression(tagged: str, measures: ExpressionMeasures, rest: ExpressionMeasures, *,
                     min_change: float = 0.04) -> bool:
    """Whether a face tagged ``frown`` or ``raise`` differs from the patient's ``rest``
    the way that expression should (other tags are not checked: True).

    ``min_change`` is the smallest relative change accepted (0.04 = 4 %): a
    maximal frown narrows the brow heads, a maximal raise lifts the brows, both
    by far more than landmark noise (about 1 %).
    """
    if tagged == "frown":
        narrowed = measures.brow_head_distance <= rest.brow_head_distance * (1 - min_change)
        lowered = measures.brow_height <= rest.brow_height * (1 - min_change)
        return narrowed or lowered
    if tagged == "raise":
        return measures.brow_height >= rest.brow_height * (1 + min_change)
    return True


def expression_mismatch(tagged: str, measures: ExpressionMeasures, rest: ExpressionMeasures, *,
                        min_change: float = 0.04) -> str | None:
    """A warning when a photo tagged ``frown`` or ``raise`` does not show it (see
    ``shows_expression``) compared with the patient's ``rest`` photo; None when it does."""
    if shows_expression(tagged, measures, rest, min_change=min_change):
        return None
    if tagged == "frown":
        return "Tagged as frown, but the brows are neither drawn together nor lowered compared with the rest photo."
    return "Tagged as eyebrow raise, but the brows are not higher than in the rest photo."
