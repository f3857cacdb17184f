"""The analysis on a real face and on transformed copies of it."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from landmarks import analyse
from landmarks.analysis import working_copy
from landmarks.anatomy import (
    FACE_OVAL,
    LEFT_BROW_LOWER,
    LEFT_EYE_OUTER,
    LEFT_IRIS_CENTRE,
    NASION,
    RIGHT_BROW_LOWER,
    RIGHT_EYE_OUTER,
    RIGHT_IRIS_CENTRE,
    FaceFrame,
)
from landmarks.masks import dilate, polygon_mask
from landmarks.regions import _clip
from landmarks.skin import skin_mask
from tests.images import astronaut
from tests.measurement_validation import cut_face, gamma, portrait

REGIONS = ("forehead", "glabella", "crows_feet_left", "crows_feet_right")
# Regions with enough visible skin on the astronaut to compare shapes (her
# hair hides most of the patient's-left crow's feet: under 1 cm² remains).
COMPARABLE = ("forehead", "glabella", "crows_feet_right", "crows_feet_left")
# The target, for every region, her forehead included: a strip under 1 cm
# tall between brows and fringe, where a pixel of hairline moves the IoU by several
# points (0.904 halved, 0.93-0.96 rotated or enlarged).
MIN_IOU = 0.90
# The measurement mesh is mirror-symmetric (``landmarks.symmetry``): 0.95-0.97
# mirrored, where a single run gave 0.85-0.88.
MIN_MIRRORED_IOU = 0.93


@pytest.fixture(scope="module")
def face():
    return astronaut(3.0)


@pytest.fixture(scope="module")
def base(face):
    return analyse(face)


def _mask(polygon, shape) -> np.ndarray:
    mask = np.zeros(shape[:2], np.uint8)
    if len(polygon):
        cv2.fillPoly(mask, [np.round(np.asarray(polygon)).astype(np.int32)], 1)
    return mask.astype(bool)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 1.0


def test_face_found_with_478_points_inside_the_image(base, face):
    assert base.face_found
    assert base.landmarks.shape == (478, 2)
    height, width = face.shape[:2]
    assert (base.landmarks >= 0).all() and (base.landmarks[:, 0] < width).all() and (base.landmarks[:, 1] < height).all()
    # Adult iris ~11.7 mm; the astronaut at 3x has irises of ~25 px.
    assert 0.3 < base.mm_per_px < 0.7


def test_frontal_photo_has_small_pose_angles(base):
    assert abs(base.pose.yaw_deg) < 8 and abs(base.pose.pitch_deg) < 10 and abs(base.pose.roll_deg) < 8


def test_regions_are_anatomically_ordered(base, face):
    xy = base.landmarks
    polygons = {name: np.asarray(base.regions[name].polygon) for name in REGIONS}
    for name, polygon in polygons.items():
        assert len(polygon) >= 3, name
        assert (polygon >= 0).all() and (polygon[:, 0] < face.shape[1]).all() and (polygon[:, 1] < face.shape[0]).all()
    brow_top_y = xy[[105, 334]][:, 1].min()
    forehead = polygons["forehead"]
    assert forehead[:, 1].max() < xy[[105, 334, 66, 296]][:, 1].max() + 2  # nothing below the brows
    assert forehead[:, 1].min() < brow_top_y - 10                          # reaches up the forehead
    glabella = polygons["glabella"]
    centre_x = glabella[:, 0].mean()
    assert xy[107, 0] - 5 < centre_x < xy[336, 0] + 5                      # between the brow heads
    assert glabella[:, 1].max() > xy[NASION, 1] - 1                         # down to the nasal root
    assert glabella[:, 1].min() < brow_top_y                                # up past the brows
    # Patient's right is the image's left in a non-mirrored photo.
    assert polygons["crows_feet_right"][:, 0].max() <= xy[RIGHT_EYE_OUTER, 0] + 1
    assert polygons["crows_feet_left"][:, 0].min() >= xy[LEFT_EYE_OUTER, 0] - 1
    for side, eye in (("right", RIGHT_EYE_OUTER), ("left", LEFT_EYE_OUTER)):
        centre_y = polygons[f"crows_feet_{side}"][:, 1].mean()
        assert abs(centre_y - xy[eye, 1]) < 40, side


@pytest.mark.parametrize("photo", ["astronaut", "portrait turned 12 degrees"])
def test_below_the_brows_the_glabella_keeps_to_the_nasal_root(photo, base):
    """Between the brow heads and the nasal root the glabella is no wider than the
    root, whose sides the mesh marks (points 193 and 417): reaching out to the brow
    heads it took in the shade where the nasal sidewall meets the orbit, which the
    line map marked as a frown line on every face."""
    result = base if photo == "astronaut" else analyse(portrait(1.0))
    xy = result.landmarks
    frame = FaceFrame.from_landmarks(xy, result.mm_per_px)
    glabella = _mask(result.regions["glabella"].polygon, (int(xy[:, 1].max()) + 50, int(xy[:, 0].max()) + 50))
    rows, cols = np.nonzero(glabella)
    inside = frame.to_mm(np.stack([cols, rows], axis=1).astype(np.float64))
    brow_low = frame.to_mm(xy[[RIGHT_BROW_LOWER[-1], LEFT_BROW_LOWER[-1]]])[:, 1].min()
    root_right, root_left = frame.to_mm(xy[[193, 417]])[:, 0]
    below = inside[inside[:, 1] < brow_low - 1.0]
    assert len(below) > 0 and inside[:, 1].min() < frame.to_mm(xy[[NASION]])[0, 1]  # down past the nasal root
    assert below[:, 0].min() > root_right - 1.5 and below[:, 0].max() < root_left + 1.5


def test_crows_feet_stop_in_front_of_the_ear():
    """On a face looking at the camera the mesh's outline runs, at eye height, in front
    of the ear, which is skin-coloured: a zone reaching 10 mm past the outline took in
    the ear's rim and mapped it as crow's feet. The zone keeps within a few mm of it."""
    result = analyse(cut_face())
    shape = (result.height, result.width)
    outside = ~_mask(result.landmarks[list(FACE_OVAL)], shape)
    beyond_mm = cv2.distanceTransform(outside.astype(np.uint8), cv2.DIST_L2, 5) * result.mm_per_px
    zone = _mask(result.regions["crows_feet_left"].polygon, shape)
    assert zone.sum() > 0 and float(beyond_mm[zone].max()) <= 5.0


def _warp(image: np.ndarray, matrix: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    return cv2.warpAffine(image, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def _region_ious(face, base, transformed, matrix, swap: bool = False, image_width: int | None = None
                 ) -> dict[str, float]:
    """IoU of each region mapped back from the transformed image to the original.

    ``matrix`` maps the original onto the transformed image, ``image_width``
    wide; the analysis reports in its working copy (at most 2048 px), scaled
    back here.
    """
    inverse = cv2.invertAffineTransform(matrix)
    factor = (image_width or transformed.width) / transformed.width
    result = {}
    for name in COMPARABLE:
        other = name
        if swap and name.startswith("crows_feet"):
            other = "crows_feet_left" if name.endswith("right") else "crows_feet_right"
        polygon = np.asarray(transformed.regions[other].polygon, dtype=np.float64) * factor
        back = polygon @ inverse[:, :2].T + inverse[:, 2] if len(polygon) else polygon
        result[name] = iou(_mask(base.regions[name].polygon, face.shape), _mask(back, face.shape))
    return result


@pytest.mark.parametrize("curve", [0.8, 1.25])
def test_skin_is_the_same_skin_under_a_tone_curve(curve):
    """Where a phone's or the room's tone curve differs, the same pixels around the
    regions are skin: the rims of brows, lashes and hairline do not come and go
    (3 % of them did, and the glabella's index moved with its skin)."""
    rgb = portrait(1.0)
    result = analyse(rgb)
    xy = result.landmarks
    iod_px = float(np.linalg.norm(xy[LEFT_IRIS_CENTRE] - xy[RIGHT_IRIS_CENTRE]))
    shape = result.height, result.width
    near_regions = dilate(np.any([polygon_mask(shape, np.asarray(r.polygon)) for r in result.regions.values()
                                  if r.polygon], axis=0), 3.0 / result.mm_per_px)
    before = skin_mask(working_copy(rgb), xy, iod_px)
    after = skin_mask(working_copy(gamma(rgb, curve)), xy, iod_px)
    changed = (before ^ after)[near_regions].sum() / before[near_regions].sum()
    assert changed <= 0.015, changed


@pytest.mark.parametrize("angle", [-12, 12])
def test_regions_follow_rotation(face, base, angle):
    height, width = face.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    transformed = analyse(_warp(face, matrix, (width, height)))
    ious = _region_ious(face, base, transformed, matrix)
    print(f"IoU rotated {angle:+d} deg:", {k: round(v, 3) for k, v in ious.items()})
    for name, value in ious.items():
        assert value >= MIN_IOU, f"{name} rotated {angle}: IoU {value:.3f}"


@pytest.mark.parametrize("scale", [0.5, 1.6])
def test_regions_follow_scaling(face, base, scale):
    # cv2.resize maps pixel centres onto pixel centres: x' = scale (x + 0.5) - 0.5.
    offset = (scale - 1) / 2
    matrix = np.array([[scale, 0, offset], [0, scale, offset]], dtype=np.float64)
    size = (round(face.shape[1] * scale), round(face.shape[0] * scale))
    transformed = analyse(cv2.resize(face, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC))
    ious = _region_ious(face, base, transformed, matrix, image_width=size[0])
    print(f"IoU scaled {scale}:", {k: round(v, 3) for k, v in ious.items()})
    for name, value in ious.items():
        assert value >= MIN_IOU, f"{name} scaled {scale}: IoU {value:.3f}"


def test_mirroring_swaps_left_and_right(face, base):
    width = face.shape[1]
    matrix = np.array([[-1, 0, width], [0, 1, 0]], dtype=np.float64)  # continuous coordinates
    transformed = analyse(np.ascontiguousarray(face[:, ::-1]))
    ious = _region_ious(face, base, transformed, matrix, swap=True)
    print("IoU mirrored:", {k: round(v, 3) for k, v in ious.items()})
    # Mirrored, the mesh model sees each eye as the other and places the pupils,
    # from which the crow's feet and the forehead's sides are laid out, about a
    # pixel differently: 0.88-0.89 on her narrow strip of forehead and fans.
    for name, value in ious.items():
        assert value >= MIN_MIRRORED_IOU, f"{name} mirrored: IoU {value:.3f}"


def test_no_face_is_a_result_not_an_exception():
    rng = np.random.default_rng(0)
    noise = cv2.GaussianBlur(rng.integers(0, 255, (600, 800, 3), dtype=np.uint8), (0, 0), 3)
    result = analyse(noise)
    assert result.face_found is False
    assert result.reason and result.regions == {}
    assert [w.code for w in result.warnings] == ["no_face"]


@pytest.mark.parametrize("shape", [(1, 1, 3), (2, 3, 3), (90, 140, 3)])
def test_tiny_images_have_no_face_and_no_error(shape):
    """Found by fuzzing the upload API: a 1-px image once divided by zero in the tile search."""
    result = analyse(np.full(shape, 128, dtype=np.uint8))
    assert result.face_found is False


@pytest.mark.parametrize("small_scale", [0.6, 0.75])
def test_two_faces_analyses_the_larger_with_a_warning(face, small_scale):
    head = face[0:900, 300:1200]
    small = cv2.resize(head, None, fx=small_scale, fy=small_scale, interpolation=cv2.INTER_AREA)
    canvas = np.full((head.shape[0], head.shape[1] + small.shape[1], 3), 200, np.uint8)
    canvas[:, : head.shape[1]] = head
    canvas[: small.shape[0], head.shape[1]:] = small
    result = analyse(canvas)
    assert result.face_found
    assert "several_faces" in [w.code for w in result.warnings]
    assert result.landmarks[:, 0].max() < head.shape[1]  # the large face, on the left


def test_face_small_in_a_large_frame_is_still_found():
    photo = astronaut(2.0)
    canvas = np.full((2250, 3000, 3), 180, np.uint8)
    canvas[600:600 + photo.shape[0], 900:900 + photo.shape[1]] = photo
    result = analyse(canvas)
    assert result.face_found
    x = result.landmarks[:, 0] * canvas.shape[1] / result.width  # reported in the 2048 px working copy
    assert 900 < x.min() and x.max() < 900 + photo.shape[1]


def test_blurred_photo_is_flagged(face):
    assert "blurred" not in [w.code for w in analyse(face).warnings]
    blurred = cv2.GaussianBlur(face, (0, 0), 6)
    assert "blurred" in [w.code for w in analyse(blurred).warnings]


@pytest.mark.parametrize("gain, code", [(1.5, "overexposed"), (0.3, "underexposed")])
def test_exposure_problems_are_flagged(face, gain, code):
    changed = np.clip(face.astype(np.float32) * gain, 0, 255).astype(np.uint8)
    assert code in [w.code for w in analyse(changed).warnings]


def test_small_face_is_flagged(face):
    small = cv2.resize(face, None, fx=1 / 3, fy=1 / 3, interpolation=cv2.INTER_AREA)
    assert "face_too_small" in [w.code for w in analyse(small).warnings]
    assert "face_too_small" not in [w.code for w in analyse(face).warnings]


def test_head_roll_past_the_limit_is_flagged(face):
    height, width = face.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), 20, 1.0)
    result = analyse(_warp(face, matrix, (width, height)))
    assert "pose_roll" in [w.code for w in result.warnings]
    # Image rotated counter-clockwise: the patient's left eye (image right) rises,
    # which is a tilt towards the right shoulder: negative roll.
    assert result.pose.roll_deg < -15


@pytest.mark.parametrize("corner", [10.5, 11.5, 10.25])
def test_a_region_is_clipped_in_its_box_as_on_the_whole_image(corner):
    # The clip works in the polygon's box (regions._clip); rounded after the shift into the
    # box, a corner at x.5 moved a pixel, as numpy rounds halves to even.
    square = np.array([[corner, corner], [corner + 20, corner], [corner + 20, corner + 20], [corner, corner + 20]])
    allowed = np.ones((60, 80), bool)
    clipped = _clip(square, allowed, seed_px=square[:1])
    expected = np.argwhere(polygon_mask(allowed.shape, square))
    assert clipped.min(axis=0).tolist() == expected.min(axis=0)[::-1].tolist()
    assert clipped.max(axis=0).tolist() == expected.max(axis=0)[::-1].tolist()
