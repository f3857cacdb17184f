"""Single hairs are painted out before lines are looked for; lines are not."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from landmarks.strands import hair_strands, strand_grid_mm, without_strands
from landmarks.wrinkles import GRID_MM_PER_PX

SKIN = np.log1p(170.0)


def _skin(seed: int = 0) -> np.ndarray:
    """A 40 x 40 mm patch of grid skin with sensor-like grain (about 1.5 % per pixel)."""
    rng = np.random.default_rng(seed)
    return (SKIN + rng.normal(0, 0.015, (200, 200))).astype(np.float32)


def _horizontal(image: np.ndarray, row: float, width_px: float, log_depth: float) -> np.ndarray:
    """``image`` with a horizontal valley of Gaussian cross-section (FWHM ``width_px``) along ``row``,
    ``log_depth`` deep (negative: a bright ridge)."""
    rows = np.arange(image.shape[0], dtype=np.float32)[:, None]
    sigma = width_px / 2.355
    return (image - log_depth * np.exp(-0.5 * ((rows - row) / sigma) ** 2)).astype(np.float32)


@pytest.mark.parametrize("source_mm", [0.1, 0.2, 0.3])
def test_a_hair_is_found_and_a_line_is_not(source_mm):
    """A hair as wide as one of the photo's pixels; a fine line 0.8 mm wide, as deep."""
    pixel = max(1.0, source_mm / GRID_MM_PER_PX)
    image = _horizontal(_horizontal(_skin(), 60, pixel, 0.4), 140, 0.8 / GRID_MM_PER_PX, 0.4)
    strands = hair_strands(image, source_mm)
    assert strands[58:63, 20:180].any(axis=0).mean() > 0.9
    assert not strands[130:151].any()


@pytest.mark.parametrize("source_mm, width_mm", [(0.1, 0.5), (0.15, 0.5), (0.2, 0.5), (0.25, 0.5), (0.3, 0.8),
                                                 (0.35, 0.8)])
@pytest.mark.parametrize("depth", [0.15, 0.3, 0.5])
def test_a_line_the_photo_resolves_is_not_a_hair(source_mm, width_mm, depth):
    """However deep, a line at least two of the photo's pixels wide is no hair: the
    finest lines the standard measures (0.5 mm) up to 0.25 mm/px, lines 0.8 mm wide
    up to the coarsest photo the test runs on. (Sampled as the test samples them;
    at 0.3 mm/px a 0.5 mm line is as narrow as a hair, and deep ones are painted.)"""
    mm = strand_grid_mm(source_mm)
    line = _horizontal(_skin(), 100, width_mm / mm, -np.log(1 - depth))
    assert not hair_strands(line, source_mm, mm_per_px=mm).any()


def _hair(image: np.ndarray, start: tuple[float, float], end: tuple[float, float], log_depth: float) -> np.ndarray:
    """``image`` with a dark hair a pixel wide from ``start`` to ``end`` (x, y)."""
    cover = np.zeros(image.shape, np.float32)
    cv2.line(cover, tuple(int(v * 16) for v in start), tuple(int(v * 16) for v in end), 1.0, 1, cv2.LINE_AA, shift=4)
    return (image - log_depth * cover).astype(np.float32)


def test_hairs_crossing_each_other_are_found():
    """Three hairs crossing at shallow angles are found along their length (where
    they cross, their runs merge and widen); a dark patch beside them is no strand.
    On the portrait, crossing hairs once went uncounted as strands: see
    ``test_hairs_are_not_lines_at_other_resolutions``."""
    image = _hair(_hair(_skin(), (20, 80), (180, 110), 0.6), (20, 120), (180, 85), 0.6)
    image = _hair(image, (40, 60), (170, 140), 0.6)
    image[150:175, 150:180] -= 0.6
    strands = hair_strands(image, 0.2)
    for (x0, y0), (x1, y1) in (((20, 80), (180, 110)), ((20, 120), (180, 85)), ((40, 60), (170, 140))):
        xs = np.arange(x0 + 5, x1 - 5)
        ys = np.rint(y0 + (y1 - y0) * (xs - x0) / (x1 - x0)).astype(int)
        near = np.array([strands[y - 1:y + 2, x].any() for x, y in zip(xs, ys)])
        assert near.mean() > 0.8, ((x0, y0), near.mean())
    assert not strands[155:170, 155:175].any()


def test_a_hair_along_a_lines_wall_is_found():
    """A dark hair lying on the shoulder of a line 0.8 mm wide, parallel to it: the
    wall's slope is on both of its sides."""
    line = _horizontal(_skin(), 100, 4.0, 0.3)
    strands = hair_strands(_horizontal(line, 102, 1.0, 0.8), 0.2)
    assert strands[100:105, 20:180].any(axis=0).mean() > 0.9


def test_a_line_beside_a_white_hair_is_not_a_dark_strand():
    line = _horizontal(_skin(), 100, 4.0, 0.16)
    assert not hair_strands(_horizontal(line, 102, 1.0, -0.4), 0.2)[96:105].any()


def test_grain_alone_holds_no_hair():
    assert not hair_strands(_skin(), 0.2).any()


@pytest.mark.parametrize("depth", [0.4, -0.3], ids=["dark", "bright"])
def test_hairs_are_painted_over_and_lines_keep_their_floor(depth):
    line = _horizontal(_skin(), 140, 4.0, 0.3)
    painted = without_strands(_horizontal(line, 60, 1.0, depth), 0.2)
    # The hair's row is back to the skin around it (within its grain), the line untouched.
    assert abs(float(np.median(painted[60, 20:180])) - SKIN) < 0.03
    np.testing.assert_array_equal(painted[120:161], line[120:161])
