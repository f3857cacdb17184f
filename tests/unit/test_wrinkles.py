"""The valley filter, the photometric scale and the index on small generated arrays.

The whole analysis on real skin is in ``test_measurement.py``.
"""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from landmarks.wrinkles import (
    GRID_MM_PER_PX,
    expected_directions,
    line_map,
    log_luminance,
    measure,
    meets_standard,
    photometric_scale,
    relative_change,
    valley_strength,
)
from tests.measurement_validation import exposure, gamma, jpeg
from tests.synthetic import DrawnLine, camera, draw_lines



def _lines(image: np.ndarray, allowed: np.ndarray, expected: np.ndarray):
    log_lum = log_luminance(image)
    strength, direction = valley_strength(log_lum)
    return line_map(strength, direction, log_lum, allowed, expected)


# --- the filter on small arrays -------------------------------------------------------------

def _flat(value: float = 150.0, size: int = 80) -> np.ndarray:
    return np.full((size, size, 3), value, np.uint8)


def test_blank_skin_has_no_valleys():
    strength, _ = valley_strength(log_luminance(_flat()), GRID_MM_PER_PX)
    assert np.allclose(strength, 0)


def test_a_dark_line_is_found_along_its_direction():
    image = draw_lines(_flat(), [DrawnLine((10, 40), (70, 40), 3.0, 0.2)])
    strength, direction = valley_strength(log_luminance(image), GRID_MM_PER_PX)
    assert strength[40, 40] > 0.04
    assert abs(np.sin(direction[40, 40])) < 0.1  # horizontal
    assert strength[15:25, 30:50].max() < 0.2 * strength[40, 40]  # nothing away from it


def test_a_bright_ridge_is_not_a_wrinkle():
    """Neither its crest nor its shoulders (concave, but no lower than the skin
    beside them: a white hair, the rim of a highlight) are valley floors."""
    image = 255 - draw_lines(_flat(100), [DrawnLine((10, 40), (70, 40), 3.0, 0.2)])
    strength, _ = valley_strength(log_luminance(image), GRID_MM_PER_PX)
    assert strength[40, 30:50].max() < 0.01
    assert strength[20:60, 30:50].max() < 0.01


def test_gain_does_not_change_the_filter():
    image = camera(draw_lines(_flat(120), [DrawnLine((10, 40), (70, 44), 3.0, 0.15)]), quality=100)
    darker = (image.astype(np.float32) * 0.7).round().astype(np.uint8)
    a, _ = valley_strength(log_luminance(image), GRID_MM_PER_PX)
    b, _ = valley_strength(log_luminance(darker), GRID_MM_PER_PX)
    assert abs(a.max() - b.max()) < 0.05 * a.max()


def test_jpeg_colour_subsampling_barely_moves_a_line_in_luma():
    """JPEG keeps luma at full resolution and colour at half, coarsely
    quantised: green, rebuilt from both, shows a line ~12 % deeper at quality
    60; luma (``log_luminance``) moves less than half as much."""
    skin = np.empty((80, 80, 3), np.uint8)
    skin[...] = (200, 150, 120)
    image = draw_lines(skin, [DrawnLine((10, 40), (70, 40), 3.0, 0.15)])
    compressed = jpeg(image, 60)

    def change(channel) -> float:
        before, _ = valley_strength(channel(image), GRID_MM_PER_PX)
        after, _ = valley_strength(channel(compressed), GRID_MM_PER_PX)
        return abs(after[40, 20:60].mean() / before[40, 20:60].mean() - 1)

    green = change(lambda rgb: np.log1p(rgb[..., 1].astype(np.float32)))
    assert green > 0.08
    assert change(log_luminance) < 0.5 * green


def test_a_line_on_skin_with_red_clipped_keeps_its_depth():
    """Overexposed fair skin clips red first; the line's valley in luma must not
    lose red's share of its depth."""
    skin = np.empty((80, 80, 3), np.uint8)
    skin[...] = (200, 150, 120)
    skin[:10] = (180, 135, 108)  # a little skin that stays unclipped, for the red-to-green ratio
    image = draw_lines(skin, [DrawnLine((10, 40), (70, 40), 3.0, 0.15)])
    brighter = exposure(image, 1.35)
    assert (brighter[30, 20:60, 0] == 255).all() and (brighter[30:50, 20:60, 1] < 250).all()  # red clipped beside it
    before, _ = valley_strength(log_luminance(image), GRID_MM_PER_PX)
    after, _ = valley_strength(log_luminance(brighter), GRID_MM_PER_PX)
    assert after[40, 20:60].mean() > 0.95 * before[40, 20:60].mean()


