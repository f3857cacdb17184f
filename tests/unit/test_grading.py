"""Grade calibration: ordered thresholds from recorded grades, cross-validated agreement."""
from __future__ import annotations

import math

import numpy as np
import pytest

from gallery.grading import MIN_GRADED_PHOTOS, calibrate, fit_thresholds, weighted_kappa


def _graded(n: int, noise: float, seed: int = 0) -> tuple[list[float], list[int]]:
    """Indexes that rise with the grade (centres 2, 6, 11, 18) plus Gaussian scatter."""
    rng = np.random.default_rng(seed)
    grades = rng.integers(0, 4, n)
    indexes = np.array([2.0, 6.0, 11.0, 18.0])[grades] + rng.normal(0, noise, n)
    return indexes.clip(0).tolist(), grades.tolist()


def test_separable_grades_put_each_threshold_between_neighbours():
    indexes = [1.0, 2.0, 5.0, 6.0, 10.0, 12.0, 20.0, 25.0]
    grades = [0, 0, 1, 1, 2, 2, 3, 3]
    assert fit_thresholds(indexes, grades) == (3.5, 8.0, 16.0)


def test_thresholds_stay_ordered_when_grades_contradict_the_index():
    indexes, grades = _graded(60, noise=5.0, seed=3)
    bounds = fit_thresholds(indexes, grades)
    assert bounds[0] <= bounds[1] <= bounds[2]
    suggested = [sum(v >= b for b in bounds) for v in sorted(indexes)]
    assert suggested == sorted(suggested)


def test_a_grade_never_recorded_is_never_suggested():
    bounds = fit_thresholds([1, 2, 3, 8, 9, 10], [0, 0, 0, 1, 1, 1])
    assert bounds[0] == 5.5 and bounds[1] == bounds[2] == math.inf


def test_equal_indexes_take_the_grade_with_the_least_squared_error():
    # Three photos at index 4 graded 0, 1, 1: grade 1 costs 1, grade 0 costs 2.
    assert fit_thresholds([4, 4, 4, 9], [0, 1, 1, 2]) == (4.0, 6.5, math.inf)


def test_kappa_matches_cohens_on_two_grades_and_is_one_on_agreement():
    # Two grades: quadratic weights equal unweighted kappa, (0.7 - 0.5) / (1 - 0.5).
    assert weighted_kappa(np.array([[20, 5], [10, 15]])) == pytest.approx(0.4)
    assert weighted_kappa(np.diag([5, 4, 3, 2])) == pytest.approx(1.0)
    assert weighted_kappa(np.array([[5, 0], [0, 0]])) is None


def test_no_calibration_before_enough_photos_or_with_one_grade():
    indexes, grades = _graded(MIN_GRADED_PHOTOS - 1, noise=1.0)
    assert calibrate(indexes, grades) is None
    assert calibrate(list(range(30)), [2] * 30) is None
    assert calibrate(*_graded(MIN_GRADED_PHOTOS, noise=1.0)) is not None


def test_agreement_is_cross_validated_and_tracks_how_well_index_predicts_grade():
    tight = calibrate(*_graded(80, noise=1.0))
    loose = calibrate(*_graded(80, noise=4.0))
    rng = np.random.default_rng(9)
    unrelated = calibrate(rng.uniform(0, 20, 80).tolist(), rng.integers(0, 4, 80).tolist())
    assert tight.kappa > 0.95 and tight.exact_agreement > 0.9
    assert 0.6 < loose.kappa < tight.kappa
    assert unrelated.kappa < 0.35  # in-sample it would look better: the fit chases noise
    assert sum(map(sum, tight.confusion)) == tight.graded_photos == 80
    assert tight.described.startswith("1 from ")
