"""Physical scale from the iris: millimetres per image pixel.

The horizontal visible iris diameter varies little between adults (about
11.7 mm, SD about 0.5 mm), which makes it the usual ruler in face photos
without a calibration target.

References
----------
.. [1] Rüfer F, Schröder A, Erb C. White-to-white corneal diameter. Cornea 2005;24:259-61.
"""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

from landmarks.anatomy import LEFT_IRIS_RIM, RIGHT_IRIS_RIM

IRIS_DIAMETER_MM = 11.7


def iris_diameter_px(xy: npt.NDArray[np.float64]) -> float:
    """Mean iris diameter over both eyes, in pixels.

    Each iris's diameter is the larger of its two rim-to-rim spans: turning the
    head foreshortens the horizontal span and lids hide the vertical one, but
    neither makes an iris look larger than it is.
    """
    diameters = []
    for rim in (RIGHT_IRIS_RIM, LEFT_IRIS_RIM):
        p = xy[list(rim)]
        spans = (np.linalg.norm(p[0] - p[2]), np.linalg.norm(p[1] - p[3]))
        diameters.append(max(spans))
    return float(np.mean(diameters))


def mm_per_px(xy: npt.NDArray[np.float64], *, iris_diameter_mm: float = IRIS_DIAMETER_MM) -> float:
    """Millimetres per pixel of the image the landmarks ``xy`` (478, 2) are in."""
    diameter = iris_diameter_px(xy)
    if diameter <= 0:
        raise ValueError("degenerate iris landmarks")
    return iris_diameter_mm / diameter
