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
