"""Head pose from the mesh: turning the photo changes the roll and nothing else."""
from __future__ import annotations

import math

import numpy as np
import pytest

from landmarks.mesh import detect_faces
from landmarks.pose import head_pose
from tests.images import astronaut


@pytest.fixture(scope="module")
def points():
    return detect_faces(astronaut(3.0)).faces[0].points


@pytest.mark.parametrize("turn_deg", [-12.0, 12.0, 30.0])
def test_turning_the_photo_turns_only_the_roll(points, turn_deg):
    """The same mesh turned about the camera's axis (a photo taken with the phone
    tilted): yaw and pitch stay within 0.05 degrees. Read in image axes, the yaw
    took in the pitch times the sine of the turn (1.5 degrees at 30 here)."""
    angle = math.radians(turn_deg)
    rotation = np.array([[math.cos(angle), -math.sin(angle), 0], [math.sin(angle), math.cos(angle), 0], [0, 0, 1]])
    before, after = head_pose(points), head_pose(points @ rotation.T)
    assert abs(after.yaw_deg - before.yaw_deg) <= 0.05 and abs(after.pitch_deg - before.pitch_deg) <= 0.05
    assert after.roll_deg == pytest.approx(before.roll_deg + turn_deg, abs=0.05)
