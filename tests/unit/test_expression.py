"""Expression measures respond to brow movement; mismatched tags are caught."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from landmarks import analyse
from landmarks.expression import ExpressionMeasures, looks_like, shows_expression, smiles
from tests.images import astronaut


def move_brows(rgb: np.ndarray, analysis, *, up_px: float = 0.0, inward_px: float = 0.0) -> np.ndarray:
    """Warp the brows (a smooth local displacement around them), as a raise or frown would."""
    xy = analysis.landmarks
    brows = {"right": xy[[70, 63, 105, 66, 107, 46, 53, 52, 65, 55]], "left": xy[[300, 293, 334, 296, 336, 276, 283, 282, 295, 285]]}
    height, width = rgb.shape[:2]
    grid_x, grid_y = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    map_x, map_y = grid_x.copy(), grid_y.copy()
    iod = np.linalg.norm(xy[468] - xy[473])
    for side, points in brows.items():
        centre = points.mean(axis=0)
        weight = np.exp(-(((grid_x - centre[0]) / (0.35 * iod)) ** 2 + ((grid_y - centre[1]) / (0.2 * iod)) ** 2))
        direction = 1.0 if side == "right" else -1.0  # the right brow is on the image's left
        map_y += weight * up_px            # sample from below: content moves up
        map_x -= weight * inward_px * direction
    return cv2.remap(rgb, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


@pytest.fixture(scope="module")
def face():
    return astronaut(3.0)


@pytest.fixture(scope="module")
def rest(face):
    return analyse(face)


def test_raised_brows_measure_higher_and_pass_as_raise(face, rest):
    raised = analyse(move_brows(face, rest, up_px=12))
    assert raised.expression.brow_height > rest.expression.brow_height * 1.04
    assert shows_expression("raise", raised.expression, rest.expression)


def test_knitted_brows_measure_closer_and_pass_as_frown(face, rest):
    frown = analyse(move_brows(face, rest, up_px=-6, inward_px=8))
    assert frown.expression.brow_head_distance < rest.expression.brow_head_distance
    assert shows_expression("frown", frown.expression, rest.expression)


def test_rest_face_tagged_frown_or_raise_is_flagged(rest):
    same = ExpressionMeasures(rest.expression.brow_height * 1.01, rest.expression.brow_head_distance * 0.995)
    assert not shows_expression("frown", same, rest.expression)
    assert not shows_expression("raise", same, rest.expression)
    assert shows_expression("smile", same, rest.expression)


def test_a_smile_is_told_from_the_face_alone(rest):
    assert smiles(rest.expression) and looks_like(rest.expression, None) == "smile"  # the astronaut smiles


def test_rest_frown_and_raise_are_told_only_against_a_rest_photo():
    at_rest = ExpressionMeasures(brow_height=0.26, brow_head_distance=0.40, mouth_corner_lift=-0.1)
    assert looks_like(at_rest, None) is None
    assert looks_like(at_rest, at_rest) == "rest"
    frown = ExpressionMeasures(brow_height=0.24, brow_head_distance=0.34, mouth_corner_lift=-0.1)
    assert looks_like(frown, at_rest) == "frown"
    raised = ExpressionMeasures(brow_height=0.31, brow_head_distance=0.40, mouth_corner_lift=-0.1)
    assert looks_like(raised, at_rest) == "raise"


def test_an_analysis_made_before_the_mouth_was_measured_suggests_nothing():
    old = ExpressionMeasures(brow_height=0.26, brow_head_distance=0.40)
    assert smiles(old) is None and looks_like(old, old) is None
