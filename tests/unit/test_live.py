"""Live capture checks on camera frames built from a public-domain face."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from landmarks.expression import ExpressionMeasures
from landmarks.live import check_frame, pose_problems
from landmarks.pose import Pose
from landmarks.quality import QualityLimits
from tests.images import camera_picture

FRAME = (480, 270)  # what the capture page sends for a 1280 x 720 camera


def _frame(picture: np.ndarray) -> np.ndarray:
    """Downscaled and JPEG-compressed, as the page's canvas sends it."""
    small = cv2.resize(picture, FRAME, interpolation=cv2.INTER_AREA)
    _, jpeg = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80])
    return cv2.cvtColor(cv2.imdecode(jpeg, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def _check(picture: np.ndarray, *, capture_width: int = 1280, **kwargs):
    """The astronaut smiles broadly: by default her frame is checked for the smile view."""
    options = {"view": "front", "expression": "smile", "rest": None, **kwargs}
    return check_frame(_frame(picture), capture_width=capture_width, **options)


def test_a_frontal_face_close_enough_is_ready():
    result = _check(camera_picture())
    assert result.status == "ready" and result.failed == () and result.iris_px > 29


@pytest.mark.parametrize("roll, shoulder", [(20, "right"), (-20, "left")])
def test_a_rolled_head_is_told_to_straighten_towards_the_right_side(roll, shoulder):
    result = _check(camera_picture(roll_deg=roll))
    assert result.status == "adjust" and result.failed == ("roll",)
    assert result.advice == f"Straighten your head: it leans towards your {shoulder} shoulder."


def test_no_face_and_a_small_face():
    assert _check(np.full((720, 1280, 3), 128, np.uint8)).status == "no-face"
    small = _check(camera_picture(), capture_width=800)  # the same framing from a lower-resolution camera
    assert small.status == "adjust" and small.failed == ("size",) and small.advice.startswith("Come closer")


def _lit(gain_left: float, gain_right: float) -> np.ndarray:
    picture = camera_picture().astype(np.float32)
    picture[:, :430] *= gain_left  # the image's left: the patient's right side (the face's midline is near 430)
    picture[:, 430:] *= gain_right
    return np.clip(picture, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("gains, advice", [
    ((0.15, 0.15), "Too dark: add light in front of the face."),
    ((2.2, 2.2), "Too bright: reduce the light or step out of direct light."),
    ((1.0, 0.35), "One side is darker: add light on the patient's left side."),
    ((0.35, 1.0), "One side is darker: add light on the patient's right side."),
])
def test_light_is_judged_with_the_side_to_fix(gains, advice):
    result = _check(_lit(*gains))
    assert result.status == "adjust" and result.failed == ("light",) and result.advice == advice


def test_expression_is_judged_against_the_rest_photo():
    rest = _check(camera_picture()).expression
    frown = _check(camera_picture(), expression="frown", rest=rest)  # the same face, not frowning
    assert frown.status == "adjust" and frown.advice == "Frown hard: draw your eyebrows together."
    lifted = ExpressionMeasures(brow_height=rest.brow_height * 0.9, brow_head_distance=rest.brow_head_distance)
    assert _check(camera_picture(), expression="raise", rest=lifted).status == "ready"
    unknown = _check(camera_picture(), expression="frown", rest=None)
    assert unknown.status == "ready" and "not checked" in unknown.notes[0]


def test_pose_advice_is_in_the_patients_own_left_and_right():
    limits = QualityLimits()
    assert pose_problems(Pose(20, 0, 0), "front", limits) == [("yaw", "Turn a little to your right.")]
    assert pose_problems(Pose(-20, 0, 0), "front", limits) == [("yaw", "Turn a little to your left.")]
    assert pose_problems(Pose(45, 0, 0), "left45", limits) == []  # the 45-degree view wants the turn
    assert pose_problems(Pose(0, 25, 0), "front", limits) == [("pitch", "Chin down a little.")]


def test_a_broad_smile_is_not_accepted_as_rest_from_the_frame_alone():
    result = _check(camera_picture(), expression="rest", rest=None)  # no stored rest photo to compare with
    assert result.status == "adjust" and result.failed == ("expression",)
    assert result.advice == "Relax your face: no smile."


def test_a_face_at_rest_is_not_accepted_as_a_smile():
    portrait = np.asarray(Image.open(Path(__file__).parents[1] / "data" / "obama3.jpg").convert("RGB"))
    limits = QualityLimits(max_pitch_deg=30, max_yaw_deg=20)  # his head is tilted back and turned

    def failed(expression: str) -> tuple[str, ...]:
        return check_frame(portrait, capture_width=portrait.shape[1], view="front", expression=expression,
                           rest=None, limits=limits).failed

    assert "expression" in failed("smile") and "expression" not in failed("rest")
