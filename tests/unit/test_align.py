"""Alignment recovers known similarity transforms; pair warnings fire."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from landmarks import analyse
from landmarks.align import CROPS, Similarity, align_photos, warp
from landmarks.compare import pair_warnings
from landmarks.compose import side_by_side
from landmarks.expression import ExpressionMeasures
from landmarks.pose import Pose
from tests.images import astronaut

MAX_ERROR_PX, MAX_ERROR_MM = 1.0, 0.3


@pytest.fixture(scope="module")
def face():
    return astronaut(4.0)


@pytest.fixture(scope="module")
def base(face):
    return analyse(face)


def transform_error(face, base, matrix) -> tuple[float, float]:
    """Mean distance (px, mm) between where alignment sends the moved face's
    points back and where they were, over all 478 landmarks."""
    height, width = face.shape[:2]
    moved = cv2.warpAffine(face, matrix, (width, height), borderMode=cv2.BORDER_REFLECT)
    other = analyse(moved)
    alignment = align_photos(face, moved, base.landmarks, other.landmarks, base.mm_per_px)
    back = alignment.after.then(alignment.before.inverse())
    error = np.linalg.norm(back.apply(Similarity(matrix).apply(base.landmarks)) - base.landmarks, axis=1).mean()
    return float(error), float(error * base.mm_per_px)


@pytest.mark.parametrize("angle, scale, shift", [(8, 1.0, (0, 0)), (-10, 0.8, (40, -30)), (3, 1.25, (-60, 20))])
def test_known_similarity_is_recovered(face, base, angle, scale, shift):
    matrix = cv2.getRotationMatrix2D((face.shape[1] / 2, face.shape[0] / 2), angle, scale)
    matrix[:, 2] += shift
    error_px, error_mm = transform_error(face, base, matrix)
    assert error_px < MAX_ERROR_PX and error_mm < MAX_ERROR_MM, (error_px, error_mm)


@pytest.mark.parametrize("angle, scale, shift", [(8, 1.0, (0, 0)), (-10, 0.8, (40, -30)), (12, 1.6, (-60, 20))])
def test_residual_measures_the_aligned_images_not_landmark_jitter(face, base, angle, scale, shift):
    # A copy moved by a known transform aligns exactly; the landmarks' own
    # spread after alignment is 0.5-1 mm here, the images' misalignment far less.
    matrix = cv2.getRotationMatrix2D((face.shape[1] / 2, face.shape[0] / 2), angle, scale)
    matrix[:, 2] += shift
    moved = cv2.warpAffine(face, matrix, face.shape[1::-1], borderMode=cv2.BORDER_REFLECT)
    other = analyse(moved)
    alignment = align_photos(face, moved, base.landmarks, other.landmarks, base.mm_per_px)
    assert alignment.residual_mm < 0.3, alignment


def test_residual_sees_what_a_similarity_cannot_align(face, base):
    # Stretched 6 % across (a different lens or a turned head does the like):
    # no rotation, scale and shift brings the two faces together.
    matrix = np.array([[1.06, 0.0, -0.03 * face.shape[1]], [0.0, 1.0, 0.0]])
    moved = cv2.warpAffine(face, matrix, face.shape[1::-1], borderMode=cv2.BORDER_REFLECT)
    alignment = align_photos(face, moved, base.landmarks, analyse(moved).landmarks, base.mm_per_px)
    assert alignment.residual_mm > 0.5, alignment


def test_canonical_frame_levels_the_eyes(face, base):
    alignment = align_photos(face, face, base.landmarks, base.landmarks, base.mm_per_px)
    corners = alignment.before.apply(base.landmarks[[33, 133, 362, 263]])
    assert abs(corners[:2, 1].mean() - corners[2:, 1].mean()) < 0.01  # levelled on the eye corners
    eyes = alignment.before.apply(base.landmarks[[468, 473]])
    assert abs(eyes[0, 1] - eyes[1, 1]) < 2.0  # her pupils sit within a couple of pixels of that
    assert abs(np.linalg.norm(eyes[1] - eyes[0]) - CROPS["upper"]["iod_px"]) < 0.05 * CROPS["upper"]["iod_px"]
    assert alignment.residual_mm < 0.05
    assert warp(face, alignment.before, "face").shape == (1000, 800, 3)


def test_pose_and_expression_differences_warn():
    rest = ExpressionMeasures(brow_height=0.24, brow_head_distance=0.44)
    same_pose = Pose(0, 0, 0)
    assert pair_warnings("rest", "rest", same_pose, same_pose, rest, rest, 0.2) == []
    codes = [w.code for w in pair_warnings("rest", "rest", same_pose, Pose(9, 0, 0), rest, rest, 0.2)]
    assert codes == ["pose_yaw_differs"]
    raised = ExpressionMeasures(brow_height=0.29, brow_head_distance=0.44)
    assert [w.code for w in pair_warnings("rest", "rest", same_pose, same_pose, rest, raised, 0.2)] == ["expression_mismatch"]
    # With a treatment between two frowns, weaker brows are the effect, not a badly held frown.
    lower = ExpressionMeasures(brow_height=0.20, brow_head_distance=0.44)
    assert [w.code for w in pair_warnings("frown", "frown", same_pose, same_pose, rest, lower, 0.2,
                                          treated_between=True)] == ["contraction_changed"]
    assert [w.code for w in pair_warnings("rest", "rest", same_pose, same_pose, rest, raised, 0.2,
                                          treated_between=True)] == ["expression_mismatch"]
    assert "expression_differs" in [w.code for w in pair_warnings("rest", "frown", same_pose, same_pose, rest, rest, 0.2)]
    assert "alignment_residual" in [w.code for w in pair_warnings("rest", "rest", same_pose, same_pose, rest, rest, 2.5)]


def test_side_by_side_has_both_photos_and_labels():
    before = np.full((100, 80, 3), 40, np.uint8)
    after = np.full((100, 80, 3), 200, np.uint8)
    image = side_by_side(before, after, ("Before", "01 Mar 2026"), ("After", "15 Mar 2026"))
    assert image.shape == (156, 168, 3)
    assert image[100, 40, 0] == 40 and image[100, 128, 0] == 200
    assert (image[:56] < 128).any()  # the label text is drawn on the white bars


def test_exposure_matching_evens_out_lighting_not_content(face):
    from landmarks.align import match_exposure

    darker = (face.astype(np.float32) * 0.7).astype(np.uint8)
    mask = np.zeros(face.shape[:2], bool)
    mask[600:1200, 600:1400] = True
    matched = match_exposure(darker, face, mask)
    assert abs(matched[mask].mean() - face[mask].mean()) < 1.0
    assert np.corrcoef(matched[mask].ravel(), face[mask].ravel())[0, 1] > 0.99
