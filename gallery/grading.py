"""Facial Wrinkle Scale grades: suggestions from the wrinkle index, responders.

The Facial Wrinkle Scale (0 none, 1 mild, 2 moderate, 3 severe) is what the
botulinum-toxin trials graded, each area at its maximum contraction: the
glabella on a frown, the forehead on an eyebrow raise, crow's feet on a smile.
A responder improved by at least one grade on a later photo of the same
expression; the trials' primary end point was two grades at day 30.
"""
from __future__ import annotations

from dataclasses import dataclass

GRADES = {0: "none", 1: "mild", 2: "moderate", 3: "severe"}
# Lower bounds of grades 1, 2 and 3 in wrinkle index (mm of line per cm²).
# Set on the validation set: unlined skin stays under 3, a few clear lines on
# a region give 6-12, dense deep lines exceed 15. They are shown beside
# every suggestion, and the injector's own grade is what counts.
SUGGESTION_THRESHOLDS = (3.0, 8.0, 15.0)
ASSESSED_EXPRESSION = {
    "forehead": "raise",
    "glabella": "frown",
    "crows_feet_left": "smile",
    "crows_feet_right": "smile",
}


def suggest_grade(wrinkle_index: float | None) -> int | None:
    if wrinkle_index is None:
        return None
    return sum(wrinkle_index >= bound for bound in SUGGESTION_THRESHOLDS)


@dataclass(frozen=True)
class Response:
    """Change from the baseline grade to a later one of the same region and expression."""

    baseline: int
    latest: int

    @property
    def improvement(self) -> int:
        return self.baseline - self.latest

    @property
    def responder(self) -> bool:
        """At least one grade better."""
        return self.improvement >= 1

    @property
    def trial_responder(self) -> bool:
        """At least two grades better (the trials' primary end point at day 30)."""
        return self.improvement >= 2
