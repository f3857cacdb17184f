"""Regions drawn onto the photo, for the command line and printed reports."""
from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from landmarks.analysis import Analysis

# RGB, the same colours as the web overlay.
REGION_COLOURS = {
    "forehead": (242, 183, 5),
    "glabella": (214, 51, 108),
    "crows_feet_left": (47, 158, 68),
    "crows_feet_right": (28, 126, 214),
}


def draw_regions(rgb: npt.NDArray[np.uint8], analysis: Analysis, *, mesh: bool = False,
                 lines: bool = False) -> npt.NDArray[np.uint8]:
    """A copy of ``rgb`` (H, W, 3), the analysed working image, with region
    outlines (and optionally mesh points and the detected lines)."""
    out = rgb.copy()
    if lines and analysis.line_map is not None:
        for index, name in enumerate(analysis.regions):
            out[analysis.line_map == index + 1] = REGION_COLOURS[name]
    thickness = max(2, round(max(rgb.shape[:2]) / 600))
    if mesh and analysis.landmarks is not None:
        for x, y in np.round(analysis.landmarks).astype(int):
            cv2.circle(out, (int(x), int(y)), max(1, thickness // 2), (125, 249, 255), -1)
    for name, region in analysis.regions.items():
        if region.polygon:
            points = np.round(np.asarray(region.polygon)).astype(np.int32)
            cv2.polylines(out, [points], True, REGION_COLOURS[name], thickness, cv2.LINE_AA)
    return out


def draw_sites(rgb: npt.NDArray[np.uint8], sites: list[tuple[str, float, float, float]]) -> npt.NDArray[np.uint8]:
    """A copy of ``rgb`` with injection sites: (region, x, y, units) as numbered dots
    (the numbers are the rows of the units table beside the image)."""
    out = rgb.copy()
    radius = max(3, round(max(rgb.shape[:2]) / 320))
    scale = radius / 9
    for number, (region, x, y, _units) in enumerate(sites, start=1):
        centre = (int(round(x)), int(round(y)))
        cv2.circle(out, centre, radius, (255, 255, 255), -1, cv2.LINE_AA)
        cv2.circle(out, centre, radius, REGION_COLOURS.get(region, (0, 0, 0)), max(1, radius // 3), cv2.LINE_AA)
        origin = (centre[0] + radius + 1, centre[1] + radius)
        cv2.putText(out, str(number), origin, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), max(2, radius // 2), cv2.LINE_AA)
        cv2.putText(out, str(number), origin, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv2.LINE_AA)
    return out
