"""What makes two photos unfit to compare: pose, expression, alignment residual."""
from __future__ import annotations

from dataclasses import dataclass

from landmarks.expression import ExpressionMeasures
from landmarks.pose import Pose
from landmarks.quality import Warning


@dataclass(frozen=True)
class PairTolerance:
    """Largest differences between two photos still compared without a warning."""

    pose_deg: float = 5.0
    brow_change: float = 0.04     # relative change of the expression measures
    residual_mm: float = 1.0


def pair_warnings(before_tag: str, after_tag: str, before_pose: Pose, after_pose: Pose,
                  before_expression: ExpressionMeasures, after_expression: ExpressionMeasures,
                  residual_mm: float, tolerance: PairTolerance = PairTolerance(), *,
                  treated_between: bool = False) -> list[Warning]:
    """Warnings that the pair is not like for like.

    ``treated_between``: a treatment lies between the two photos. A contraction
    (frown, raise, smile) then changes on purpose where the toxin weakened the
    muscle, so a changed brow is reported as the movement it may be, not as an
    expression held differently; at rest a change is still a mismatch.
    """
    warnings = []
    if before_tag != after_tag:
        warnings.append(Warning("expression_differs", (
            f"The photos show different expressions ({before_tag} and {after_tag}): "
            "compare like with like (rest with rest, frown with frown).")))
    else:
        for label, a, b in (("brow height", before_expression.brow_height, after_expression.brow_height),
                            ("distance between the brows", before_expression.brow_head_distance,
                             after_expression.brow_head_distance)):
            if abs(b - a) > tolerance.brow_change * abs(a) and treated_between and before_tag != "rest":
                warnings.append(Warning("contraction_changed", (
                    f"The {label} differs by {abs(b - a) / abs(a) * 100:.0f} % between the two {before_tag} photos, "
                    "with a treatment between them: expected where the treated muscle moves less (see the muscle "
                    "movement); otherwise the expression was not held the same way.")))
            elif abs(b - a) > tolerance.brow_change * abs(a):
                warnings.append(Warning("expression_mismatch", (
                    f"The {label} differs by {abs(b - a) / abs(a) * 100:.0f} % although both photos are tagged "
                    f"{before_tag}: the expression was not held the same way.")))
                break
    for axis, a, b in (("yaw", before_pose.yaw_deg, after_pose.yaw_deg),
                       ("pitch", before_pose.pitch_deg, after_pose.pitch_deg),
                       ("roll", before_pose.roll_deg, after_pose.roll_deg)):
        if abs(b - a) > tolerance.pose_deg:
            warnings.append(Warning(f"pose_{axis}_differs", (
                f"Head {axis} differs by {abs(b - a):.0f} degrees (limit {tolerance.pose_deg:.0f}): "
                "the photos are not taken from the same angle.")))
    if residual_mm > tolerance.residual_mm:
        warnings.append(Warning("alignment_residual", (
            f"The faces align only to {residual_mm:.1f} mm: the head position or the lens differ.")))
    return warnings
