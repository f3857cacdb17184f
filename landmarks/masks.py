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


def window_around(points: npt.ArrayLike, margin_px: float, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) pixels holding ``points`` ((N, 2) x, y) grown by
    ``margin_px``, within an image of ``shape`` (H, W)."""
    points = np.asarray(points, dtype=np.float64)
    left, top = np.floor(points.min(axis=0) - margin_px).astype(int)
    right, bottom = np.ceil(points.max(axis=0) + margin_px).astype(int)
    return max(0, int(left)), max(0, int(top)), min(shape[1], int(right)), min(shape[0], int(bottom))
