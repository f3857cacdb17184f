"""The face as it would look facing the camera: the mesh with its head turn undone.

A zone defined in mm from a landmark (crow's feet: 4-30 mm lateral of the outer
eye corner) lies on skin that curves back around the head: the temple is 3-5 cm
behind the eyes. When the head is turned by a yaw angle, a point at depth ``D``
shifts sideways in the photo by ``D sin(yaw)``. On the side turned away,
placing the zone in the flat face frame (``FaceFrame``) puts it up to a
centimetre too far out, onto hair and background. MediaPipe gives every
landmark a depth, so the zone can be placed on the frontal face and turned with
the head instead.

Only the yaw is undone. Pitch, as the mesh measures it (eyes against chin),
varies with a person's jaw and smile by more than the head does, and a wrong
pitch would move every zone up or down. Yaw is measured from the two eyes and is
symmetric by construction.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from landmarks.anatomy import LEFT_EYE_INNER, RIGHT_EYE_INNER, FaceFrame

DEPTH_NEIGHBOURS = 4  # mesh points averaged (by inverse squared distance) for a point's depth


@dataclass(frozen=True)
class FrontalFace:
    """Landmarks in face-frame mm (``x`` across, ``y`` up, ``depth`` towards the
    camera from the inner eye corners) as if the head faced the camera."""

    frame: FaceFrame
    yaw_rad: float
    mm: npt.NDArray[np.float64]  # (478, 3): x, y, depth

    @classmethod
    def from_points(cls, frame: FaceFrame, points: npt.NDArray[np.float64], yaw_deg: float) -> "FrontalFace":
        """From (478, 3) mesh points (pixels; z grows away from the camera) and the head's yaw
        (``Pose.yaw_deg``: positive when the head is turned towards the patient's left)."""
        yaw = math.radians(yaw_deg)
        seen = frame.to_mm(points[:, :2])
        depth = -(points[:, 2] - points[[RIGHT_EYE_INNER, LEFT_EYE_INNER], 2].mean()) * frame.mm_per_px
        x = seen[:, 0] * math.cos(yaw) - depth * math.sin(yaw)
        d = seen[:, 0] * math.sin(yaw) + depth * math.cos(yaw)
        return cls(frame=frame, yaw_rad=yaw, mm=np.stack([x, seen[:, 1], d], axis=1))

    @classmethod
    def flat(cls, frame: FaceFrame, xy: npt.NDArray[np.float64]) -> "FrontalFace":
        """A face with no depth known (stored 2-D landmarks): ``to_px`` is ``frame.to_px``."""
        seen = frame.to_mm(xy)
        return cls(frame=frame, yaw_rad=0.0, mm=np.column_stack([seen, np.zeros(len(seen))]))

    def landmarks_mm(self, indices: list[int]) -> npt.NDArray[np.float64]:
        """(N, 2) frontal mm of the given landmarks."""
        return self.mm[indices, :2]

    def depth_at(self, points_mm: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """The skin's depth under frontal points, from the nearest mesh points (their depth held
        beyond the mesh's edge)."""
        squared = ((points_mm[:, None, :] - self.mm[None, :, :2]) ** 2).sum(axis=2)
        nearest = np.argsort(squared, axis=1)[:, :DEPTH_NEIGHBOURS]
        weights = 1.0 / (np.take_along_axis(squared, nearest, axis=1) + 1e-3)
        return (self.mm[nearest, 2] * weights).sum(axis=1) / weights.sum(axis=1)

    def to_px(self, points_mm: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """(N, 2) frontal mm on the skin -> (N, 2) image pixels, turned with the head."""
        points = np.asarray(points_mm, dtype=np.float64).reshape(-1, 2)
        depth = self.depth_at(points)
        x = points[:, 0] * math.cos(self.yaw_rad) + depth * math.sin(self.yaw_rad)
        return self.frame.to_px(np.column_stack([x, points[:, 1]]))


def densify(polygon: npt.NDArray[np.float64], step: float) -> npt.NDArray[np.float64]:
    """The closed polygon with extra vertices at most ``step`` apart along each edge, so that a
    curved mapping (``FrontalFace.to_px``) bends its edges too."""
    points = []
    for start, end in zip(polygon, np.roll(polygon, -1, axis=0)):
        count = max(1, int(math.ceil(np.linalg.norm(end - start) / step)))
        points.append(start + (end - start) * (np.arange(count) / count)[:, None])
    return np.vstack(points)
