"""The eye opening: how far apart the lid margins are, from the mesh and the pixels.

The mesh's eyelid contour follows the lid margins closely, but its face model
smooths them: on the London set (``bench/movement.py``, part d) a smile lifts
the mesh's lower lid by a median 0.3 mm where the margin found in the pixels
rises 0.6-0.7 mm, and 6 of 51 people read as not narrowing at all. The pixels
alone are noisier (beneath a dark iris the darkest step is sometimes the lash
line 0.5-1 mm below the margin, sometimes the margin itself: 0.44 mm spread on
re-run copies against the mesh's 0.24 mm), so the opening is the mean of the
two readings, whose errors are largely independent: 0.28 mm spread, and 94 %
of the 51 people narrowing.

The margin in the pixels: along lines across each lid (normal to the mesh's lid
curve, pointing out of the eye), the strongest darkening going outward within
``REACH_MM`` of the mesh, where the white or iris of the eye meets the dark lash
line of the upper lid or the lid margin of the lower; one curve for the whole
lid (dynamic programming, a penalty on bends, as for the brows). Specular
highlights on the cornea and the wet lid margin (bright, under 1.5 mm) are
removed first by a grey-level opening, or their top edge reads as the upper
margin.

The opening is read over the middle third of the eye, on lines across the line
joining its corners. Coordinates are image pixels; left and right are the
patient's.
"""
from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from landmarks.brows import _best_path, _resample, profiles

# Upper-lid point above lower-lid point, over the middle of each eye (MediaPipe indices).
LID_PAIRS = {
    "right": ((160, 144), (159, 145), (158, 153)),
    "left": ((387, 373), (386, 374), (385, 380)),
}
LOWER_LID = {"right": 145, "left": 374}
# Lid contours from the outer to the inner corner (MediaPipe indices).
UPPER_LID = {"right": (33, 246, 161, 160, 159, 158, 157, 173, 133),
             "left": (263, 466, 388, 387, 386, 385, 384, 398, 362)}
LOWER_LID_CONTOUR = {"right": (33, 7, 163, 144, 145, 153, 154, 155, 133),
                     "left": (263, 249, 390, 373, 374, 380, 381, 382, 362)}
CORNERS = {"right": (33, 133), "left": (263, 362)}
HIGHLIGHT_MM = 1.5   # grey-level opening: brighter spots smaller than this are removed
SMOOTH_MM = 0.15
REACH_MM = 1.5       # searched either side of the mesh's lid curve
STEP_MM = 0.05
ACROSS_MM = 0.5      # each profile averaged over this length along the lid
BEND_COST = 0.6      # per mm of offset change between neighbouring stations, in gradient units
LID_SPAN = (0.25, 0.75)  # share of each lid's arc length searched
LID_STATIONS = 11
MIDDLE = (1 / 3, 2 / 3)  # share of the corner-to-corner line the opening is read over
OPENING_STATIONS = 9
PIXEL_WEIGHT = 0.5   # the pixels' share of the opening, the mesh's the rest


def eye_opening_px(xy: npt.NDArray[np.float64], side: str) -> float:
    """Mean distance (px) between the mesh's upper and lower lid margins over the
    middle of the ``side`` ("right" or "left") eye, from (478, 2) landmarks."""
    pairs = np.array(LID_PAIRS[side])
    return float(np.mean(np.linalg.norm(xy[pairs[:, 0]] - xy[pairs[:, 1]], axis=1)))


def highlights_removed(rgb: npt.NDArray[np.uint8], mm_per_px: float) -> npt.NDArray[np.float32]:
    """(H, W) float32 grey image with bright spots under ``HIGHLIGHT_MM`` opened away, then
    blurred by ``SMOOTH_MM``: what ``lid_margin`` searches."""
    if mm_per_px <= 0:
        raise ValueError(f"mm_per_px must be positive, got {mm_per_px}")
    grey = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    size = max(3, int(round(HIGHLIGHT_MM / mm_per_px)) | 1)
    opened = cv2.morphologyEx(grey, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    return cv2.GaussianBlur(opened.astype(np.float32), (0, 0), SMOOTH_MM / mm_per_px)


def lid_margin(image: npt.NDArray[np.float32], xy: npt.NDArray[np.float64], side: str, lid: str,
               mm_per_px: float) -> npt.NDArray[np.float64]:
    """The ``lid`` ("upper" or "lower") margin of the ``side`` eye found in the pixels.

    Parameters
    ----------
    image : (H, W) float32
        ``highlights_removed`` of the photo.
    xy : (478, 2) float
        The face mesh's landmarks in the photo's pixels.
    mm_per_px : float
        The photo's scale at the face.

    Returns
    -------
    (LID_STATIONS, 2) float
        Pixels on the margin over ``LID_SPAN`` of the lid, from the outer corner inward.
    """
    contour = xy[list(UPPER_LID[side] if lid == "upper" else LOWER_LID_CONTOUR[side])]
    dense = _resample(contour, 200)
    stations = _resample(dense[int(LID_SPAN[0] * 199):int(LID_SPAN[1] * 199) + 1], LID_STATIONS)
    tangent = np.gradient(stations, axis=0)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    normals = np.column_stack([tangent[:, 1], -tangent[:, 0]])
    outward = -1.0 if lid == "upper" else 1.0  # image y of the direction out of the eye
    normals[np.sign(normals[:, 1]) != outward] *= -1
    offsets_mm = np.arange(-REACH_MM, REACH_MM + STEP_MM / 2, STEP_MM)
    values = profiles(image, stations, normals, offsets_mm / mm_per_px, ACROSS_MM / mm_per_px)
    darkening = np.clip(-np.gradient(values, STEP_MM, axis=1), 0, None)
    scale = float(np.median(darkening.max(axis=1))) or 1.0
    path = _best_path(darkening / scale, BEND_COST * STEP_MM)
    return stations + normals * (offsets_mm[path] / mm_per_px)[:, None]


def _heights(curve: npt.NDArray[np.float64], corners: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Height (px, up the image) of ``curve`` above the corner-to-corner line, at the ``MIDDLE`` stations."""
    outer, inner = corners
    length = float(np.linalg.norm(inner - outer))
    along = (inner - outer) / length
    up = np.array([along[1], -along[0]])
    if up[1] > 0:
        up = -up
    s, h = (curve - outer) @ along, (curve - outer) @ up
    order = np.argsort(s)
    return np.interp(np.linspace(*MIDDLE, OPENING_STATIONS) * length, s[order], h[order])


def refined_eye_opening_px(image: npt.NDArray[np.float32], xy: npt.NDArray[np.float64], side: str,
                           mm_per_px: float) -> float:
    """The ``side`` eye's opening (px): the mean height between the upper and lower margins
    over the middle third, the mesh's and the pixels' readings weighted by ``PIXEL_WEIGHT``.

    ``image`` is ``highlights_removed`` of the photo whose (478, 2) landmarks are ``xy``.
    """
    corners = xy[list(CORNERS[side])]
    mesh = _heights(xy[list(UPPER_LID[side])], corners) - _heights(xy[list(LOWER_LID_CONTOUR[side])], corners)
    pixels = (_heights(lid_margin(image, xy, side, "upper", mm_per_px), corners)
              - _heights(lid_margin(image, xy, side, "lower", mm_per_px), corners))
    return float(np.mean(PIXEL_WEIGHT * pixels + (1 - PIXEL_WEIGHT) * mesh))
