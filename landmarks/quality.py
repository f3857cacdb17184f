"""Photo quality checks: face size, sharpness, exposure and head pose.

Each check returns warnings (a stable ``code`` and a sentence for the
injector), never exceptions: a poor photo is still a record, only not one to
compare or measure.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from landmarks.anatomy import FACE_OVAL
from landmarks.masks import polygon_mask
from landmarks.pose import Pose


@dataclass(frozen=True)
class Warning:
    code: str
    message: str


@dataclass(frozen=True)
class QualityLimits:
    """Where a photo stops being fit for clinical comparison; all configurable."""

    max_yaw_deg: float = 12.0
    max_pitch_deg: float = 15.0
    max_roll_deg: float = 10.0
    min_iris_px: float = 20.0       # below this the line analysis has under ~2 px per 1 mm
    min_sharpness: float = 0.08     # see ``sharpness``
    max_mean_luminance: float = 0.82
    min_mean_luminance: float = 0.22
    max_clipped_fraction: float = 0.05


@dataclass(frozen=True)
class Quality:
    iris_px: float
    sharpness: float
    mean_luminance: float
    highlight_fraction: float
    shadow_fraction: float


_NORMALISED_IOD_PX = 64


def _face_mask(shape: tuple[int, int], xy: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    return polygon_mask(shape, xy[list(FACE_OVAL)])


def sharpness(gray: npt.NDArray[np.uint8], xy: npt.NDArray[np.float64], iod_px: float) -> float:
    """Fine detail of the face, independent of resolution and exposure.

    The face is resampled so the eyes are 64 px apart (a face is then about
    150 px wide), and the Laplacian's spread is divided by the spread of the
    intensities themselves: blur lowers the first, a gain change scales both.
    """
    factor = _NORMALISED_IOD_PX / iod_px
    small = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA).astype(np.float32)
    mask = _face_mask(small.shape, xy * factor)
    if mask.sum() < 100:
        return 0.0
    laplacian = cv2.Laplacian(small, cv2.CV_32F)
    spread = float(small[mask].std())
    return round(float(laplacian[mask].std()) / max(spread, 1.0), 4)


def measure_quality(rgb: npt.NDArray[np.uint8], xy: npt.NDArray[np.float64], iod_px: float,
                    iris_px: float) -> Quality:
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    face = gray[_face_mask(gray.shape, xy)]
    return Quality(
        iris_px=round(iris_px, 1),
        sharpness=sharpness(gray, xy, iod_px),
        mean_luminance=round(float(face.mean()) / 255, 3),
        highlight_fraction=round(float((face >= 250).mean()), 4),
        shadow_fraction=round(float((face <= 5).mean()), 4),
    )


def quality_warnings(quality: Quality, pose: Pose, limits: QualityLimits) -> list[Warning]:
    warnings = []
    if quality.iris_px < limits.min_iris_px:
        warnings.append(Warning("face_too_small", (
            f"The face is too small for wrinkle analysis (iris {quality.iris_px:.0f} px, "
            f"at least {limits.min_iris_px:.0f} px needed): move closer or use a higher resolution.")))
    if quality.sharpness < limits.min_sharpness:
        warnings.append(Warning("blurred", "The face looks blurred: check focus and hold the camera still."))
    if quality.mean_luminance > limits.max_mean_luminance or quality.highlight_fraction > limits.max_clipped_fraction:
        warnings.append(Warning("overexposed", "The face is overexposed: reduce the light or the exposure."))
    if quality.mean_luminance < limits.min_mean_luminance or quality.shadow_fraction > limits.max_clipped_fraction:
        warnings.append(Warning("underexposed", "The face is underexposed: add light or increase the exposure."))
    for axis, value, limit, what in (
        ("yaw", pose.yaw_deg, limits.max_yaw_deg, "turned"),
        ("pitch", pose.pitch_deg, limits.max_pitch_deg, "tilted up or down"),
        ("roll", pose.roll_deg, limits.max_roll_deg, "tilted sideways"),
    ):
        if abs(value) > limit:
            warnings.append(Warning(f"pose_{axis}", (
                f"The head is {what} by {abs(value):.0f} degrees (limit {limit:.0f}): "
                "retake the photo facing the camera.")))
    return warnings
