"""Skin is skin under a sheen; a grey wall is not.

Under studio or flash light the middle of a forehead carries a specular sheen:
brighter and less saturated than the cheeks the skin model is sampled on. Cut
out as "not skin", it notched the forehead region exactly where horizontal lines
are densest (issue 29: a median 75 % of the hand-marked forehead covered).
"""
from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from landmarks import analyse
from landmarks.anatomy import LEFT_IRIS_CENTRE, RIGHT_IRIS_CENTRE, FaceFrame
from landmarks.masks import polygon_mask
from landmarks.scale import mm_per_px
from landmarks.skin import skin_mask
from tests.measurement_validation import portrait


@cache
def _face() -> tuple[np.ndarray, np.ndarray]:
    rgb = portrait(1.4)  # under the working copy's 2048 px: one set of pixels throughout
    analysis = analyse(rgb)
    assert analysis.face_found and rgb.shape[1] == analysis.width
    return rgb, analysis.landmarks


def _blob(rgb: np.ndarray, xy: np.ndarray, radius_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """A Gaussian weight (H, W) centred 12 mm above the mid-forehead point, and its core (weight > 0.5)."""
    frame = FaceFrame.from_landmarks(xy, mm_per_px(xy))
    centre = frame.to_px(frame.to_mm(xy[[9]]) + (0.0, 12.0))[0]  # 9: the mesh's mid-forehead above the glabella
    rows, cols = np.mgrid[0:rgb.shape[0], 0:rgb.shape[1]]
    radius_px = radius_mm / frame.mm_per_px
    weight = np.exp(-((cols - centre[0]) ** 2 + (rows - centre[1]) ** 2) / (2 * radius_px ** 2))
    return weight, weight > 0.5


def _skin(rgb: np.ndarray, xy: np.ndarray) -> np.ndarray:
    return skin_mask(rgb, xy, float(np.linalg.norm(xy[LEFT_IRIS_CENTRE] - xy[RIGHT_IRIS_CENTRE])))


@pytest.mark.parametrize("strength", [0.3, 0.5])
def test_a_sheen_on_the_forehead_is_skin(strength):
    """The skin's colour with white light added (up to half-way to white) stays skin."""
    rgb, xy = _face()
    weight, core = _blob(rgb, xy, 6.0)
    sheen = rgb + strength * weight[..., None] * (255.0 - rgb)
    shiny = np.clip(sheen, 0, 255).astype(np.uint8)
    assert _skin(rgb, xy)[core].mean() > 0.95  # the forehead there is skin to begin with
    assert _skin(shiny, xy)[core].mean() > 0.95


def test_a_shiny_forehead_keeps_its_region():
    rgb, xy = _face()
    weight, _ = _blob(rgb, xy, 6.0)
    shiny = np.clip(rgb + 0.5 * weight[..., None] * (255.0 - rgb), 0, 255).astype(np.uint8)
    before, after = analyse(rgb).regions["forehead"], analyse(shiny).regions["forehead"]
    shape = rgb.shape[:2]
    overlap = (polygon_mask(shape, before.polygon) & polygon_mask(shape, after.polygon)).sum()
    assert overlap / polygon_mask(shape, before.polygon).sum() > 0.97


def test_a_grey_patch_as_bright_as_the_skin_is_not_skin():
    """A wall or a grey cap behind or over the head: colourless, so not a sheen of this skin.
    (Larger than the enclosed specks that are filled in as skin: moles, highlights.)"""
    rgb, xy = _face()
    _, core = _blob(rgb, xy, 10.0)
    grey = rgb.copy()
    grey[core] = int(np.median(rgb[core].max(axis=1)))
    assert _skin(grey, xy)[core].mean() < 0.05
