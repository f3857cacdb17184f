"""Zones laid out on the frontal face follow a turned head (``landmarks.frontal``)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from landmarks.anatomy import FaceFrame
from landmarks.frontal import FrontalFace, densify
from landmarks.mesh import detect_faces
from landmarks.pose import head_pose
from landmarks.scale import mm_per_px
from tests.images import astronaut

TEMPLE = 127  # the mesh's outline at the patient's right temple, ~5 cm behind the eyes
TEMPLE_LEFT = 356


@pytest.fixture(scope="module")
def points():
    return detect_faces(astronaut(3.0)).faces[0].points


def _turned(points: np.ndarray, yaw_deg: float) -> np.ndarray:
    """The mesh turned about the vertical through the head's centre and seen from the front
    (orthographic), as a camera would see the patient turn (positive: towards their left)."""
    centre = points.mean(axis=0) + (0.0, 0.0, 0.6 * np.ptp(points[:, 0]))  # behind the face
    angle = math.radians(yaw_deg)
    # Image x right, z away from the camera: the nose (nearest) moves to the image's right.
    rotation = np.array([[math.cos(angle), 0, -math.sin(angle)], [0, 1, 0], [math.sin(angle), 0, math.cos(angle)]])
    return (points - centre) @ rotation.T + centre


def _face(points: np.ndarray, scale: float | None = None) -> FrontalFace:
    xy = points[:, :2]
    frame = FaceFrame.from_landmarks(xy, scale or mm_per_px(xy))
    return FrontalFace.from_points(frame, points, head_pose(points).yaw_deg)


def test_without_a_turn_the_frontal_face_is_the_flat_frame(points):
    face = _face(points)
    flat = FrontalFace.flat(face.frame, points[:, :2])
    zone = np.array([(40.0, 10.0), (70.0, 10.0), (70.0, -20.0), (40.0, -20.0)])
    still = FrontalFace(frame=face.frame, yaw_rad=0.0, mm=face.mm)
    assert np.allclose(still.to_px(zone), flat.to_px(zone))
    assert np.allclose(flat.to_px(zone), face.frame.to_px(zone))


@pytest.mark.parametrize("yaw_deg", [-20.0, 20.0])
def test_a_point_on_the_temple_follows_the_turned_head(points, yaw_deg):
    """Frontal mm of both temples, taken from the facing mesh, land on the temples of the
    turned one; laid out in the flat frame they miss by 1-2 cm."""
    facing = _face(points)
    turned_points = _turned(points, yaw_deg)
    # The turned copy's irises turn with the head, so they would read the scale ~6 % off; a
    # patient looks at the camera, and their iris with them.
    turned = _face(turned_points, facing.frame.mm_per_px)
    assert head_pose(turned_points).yaw_deg == pytest.approx(yaw_deg + head_pose(points).yaw_deg, abs=1.5)
    temples = facing.landmarks_mm([TEMPLE, TEMPLE_LEFT])
    found = turned.to_px(temples)
    true = turned_points[[TEMPLE, TEMPLE_LEFT], :2]
    error_mm = np.linalg.norm(found - true, axis=1) * turned.frame.mm_per_px
    flat_mm = np.linalg.norm(turned.frame.to_px(temples) - true, axis=1) * turned.frame.mm_per_px
    assert error_mm.max() < 4.0, error_mm  # her head is also rolled 3 degrees, which the test ignores
    assert flat_mm.max() > 10.0, flat_mm


def test_densify_keeps_the_corners_and_bounds_the_edges():
    square = np.array([(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)])
    dense = densify(square, 2.0)
    assert len(dense) == 20
    assert all(any(np.allclose(corner, p) for p in dense) for corner in square)
    gaps = np.linalg.norm(np.diff(np.vstack([dense, dense[:1]]), axis=0), axis=1)
    assert gaps.max() <= 2.0 + 1e-9
