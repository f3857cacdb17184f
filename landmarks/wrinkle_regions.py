"""Wrinkle measures of a face's treatment regions (see ``wrinkles`` for the filter).

The face window is resampled once to the canonical scale; each region then
gets its own expected line direction and its own allowed skin: the region,
minus anything that is not skin (grown by a margin so the edge of hair or
of the photo never reads as a valley), minus the brows and the eyes.
"""
from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from landmarks.anatomy import (
    LEFT_BROW_LOWER,
    LEFT_BROW_UPPER,
    LEFT_EYE_CONTOUR,
    LEFT_EYE_OUTER,
    RIGHT_BROW_LOWER,
    RIGHT_BROW_UPPER,
    RIGHT_EYE_CONTOUR,
    RIGHT_EYE_OUTER,
    FaceFrame,
)
from landmarks.masks import dilate, polygon_mask
from landmarks.regions import Region
from landmarks.wrinkles import (
    CANONICAL_MM_PER_PX,
    SIGMAS_MM,
    RegionLines,
    equalise_resolution,
    expected_directions,
    line_map,
    log_luminance,
    measure,
)

NON_SKIN_MARGIN_MM = 2.0  # hair tips and strands at the hairline's edge
BROW_MARGIN_MM = 1.5
EYE_MARGIN_MM = 3.0


def _window(regions: dict[str, Region], shape: tuple[int, int], margin_px: float) -> tuple[int, int, int, int]:
    points = np.vstack([np.asarray(r.polygon) for r in regions.values() if r.polygon])
    left, top = np.floor(points.min(axis=0) - margin_px).astype(int)
    right, bottom = np.ceil(points.max(axis=0) + margin_px).astype(int)
    return max(0, left), max(0, top), min(shape[1], right), min(shape[0], bottom)


def _excluded(shape: tuple[int, int], xy: npt.NDArray[np.float64], skin: npt.NDArray[np.bool_],
              px_per_mm: float) -> npt.NDArray[np.bool_]:
    """Non-skin, brows and eyes, each grown by its margin (window pixels)."""
    excluded = dilate(~skin, NON_SKIN_MARGIN_MM * px_per_mm)
    for upper, lower in ((RIGHT_BROW_UPPER, RIGHT_BROW_LOWER), (LEFT_BROW_UPPER, LEFT_BROW_LOWER)):
        brow = polygon_mask(shape, xy[list(upper) + list(lower[::-1])])
        excluded |= dilate(brow, BROW_MARGIN_MM * px_per_mm)
    for contour in (RIGHT_EYE_CONTOUR, LEFT_EYE_CONTOUR):
        excluded |= dilate(polygon_mask(shape, xy[list(contour)]), EYE_MARGIN_MM * px_per_mm)
    return excluded


def measure_regions(rgb: npt.NDArray[np.uint8], frame: FaceFrame, xy: npt.NDArray[np.float64],
                    regions: dict[str, Region], skin: npt.NDArray[np.bool_]) -> RegionLines:
    """Line maps and wrinkle measures of every visible region.

    Parameters
    ----------
    rgb : (H, W, 3) uint8, the analysed image.
    frame : the face frame (its ``mm_per_px`` sets the resampling).
    xy : (478, 2) landmarks in image pixels.
    regions : from ``treatment_regions``.
    skin : (H, W) bool skin mask of the image.
    """
    names = tuple(regions)
    label_map = np.zeros(rgb.shape[:2], np.uint8)
    visible = {name: r for name, r in regions.items() if r.polygon}
    measured = np.zeros(rgb.shape[:2], bool)
    if not visible:
        return RegionLines(measures={}, names=names, label_map=label_map, measured=measured)
    margin_px = 4 * max(SIGMAS_MM) / frame.mm_per_px
    left, top, right, bottom = _window(visible, rgb.shape[:2], margin_px)
    factor = frame.mm_per_px / CANONICAL_MM_PER_PX  # image px -> canonical px
    size = (max(1, round((right - left) * factor)), max(1, round((bottom - top) * factor)))
    crop = rgb[top:bottom, left:right]
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    canonical = cv2.resize(crop, size, interpolation=interpolation)
    shape = (size[1], size[0])
    to_window = lambda points: (np.asarray(points, np.float64) - (left, top)) * factor  # noqa: E731
    window_xy = to_window(xy)
    window_skin = cv2.resize(skin[top:bottom, left:right].astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    allowed_skin = ~_excluded(shape, window_xy, window_skin, 1.0 / CANONICAL_MM_PER_PX)
    log_lum = equalise_resolution(log_luminance(canonical), frame.mm_per_px)

    horizontal = float(np.arctan2(frame.x_axis[1], frame.x_axis[0]))
    vertical = float(np.arctan2(frame.up_axis[1], frame.up_axis[0]))
    measures = {}
    window_labels = np.zeros(shape, np.uint8)
    window_measured = np.zeros(shape, bool)
    for index, name in enumerate(names):
        if name not in visible:
            continue
        allowed = polygon_mask(shape, to_window(visible[name].polygon)) & allowed_skin
        if name == "forehead":
            expected = expected_directions(shape, "axis", axis_angle=horizontal)
        elif name == "glabella":
            expected = expected_directions(shape, "axis", axis_angle=vertical)
        else:
            canthus = window_xy[LEFT_EYE_OUTER if name.endswith("left") else RIGHT_EYE_OUTER]
            expected = expected_directions(shape, "radial", centre=(float(canthus[0]), float(canthus[1])))
        lines = line_map(log_lum, allowed, expected)
        result = measure(lines, allowed)
        if result is None:
            continue
        measures[name] = result
        window_measured |= allowed
        window_labels[lines.mask & (window_labels == 0)] = index + 1
    size_back = (right - left, bottom - top)
    label_map[top:bottom, left:right] = cv2.resize(window_labels, size_back, interpolation=cv2.INTER_NEAREST)
    measured[top:bottom, left:right] = cv2.resize(window_measured.astype(np.uint8), size_back,
                                                  interpolation=cv2.INTER_NEAREST) > 0
    return RegionLines(measures=measures, names=names, label_map=label_map, measured=measured)
