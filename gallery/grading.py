"""Facial Wrinkle Scale grades: calibrated suggestions from the wrinkle index, responders.

The Facial Wrinkle Scale (0 none, 1 mild, 2 moderate, 3 severe) is what the
botulinum-toxin trials graded, each area at its maximum contraction: the
glabella on a frown, the forehead on an eyebrow raise, crow's feet on a smile.
A responder improved by at least one grade on a later photo of the same
expression; the trials' primary end point was two grades at day 30.

Suggestions come only from a calibration on the grades this clinic's own
injectors recorded: which index separates "mild" from "moderate" depends on
how a clinic photographs and how its injectors grade, so no threshold is
built in. The fit is pure statistics and knows nothing of the database.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

GRADES = {0: "none", 1: "mild", 2: "moderate", 3: "severe"}
LEVELS = len(GRADES)
ASSESSED_EXPRESSION = {
    "forehead": "raise",
    "glabella": "frown",
    "crows_feet_left": "smile",
    "crows_feet_right": "smile",
}
# Below this many graded photos a fit of three thresholds is mostly noise.
MIN_GRADED_PHOTOS = 20
FOLDS = 10


@dataclass(frozen=True)
class Calibration:
    """Ordered lower bounds of grades 1, 2 and 3 in wrinkle index, and how well they agree.

    A bound is ``inf`` when no recorded grade supports that grade, so it is
    never suggested. ``kappa`` and ``confusion`` are cross-validated: each
    photo's suggestion comes from thresholds fitted without it, so they tell
    what to expect on a new photo, not how well the fit memorised old ones.
    """

    thresholds: tuple[float, float, float]
    graded_photos: int
    kappa: float | None
    confusion: tuple[tuple[int, ...], ...]  # [recorded][suggested]

    def suggest(self, wrinkle_index: float) -> int:
        return sum(wrinkle_index >= bound for bound in self.thresholds)

    @property
    def described(self) -> str:
        """The thresholds in words, e.g. "1 from 3.2, 2 from 7.9, 3 never"."""
        return ", ".join(f"{level} never" if bound == math.inf else f"{level} from {bound:.1f}"
                         for level, bound in enumerate(self.thresholds, start=1))

    @property
    def exact_agreement(self) -> float:
        return sum(self.confusion[g][g] for g in range(LEVELS)) / self.graded_photos


def fit_thresholds(indexes: Sequence[float], grades: Sequence[int]) -> tuple[float, float, float]:
    """Ordered thresholds minimising the squared grade error over the graded photos.

    The suggested grade must not fall as the index rises, so this is an
    ordinal (isotonic) fit: dynamic programming over the photos sorted by
    index, each group of equal indexes taking one grade. The squared error is
    the one quadratic-weighted kappa counts. Each bound sits halfway between
    the last photo suggested below it and the first at or above it.
    """
    values = np.asarray(indexes, dtype=np.float64)
    recorded = np.asarray(grades, dtype=np.int64)
    levels = np.arange(LEVELS)
    unique, group = np.unique(values, return_inverse=True)
    # cost[j, l]: squared error of giving grade l to every photo in group j.
    counts = np.zeros((len(unique), LEVELS))
    np.add.at(counts, (group, recorded), 1)
    cost = counts @ ((levels[:, None] - levels[None, :]) ** 2)
    best = np.empty_like(cost)
    choice = np.zeros(cost.shape, dtype=np.int64)
    best[0] = cost[0]
    for j in range(1, len(unique)):
        # Best over grades up to l in the previous group (suggestions never fall).
        running = np.minimum.accumulate(best[j - 1])
        choice[j] = [int(np.argmin(best[j - 1][:level + 1])) for level in levels]
        best[j] = cost[j] + running
    assigned = np.empty(len(unique), dtype=np.int64)
    assigned[-1] = int(np.argmin(best[-1]))
    for j in range(len(unique) - 1, 0, -1):
        assigned[j - 1] = choice[j][assigned[j]]
    bounds = []
    for level in range(1, LEVELS):
        first = int(np.searchsorted(assigned, level))  # assigned is non-decreasing
        if first == len(unique):
            bounds.append(math.inf)
        elif first == 0:
            bounds.append(float(unique[0]))
        else:
            bounds.append(float((unique[first - 1] + unique[first]) / 2))
    return bounds[0], bounds[1], bounds[2]


def weighted_kappa(confusion: np.ndarray) -> float | None:
    """Quadratic-weighted Cohen's kappa from a [recorded][suggested] table; None when undefined."""
    observed = np.asarray(confusion, dtype=np.float64)
    total = observed.sum()
    levels = np.arange(observed.shape[0])
    weights = (levels[:, None] - levels[None, :]) ** 2
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / total
    chance = float((weights * expected).sum())
    if chance == 0:
        return None
    return 1.0 - float((weights * observed).sum()) / chance


def calibrate(indexes: Sequence[float], grades: Sequence[int]) -> Calibration | None:
    """A calibration from (index, recorded grade) pairs, or None while there are too few.

    Needs ``MIN_GRADED_PHOTOS`` and at least two different grades (one grade
    alone says nothing about where the next one starts). Folds take every
    ``FOLDS``-th photo in the order given, so the result is reproducible.
    """
    if len(indexes) < MIN_GRADED_PHOTOS or len(set(grades)) < 2:
        return None
    values = np.asarray(indexes, dtype=np.float64)
    recorded = np.asarray(grades, dtype=np.int64)
    confusion = np.zeros((LEVELS, LEVELS), dtype=np.int64)
    fold = np.arange(len(values)) % FOLDS
    for held_out in range(FOLDS):
        test = fold == held_out
        thresholds = fit_thresholds(values[~test], recorded[~test])
        suggested = (values[test, None] >= np.asarray(thresholds)[None, :]).sum(axis=1)
        np.add.at(confusion, (recorded[test], suggested), 1)
    return Calibration(thresholds=fit_thresholds(values, recorded), graded_photos=len(values),
                       kappa=weighted_kappa(confusion), confusion=tuple(tuple(int(v) for v in row) for row in confusion))


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