def test_lines_across_the_expected_direction_are_ignored():
    image = draw_lines(_flat(), [DrawnLine((40, 5), (40, 75), 3.0, 0.2)])  # vertical
    allowed = np.ones(image.shape[:2], bool)
    horizontal = expected_directions(allowed.shape, "axis", axis_angle=0.0)
    vertical = expected_directions(allowed.shape, "axis", axis_angle=np.pi / 2)
    assert not _lines(image, allowed, horizontal).mask.any()
    assert _lines(image, allowed, vertical).mask[20:60, 38:43].any()


def test_radial_directions_point_away_from_the_centre():
    field = expected_directions((11, 11), "radial", centre=(5.0, 5.0))
    assert abs(field[5, 10]) < 1e-6 and abs(field[10, 5] - np.pi / 2) < 1e-6


def test_lines_at_the_border_are_found_like_inside():
    image = draw_lines(_flat(), [DrawnLine((0, 4), (79, 4), 3.0, 0.2), DrawnLine((0, 40), (79, 40), 3.0, 0.2)])
    allowed = np.ones(image.shape[:2], bool)
    lines = _lines(image, allowed, expected_directions(allowed.shape, "axis"))
    border, inside = lines.skeleton[:8].sum(), lines.skeleton[36:44].sum()
    assert inside > 60 and border > 0.8 * inside


def test_no_lines_give_index_zero():
    allowed = np.ones((200, 200), bool)
    lines = _lines(_flat(size=200), allowed, expected_directions(allowed.shape, "axis"))
    result = measure(lines, allowed)
    assert result.wrinkle_index == 0 and result.line_depth == 0


def _skin(size: int = 120, seed: int = 0) -> np.ndarray:
    """Skin-coloured texture: (205, 150, 130) with fine multiplicative grain."""
    rng = np.random.default_rng(seed)
    grain = cv2.GaussianBlur(rng.normal(0, 0.03, (size, size)).astype(np.float32), (0, 0), 1.0)
    return np.clip(np.array([205, 150, 130], np.float32) * np.exp(grain)[..., None], 0, 255).astype(np.uint8)


def _index(image: np.ndarray) -> float:
    allowed = np.ones(image.shape[:2], bool)
    log_lum = log_luminance(image)
    scale = photometric_scale(image, allowed)
    strength, direction = valley_strength(log_lum / scale)
    lines = line_map(strength, direction, log_lum, allowed, expected_directions(allowed.shape, "axis"), scale=scale)
    return measure(lines, allowed).wrinkle_index


def _lined_skin(depth: float, length_px: float = 100) -> np.ndarray:
    lines = [DrawnLine((10, y), (10 + length_px, y + 2), 4.0, depth) for y in (30, 60, 90)]
    return draw_lines(_skin(), lines)


def test_photometric_scale_follows_a_tone_curve_and_ignores_gain():
    skin, allowed = _skin(), np.ones((120, 120), bool)
    base = photometric_scale(skin, allowed)
    assert photometric_scale(gamma(skin, 1.25), allowed) == pytest.approx(1.25 * base, rel=0.03)
    assert photometric_scale(gamma(skin, 0.8), allowed) == pytest.approx(0.8 * base, rel=0.03)
    darker = (skin * 0.8).round().astype(np.uint8)
    assert photometric_scale(darker, allowed) == pytest.approx(base, rel=0.03)


@pytest.mark.parametrize("g", [0.8, 1.25])
def test_index_ignores_a_tone_curve(g):
    image = _lined_skin(0.25)
    assert _index(gamma(image, g)) == pytest.approx(_index(image), rel=0.10)


def test_index_grows_with_line_depth():
    series = [_index(_lined_skin(depth)) for depth in (0.1, 0.2, 0.3, 0.45, 0.6)]
    assert series == sorted(series) and series[0] < series[-1] / 3


def test_long_lines_weigh_more_than_fragments_of_the_same_total_length():
    # Two 21 mm lines against six 7 mm pieces (grid: 0.2 mm per pixel), all as deep.
    long_lines = draw_lines(_skin(), [DrawnLine((7, y), (112, y), 4.0, 0.3) for y in (40, 80)])
    fragments = draw_lines(_skin(), [DrawnLine((x, y), (x + 35, y), 4.0, 0.3) for x in (5, 75) for y in (25, 60, 95)])
    assert _index(long_lines) > 2 * _index(fragments)


def test_the_standard_is_a_resolution_limit():
    assert meets_standard(0.1) and meets_standard(0.35)
    assert not meets_standard(0.37) and not meets_standard(0.5) and not meets_standard(0.0)




def test_no_change_is_given_where_there_were_no_lines():
    """A smooth forehead reads 0.0-0.1: 0.04 -> 0.00 is not "-100 %"."""
    assert relative_change(0.04, 0.0) is None and relative_change(None, 5.0) is None
    assert relative_change(10.0, None) is None
    assert relative_change(10.0, 6.5) == -0.35 and relative_change(1.0, 1.5) == 0.5
