"""Head pose (yaw, pitch, roll in degrees) from the mesh's 3-D landmarks.

MediaPipe gives every landmark a depth in the same units as x, so a face frame
can be built from the points alone, with no camera model:

* X: from the patient's right outer eye corner to the left one;
* Y: from the chin to the midpoint of the outer eye corners, made orthogonal to X
  (eyes and chin lie close to one frontal plane; the forehead slopes back);
* Z = X x Y: the face's normal, pointing out of the face towards the camera.

Sign conventions (the patient's left and right):

* ``yaw_deg`` > 0: head turned towards the patient's own left (nose points to the
  image's right in a non-mirrored photo);
* ``pitch_deg`` > 0: chin up; 0 when the eyes and the chin are equally far from
  the camera;
* ``roll_deg`` > 0: head tilted towards the patient's left shoulder (their
  left eye lower in the image).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from landmarks.anatomy import CHIN, LEFT_EYE_OUTER, RIGHT_EYE_OUTER


@dataclass(frozen=True)
class Pose:
    yaw_deg: float
    pitch_deg: float
    roll_deg: float


def head_pose(points: npt.NDArray[np.float64]) -> Pose:
    """Pose from (478, 3) landmarks in pixels (x right, y down, z away from camera)."""
    x = points[LEFT_EYE_OUTER] - points[RIGHT_EYE_OUTER]
    x = x / np.linalg.norm(x)
    y = (points[LEFT_EYE_OUTER] + points[RIGHT_EYE_OUTER]) / 2 - points[CHIN]
    y = y - (y @ x) * x
    y = y / np.linalg.norm(y)
    z = np.cross(x, y)  # towards the camera: negative camera z for a frontal face
    roll = math.atan2(x[1], x[0])
    # Yaw and pitch are read with the roll undone (the normal turned back about the
    # camera's axis), so turning the photo turns neither: in image axes a face tilted
    # by 12 degrees mixed a fifth of its pitch into its yaw (1.2 degrees on the astronaut).
    side = math.cos(roll) * z[0] + math.sin(roll) * z[1]
    up = -math.sin(roll) * z[0] + math.cos(roll) * z[1]
    yaw = math.degrees(math.atan2(side, -z[2]))
    pitch = math.degrees(math.atan2(-up, -z[2]))
    return Pose(yaw_deg=round(yaw, 2), pitch_deg=round(pitch, 2), roll_deg=round(math.degrees(roll), 2))


def pose_change(before: npt.NDArray[np.float64], after: npt.NDArray[np.float64],
                indices: tuple[int, ...] | list[int]) -> Pose:
    """How the head turned from one photo to the other, read from ``indices`` only.

    ``head_pose`` takes its vertical from the chin, which a smile or an open
    mouth moves: on the London set a smile changed that pitch by 6-10 degrees in
    a tenth of the people while the eye corners, nasal bridge and temples turned
    by a few. Here the rotation is fitted to the chosen points of both meshes in
    3-D (least squares with scale, Umeyama 1991), so an expression that moves
    other points does not read as a turn.

    Parameters
    ----------
    before, after : (478, 3) float
        The two photos' landmarks in pixels (x right, y down, z away from the camera).
    indices : the landmarks no expression moves (e.g. ``landmarks.align.STABLE_POINTS``).

    Returns
    -------
    Pose
        The change, degrees, with ``head_pose``'s signs (``after`` minus ``before``
        for small turns): yaw about the face's vertical, pitch about the line
        through the outer eye corners, roll about the camera's axis.
    """
    p, q = before[list(indices)], after[list(indices)]
    p, q = p - p.mean(axis=0), q - q.mean(axis=0)
    u, _, vt = np.linalg.svd(q.T @ p)
    fix = np.diag([1.0, 1.0, np.sign(np.linalg.det(u @ vt))])
    rotation = u @ fix @ vt  # q ~ scale * rotation @ p
    angle = math.acos(float(np.clip((np.trace(rotation) - 1) / 2, -1, 1)))
    axis = np.array([rotation[2, 1] - rotation[1, 2], rotation[0, 2] - rotation[2, 0],
                     rotation[1, 0] - rotation[0, 1]])
    vector = axis / (2 * math.sin(angle)) * angle if angle > 1e-9 else np.zeros(3)
    across = before[LEFT_EYE_OUTER] - before[RIGHT_EYE_OUTER]
    across = across / np.linalg.norm(across)
    vertical = np.cross(np.array([0.0, 0.0, 1.0]), across)
    vertical = vertical / np.linalg.norm(vertical)
    depth = np.cross(across, vertical)
    return Pose(yaw_deg=round(-math.degrees(float(vector @ vertical)), 2),
                pitch_deg=round(-math.degrees(float(vector @ across)), 2),
                roll_deg=round(math.degrees(float(vector @ depth)), 2))
