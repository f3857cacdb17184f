"""Expression measures: how high the brows sit, how close their heads are, how high the mouth corners are.

All are divided by the distance between the eye centres so they compare
across photos of any size. A frown pulls the brow heads together and down
(corrugators, procerus); an eyebrow raise lifts the brows (frontalis); a smile
lifts the mouth corners (zygomaticus major) above the line between the lips.

A smile shows in one face alone: at rest the corners sit at or below the lips'
midpoint, in a smile well above it. Frown and raise are told from rest only
against the same patient's rest photo, since brow height and spacing vary more
between people than an expression moves them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from landmarks.anatomy import (
    INNER_LIP_LOWER,
    INNER_LIP_UPPER,
    LEFT_BROW_LOWER,
    LEFT_BROW_UPPER,
    LEFT_IRIS_CENTRE,
    LEFT_MOUTH_CORNER,
    RIGHT_BROW_LOWER,
    RIGHT_BROW_UPPER,
    RIGHT_IRIS_CENTRE,
    RIGHT_MOUTH_CORNER,
    FaceFrame,
)

EXPRESSIONS = ("rest", "frown", "raise", "smile")
# Mouth corners this far above the lips' midpoint (in inter-ocular distances, about 3 mm) are a smile.
# Measured on public-domain faces: a broad smile 0.12 to 0.16, faces at rest -0.10 to 0.
SMILE_CORNER_LIFT = 0.05


@dataclass(frozen=True)
class ExpressionMeasures:
    """``brow_height``: mean brow height above the pupils; ``brow_head_distance``:
    distance between the medial brow heads; ``mouth_corner_lift``: mean height of the
    mouth corners above the midpoint between the inner lips (None in analyses made
    before it was measured); all in inter-ocular distances, up the face positive."""

    brow_height: float
    brow_head_distance: float
    mouth_corner_lift: float | None = None


def expression_measures(frame: FaceFrame, xy: npt.NDArray[np.float64]) -> ExpressionMeasures:
    pupils = frame.to_mm(xy[[RIGHT_IRIS_CENTRE, LEFT_IRIS_CENTRE]])
    iod_mm = float(np.linalg.norm(pupils[1] - pupils[0]))
    brows = frame.to_mm(xy[list(RIGHT_BROW_UPPER + LEFT_BROW_UPPER + RIGHT_BROW_LOWER + LEFT_BROW_LOWER)])
    height = float(brows[:, 1].mean() - pupils[:, 1].mean())
    heads = frame.to_mm(xy[[RIGHT_BROW_UPPER[-1], RIGHT_BROW_LOWER[-1], LEFT_BROW_UPPER[-1], LEFT_BROW_LOWER[-1]]])
    distance = float(heads[2:, 0].mean() - heads[:2, 0].mean())
    corners = frame.to_mm(xy[[RIGHT_MOUTH_CORNER, LEFT_MOUTH_CORNER]])
    lips = frame.to_mm(xy[[INNER_LIP_UPPER, INNER_LIP_LOWER]])
    lift = float(corners[:, 1].mean() - lips[:, 1].mean())
    return ExpressionMeasures(brow_height=round(height / iod_mm, 4), brow_head_distance=round(distance / iod_mm, 4),
                              mouth_corner_lift=round(lift / iod_mm, 4))


def smiles(measures: ExpressionMeasures) -> bool | None:
    """Whether the face smiles, from this face alone; None when the mouth was not measured."""
    if measures.mouth_corner_lift is None:
        return None
    return measures.mouth_corner_lift >= SMILE_CORNER_LIFT


def looks_like(measures: ExpressionMeasures, rest: ExpressionMeasures | None) -> str | None:
    """The expression a face shows: ``smile`` from the face alone; ``frown``, ``raise``
    or ``rest`` only against the patient's ``rest``; None when it cannot be told.
    """
    smiling = smiles(measures)
    if smiling:
        return "smile"
    if smiling is None or rest is None:
        return None
    for expression in ("frown", "raise"):
        if shows_expression(expression, measures, rest):
            return expression
    return "rest"


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
