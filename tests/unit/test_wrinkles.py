"""The valley filter on tiny arrays, and the wrinkle index on the validation set."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from landmarks import analyse
from landmarks.wrinkles import (
    CANONICAL_MM_PER_PX,
    expected_directions,
    line_map,
    log_luminance,
    measure,
    valley_strength,
)
from tests.images import astronaut
from tests.synthetic import DrawnLine, camera, draw_lines, line_mask
from tests.wrinkle_validation import (
    STRENGTHS,
    build_case,
    indices,
    precision_recall,
    smoothed,
    truth_mask,
    with_lines,
)

MEASURED = ("forehead", "glabella", "crows_feet_right")  # her visible skin (see wrinkle_validation)


# --- the filter on small arrays -------------------------------------------------------------

def _flat(value: float = 150.0, size: int = 80) -> np.ndarray:
    return np.full((size, size, 3), value, np.uint8)


def test_blank_skin_has_no_valleys():
    strength, _ = valley_strength(log_luminance(_flat()), CANONICAL_MM_PER_PX)
    assert np.allclose(strength, 0)


def test_a_dark_line_is_found_along_its_direction():
    image = draw_lines(_flat(), [DrawnLine((10, 40), (70, 40), 3.0, 0.2)])
    strength, direction = valley_strength(log_luminance(image), CANONICAL_MM_PER_PX)
    assert strength[40, 40] > 0.04
    assert abs(np.sin(direction[40, 40])) < 0.1  # horizontal
    assert strength[15:25, 30:50].max() < 0.2 * strength[40, 40]  # nothing away from it


def test_a_bright_ridge_is_not_a_wrinkle():
    image = 255 - draw_lines(_flat(100), [DrawnLine((10, 40), (70, 40), 3.0, 0.2)])
    strength, _ = valley_strength(log_luminance(image), CANONICAL_MM_PER_PX)
    assert strength[40, 30:50].max() < 0.01  # its crest is no valley floor


def test_gain_does_not_change_the_filter():
    image = camera(draw_lines(_flat(120), [DrawnLine((10, 40), (70, 44), 3.0, 0.15)]), quality=100)
    darker = (image.astype(np.float32) * 0.7).round().astype(np.uint8)
    a, _ = valley_strength(log_luminance(image), CANONICAL_MM_PER_PX)
    b, _ = valley_strength(log_luminance(darker), CANONICAL_MM_PER_PX)
    assert abs(a.max() - b.max()) < 0.05 * a.max()


def test_lines_across_the_expected_direction_are_ignored():
    image = draw_lines(_flat(), [DrawnLine((40, 5), (40, 75), 3.0, 0.2)])  # vertical
    allowed = np.ones(image.shape[:2], bool)
    horizontal = expected_directions(allowed.shape, "axis", axis_angle=0.0)
    vertical = expected_directions(allowed.shape, "axis", axis_angle=np.pi / 2)
    assert not line_map(log_luminance(image), allowed, horizontal).mask.any()
    assert line_map(log_luminance(image), allowed, vertical).mask[20:60, 38:43].any()


def test_radial_directions_point_away_from_the_centre():
    field = expected_directions((11, 11), "radial", centre=(5.0, 5.0))
    assert abs(field[5, 10]) < 1e-6 and abs(field[10, 5] - np.pi / 2) < 1e-6


def test_lines_at_the_border_are_found_like_inside():
    image = draw_lines(_flat(), [DrawnLine((0, 4), (79, 4), 3.0, 0.2), DrawnLine((0, 40), (79, 40), 3.0, 0.2)])
    allowed = np.ones(image.shape[:2], bool)
    lines = line_map(log_luminance(image), allowed, expected_directions(allowed.shape, "axis"))
    border, inside = lines.skeleton[:8].sum(), lines.skeleton[36:44].sum()
    assert inside > 60 and border > 0.8 * inside


def test_no_lines_give_index_zero():
    allowed = np.ones((200, 200), bool)
    lines = line_map(log_luminance(_flat(size=200)), allowed, expected_directions(allowed.shape, "axis"))
    result = measure(lines, allowed)
    assert result.wrinkle_index == 0 and result.line_depth == 0


# --- an upscaled patch of her cheek standing in for a forehead --------------------------------

@pytest.fixture(scope="module")
def forehead_patch():
    """Her cheek skin at 4x, upscaled twice more: about 0.09 mm per pixel."""
    face = astronaut(4.0)
    patch = face[468:512, 722:802]  # her cheek below the right eye, clear of the smile folds
    return cv2.resize(patch, None, fx=4, fy=4, interpolation=cv2.INTER_CUBIC)


def _patch_lines(patch: np.ndarray, mm_per_px: float) -> list[DrawnLine]:
    height, width = patch.shape[:2]
    return [DrawnLine((width * 0.1, y), (width * 0.9, y + 6), 0.8 / mm_per_px, 0.12) for y in (height * 0.3, height * 0.6)]


def _patch_index(patch, strength):
    mm_per_px = 0.09
    lines = _patch_lines(patch, mm_per_px)
    image = camera(draw_lines(patch, lines, strength))
    canonical = cv2.resize(image, None, fx=mm_per_px / CANONICAL_MM_PER_PX, fy=mm_per_px / CANONICAL_MM_PER_PX,
                           interpolation=cv2.INTER_AREA)
    allowed = np.ones(canonical.shape[:2], bool)
    result = line_map(log_luminance(canonical), allowed, expected_directions(allowed.shape, "axis"))
    truth = cv2.resize(line_mask(image.shape, lines).astype(np.uint8), canonical.shape[1::-1],
                       interpolation=cv2.INTER_NEAREST) > 0
    return measure(result, allowed), precision_recall(result.mask, truth)


def test_forehead_patch_lines_are_found_and_index_grows(forehead_patch):
    previous = -1.0
    for strength in STRENGTHS:
        result, (precision, recall) = _patch_index(forehead_patch, strength)
        assert result.wrinkle_index >= previous
        previous = result.wrinkle_index
        if strength >= 1.0:
            assert precision >= 0.7 and recall >= 0.7, (strength, precision, recall)


# --- lines drawn on her face, measured through the whole analysis ---------------------------
# Two faces: hers as photographed, whose fringe leaves a strip under 1 cm tall
# between brows and hair, and hers with the forehead bared (hair held back, as
# on a clinical photo; see ``bare_forehead``).

@pytest.fixture(scope="module")
def case():
    return build_case()


@pytest.fixture(scope="module")
def bare_case():
    return build_case(bare=True)


def _analysed(case):
    return {strength: analyse(with_lines(case, strength)) for strength in STRENGTHS}


@pytest.fixture(scope="module")
def analysed(case):
    return _analysed(case)


@pytest.fixture(scope="module")
def bare_analysed(bare_case):
    return _analysed(bare_case)


@pytest.fixture(params=["fringe", "bare"])
def measured(request, case, bare_case, analysed, bare_analysed):
    """(case, its analyses by strength), for each face."""
    return (case, analysed) if request.param == "fringe" else (bare_case, bare_analysed)


def test_line_map_matches_drawn_lines(measured):
    case, analysed = measured
    for strength in (1.0, 2.0):
        result = analysed[strength]
        truth = truth_mask(case) & result.measured_map
        precision, recall = precision_recall(result.line_map > 0, truth)
        assert precision >= 0.6 and recall >= 0.6, (strength, precision, recall)


def _assert_monotonic(case, analysed, names):
    series = [indices(case.baseline)] + [indices(analysed[s]) for s in STRENGTHS]
    for name in names:
        values = [s[name] for s in series]
        assert all(b >= a * 0.97 for a, b in zip(values, values[1:])), (name, values)
        assert values[-1] > values[0], (name, values)


def test_index_is_monotonic_in_line_strength(case, analysed):
    _assert_monotonic(case, analysed, MEASURED)
    depths = [analysed[s].lines["forehead"].line_depth for s in STRENGTHS]
    assert depths == sorted(depths)


def test_index_is_monotonic_on_the_bared_forehead(bare_case, bare_analysed):
    # Her own crow's feet are visible on this face: drawn at a quarter strength,
    # the faint lines merge with hers and the fan's index dips (see bench/wrinkles.py).
    _assert_monotonic(bare_case, bare_analysed, ("forehead", "glabella"))
    series = [bare_analysed[s].lines["crows_feet_right"].wrinkle_index for s in STRENGTHS]
    assert series == sorted(series)


def test_index_does_not_follow_resolution(measured):
    case, analysed = measured
    half = analyse(cv2.resize(with_lines(case, 1.0), None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA))
    for name in MEASURED:
        a, b = analysed[1.0].lines[name].wrinkle_index, half.lines[name].wrinkle_index
        assert abs(b - a) <= 0.10 * a, (name, a, b)


def _exposed(case, gain):
    image = with_lines(case, 1.0)
    return analyse(np.clip(image.astype(np.float32) * gain, 0, 255).astype(np.uint8))


# 20 % brighter, the shiny middle of her glabella blows out (a fifth of it turns
# white in green, the channel lines are read in): lines there flatten, and the
# analysis says so rather than reporting a drop; the other regions must hold.
BLOWN_OUT = {0.8: set(), 1.2: {"glabella"}}


@pytest.mark.parametrize("gain", [0.8, 1.2])
def test_index_does_not_follow_exposure(bare_case, bare_analysed, gain):
    changed = _exposed(bare_case, gain)
    flagged = {name for name in MEASURED if f"{name}_blown_out" in {w.code for w in changed.warnings}}
    assert flagged == BLOWN_OUT[gain]
    assert not any(w.code.endswith("_blown_out") for w in bare_analysed[1.0].warnings)
    for name in set(MEASURED) - flagged:
        a, b = bare_analysed[1.0].lines[name].wrinkle_index, changed.lines[name].wrinkle_index
        assert abs(b - a) < 0.10 * a, (name, gain, a, b)


# Under her fringe the forehead is a strip under 1 cm tall; 20 % brighter, the
# blonde fringe's tips clip and the skin edge moves by a pixel (0.35 mm), which
# brings a hair-edge valley in: about +12 % on that strip; her glabella there
# loses 11 %. Both are flagged blown out at that exposure. Crow's feet under 8 %.
# The 10 % target holds on the bared forehead above; here the bound still
# catches a measure that drifts.
FRINGE_EXPOSURE_TOLERANCE = {"forehead": 0.20, "glabella": 0.16, "crows_feet_right": 0.10}


@pytest.mark.parametrize("gain", [0.8, 1.2])
def test_index_under_the_fringe_barely_follows_exposure(case, analysed, gain):
    changed = _exposed(case, gain)
    for name in MEASURED:
        a, b = analysed[1.0].lines[name].wrinkle_index, changed.lines[name].wrinkle_index
        assert abs(b - a) < FRINGE_EXPOSURE_TOLERANCE[name] * a, (name, gain, a, b)


def test_smoothed_skin_scores_lower(measured):
    case, analysed = measured
    after = analyse(smoothed(with_lines(case, 1.0)))
    for name in MEASURED:
        assert after.lines[name].wrinkle_index < analysed[1.0].lines[name].wrinkle_index, name


def test_hair_counts_neither_as_forehead_nor_as_lines(case, analysed):
    face = case.face
    result = analysed[1.0]
    cheek = face[610:690, 760:860, 1].astype(np.float32)
    hair = face[..., 1] < 0.6 * np.median(cheek)  # her hair is far darker than her skin
    forehead = np.zeros(face.shape[:2], np.uint8)
    cv2.fillPoly(forehead, [np.round(np.asarray(result.regions["forehead"].polygon)).astype(np.int32)], 1)
    forehead = forehead.astype(bool)
    assert (forehead & hair).sum() < 0.05 * forehead.sum()
    lines = result.line_map > 0
    assert (lines & hair).sum() <= 0.02 * max(lines.sum(), 1)
