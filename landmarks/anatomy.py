"""Landmark indices of the MediaPipe face mesh and a face-aligned frame in mm.

"Left" and "right" are the patient's own: in a frontal, non-mirrored photo the
patient's right eye is on the image's left. MediaPipe names its points the same
way (its ``LEFT_EYE`` indices 263/362 are the patient's left eye).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

RIGHT_EYE_OUTER, RIGHT_EYE_INNER = 33, 133
LEFT_EYE_INNER, LEFT_EYE_OUTER = 362, 263
# Brow contours, listed lateral -> medial.
RIGHT_BROW_UPPER = (70, 63, 105, 66, 107)
RIGHT_BROW_LOWER = (46, 53, 52, 65, 55)
LEFT_BROW_UPPER = (300, 293, 334, 296, 336)
LEFT_BROW_LOWER = (276, 283, 282, 295, 285)
RIGHT_IRIS_CENTRE, RIGHT_IRIS_RIM = 468, (469, 470, 471, 472)
LEFT_IRIS_CENTRE, LEFT_IRIS_RIM = 473, (474, 475, 476, 477)
NASION = 168
# Mouth: the corners (patient's right, left) and the inner lips' midpoints (upper, lower).
RIGHT_MOUTH_CORNER, LEFT_MOUTH_CORNER = 61, 291
INNER_LIP_UPPER, INNER_LIP_LOWER = 13, 14
CHIN = 152
RIGHT_CHEEK, LEFT_CHEEK = 205, 425
NOSE_BRIDGE = (6, 197, 195)
# Eye contours (upper and lower lid), used to keep eyes out of skin samples.
RIGHT_EYE_CONTOUR = (33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7)
LEFT_EYE_CONTOUR = (263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249)
FACE_OVAL = (
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400,
    377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
)


def upper_brow_mm(frame: "FaceFrame", xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """(10, 2) face-frame mm of both brows' upper edges, sorted from the patient's right to left."""
    brow = frame.to_mm(xy[list(RIGHT_BROW_UPPER + LEFT_BROW_UPPER)])
    return brow[np.argsort(brow[:, 0])]


def height_at(profile: npt.NDArray[np.float64], x_mm: float) -> float:
    """Height (mm) of a profile sorted by x at ``x_mm``, held flat beyond its ends."""
    return float(np.interp(x_mm, profile[:, 0], profile[:, 1]))


@dataclass(frozen=True)
class FaceFrame:
    """A 2-D frame tied to the face, in millimetres.

    Origin: midpoint of the inner eye corners. ``x`` runs from the patient's
    right eye towards their left eye, ``y`` runs up the face (towards the
    forehead). Image coordinates are pixels, y down. Using this frame, regions
    defined in mm follow the head's roll and the photo's scale.
    """

    origin_px: npt.NDArray[np.float64]
    x_axis: npt.NDArray[np.float64]
    up_axis: npt.NDArray[np.float64]
    mm_per_px: float

    @classmethod
    def from_landmarks(cls, xy: npt.NDArray[np.float64], mm_per_px: float) -> "FaceFrame":
        if mm_per_px <= 0:
            raise ValueError(f"mm_per_px must be positive, got {mm_per_px}")
        right = xy[[RIGHT_EYE_OUTER, RIGHT_EYE_INNER]].mean(axis=0)
        left = xy[[LEFT_EYE_OUTER, LEFT_EYE_INNER]].mean(axis=0)
        x_axis = (left - right) / np.linalg.norm(left - right)
        up_axis = np.array([x_axis[1], -x_axis[0]])
        origin = xy[[RIGHT_EYE_INNER, LEFT_EYE_INNER]].mean(axis=0)
        return cls(origin_px=origin, x_axis=x_axis, up_axis=up_axis, mm_per_px=mm_per_px)

    def to_mm(self, points_px: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """(N, 2) image pixels -> (N, 2) face-frame mm."""
        d = np.asarray(points_px, dtype=np.float64) - self.origin_px
        return np.stack([d @ self.x_axis, d @ self.up_axis], axis=-1) * self.mm_per_px

    def to_px(self, points_mm: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """(N, 2) face-frame mm -> (N, 2) image pixels."""
        p = np.asarray(points_mm, dtype=np.float64) / self.mm_per_px
        return self.origin_px + p[..., :1] * self.x_axis + p[..., 1:2] * self.up_axis
