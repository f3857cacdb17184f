"""Small mask helpers shared by regions, quality and wrinkles."""
from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt


def polygon_mask(shape: tuple[int, int], polygon: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """(H, W) bool, True inside ``polygon`` ((N, 2) pixels); empty for fewer than 3 points."""
    mask = np.zeros(shape, np.uint8)
    points = np.asarray(polygon, dtype=np.float64)
    if len(points) >= 3:
        cv2.fillPoly(mask, [np.round(points).astype(np.int32)], 1)
    return mask.astype(bool)


def dilate(mask: npt.NDArray[np.bool_], radius_px: float) -> npt.NDArray[np.bool_]:
    """``mask`` grown by a disc of ``radius_px`` (at least 1 px).

    Through the distance transform, whose cost does not grow with the radius
    (a disc kernel's does, with its area).
    """
    r = max(1, int(round(radius_px)))
    if not mask.any():
        return np.zeros(mask.shape, bool)
    distance = cv2.distanceTransform((~mask.astype(bool)).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    return distance <= r
