"""The whole analysis of one photo: mesh, scale, pose, quality, expression, regions.

``analyse`` is what ingestion calls once per photo. Landmarks, skin and regions
are found on a working copy (the display image, at most 2048 px), where more
pixels only cost time; wrinkle lines are measured on the original at its own
resolution, at the measurement standard (see ``wrinkles``). Every coordinate is
reported in the working copy's pixels. ``ANALYSIS_VERSION`` changes whenever the
output would change, so stored analyses can be recomputed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from landmarks.anatomy import FACE_OVAL, LEFT_IRIS_CENTRE, RIGHT_IRIS_CENTRE, FaceFrame
from landmarks.expression import ExpressionMeasures, expression_measures
from landmarks.frontal import FrontalFace
from landmarks.masks import polygon_mask
from landmarks.mesh import detect_faces
from landmarks.pose import Pose, head_pose
from landmarks.quality import (
    Quality,
    QualityLimits,
    Warning,
    measure_quality,
    quality_warnings,
)
from landmarks.regions import Region, treatment_regions
from landmarks.scale import IRIS_DIAMETER_MM, iris_diameter_px, mm_per_px
from landmarks.skin import skin_mask
from landmarks.wrinkle_regions import measure_regions
from landmarks.wrinkles import (
    COARSEST_MM_PER_PX,
    MEASUREMENT_STANDARD,
    MIN_SKIN_AREA_CM2,
    LineMeasure,
    blown_out,
    meets_standard,
    photometric_scale,
)

ANALYSIS_VERSION = 14
WORKING_LONG_SIDE_PX = 2048
# Above this share of a region's measured skin blown out to white, its index
# is flagged: lines in a blown-out patch cannot be seen.
BLOWN_OUT_LIMIT = 0.05


@dataclass(frozen=True)
class Analysis:
    """Everything measured on one photo, in the analysed image's pixels.

    ``landmarks`` is (478, 2) pixels when ``face_found``; otherwise most fields
    are None and ``reason`` says why. ``lines`` holds each visible region's
    wrinkle measures; ``line_map`` (H, W) uint8 labels line pixels with 1 + the
    region's index in ``regions``; ``measured_map`` (H, W) bool is the skin
    whose lines were measured. ``source_mm_per_px`` is the original photo's
    scale; ``measurement_standard`` names the method and standard the indices
    were measured at (None when the photo cannot reach it: no index then).
    ``not_measured`` says in plain words, per region without an index, why: it
    stands in that region's row wherever the indices are shown.
    """

    version: int
    face_found: bool
    width: int
    height: int
    reason: str | None = None
    landmarks: npt.NDArray[np.float64] | None = None
    mm_per_px: float | None = None
    source_mm_per_px: float | None = None
    measurement_standard: str | None = None
    pose: Pose | None = None
    quality: Quality | None = None
    expression: ExpressionMeasures | None = None
    regions: dict[str, Region] = field(default_factory=dict)
    face_box: tuple[int, int, int, int] | None = None
    lines: dict[str, LineMeasure] = field(default_factory=dict)
    line_map: npt.NDArray[np.uint8] | None = None
    measured_map: npt.NDArray[np.bool_] | None = None
    warnings: tuple[Warning, ...] = ()
    not_measured: dict[str, str] = field(default_factory=dict)


def _face_box(xy: npt.NDArray[np.float64], regions: dict[str, Region], width: int, height: int,
              margin: float = 0.08) -> tuple[int, int, int, int]:
    """(x, y, w, h) pixels framing the face and its regions, for a zoomed view."""
    points = np.vstack([xy] + [np.asarray(r.polygon) for r in regions.values() if r.polygon])
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = margin * (hi - lo)
    x0, y0 = np.maximum(np.floor(lo - pad), 0).astype(int)
    x1, y1 = np.minimum(np.ceil(hi + pad), (width, height)).astype(int)
    return int(x0), int(y0), int(x1 - x0), int(y1 - y0)


def _blown_out_share(blown: npt.NDArray[np.bool_], region: Region, skin: npt.NDArray[np.bool_]) -> float:
    """Share of a region's skin that is ``blown`` (clipped in the line channel;
    such skin is left out of the measurement, so the index covers less)."""
    inside = polygon_mask(skin.shape, np.asarray(region.polygon)) & skin
    count = int(inside.sum())
    return float(blown[inside].sum()) / count if count else 0.0


def working_copy(rgb: npt.NDArray[np.uint8], long_side_px: int = WORKING_LONG_SIDE_PX) -> npt.NDArray[np.uint8]:
    """``rgb`` bounded to ``long_side_px`` (area-averaged), or itself when smaller."""
    factor = long_side_px / max(rgb.shape[:2])
    if factor >= 1:
        return rgb
    size = (max(1, round(rgb.shape[1] * factor)), max(1, round(rgb.shape[0] * factor)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def _below_standard(source_mm_per_px: float) -> Warning:
    needed_iris_px = IRIS_DIAMETER_MM / COARSEST_MM_PER_PX
    found_iris_px = IRIS_DIAMETER_MM / source_mm_per_px
    return Warning("below_measurement_standard",
                   f"Lines are measured at {COARSEST_MM_PER_PX} mm per pixel or finer (an iris of at least "
                   f"{needed_iris_px:.0f} px); this photo has {source_mm_per_px:.2f} mm per pixel at the face "
                   f"(iris {found_iris_px:.0f} px), so no wrinkle index is given. Regions, plans and comparisons "
                   "still work. Take the photo closer or at a higher resolution.")


def analyse(rgb: npt.NDArray[np.uint8], *, working: npt.NDArray[np.uint8] | None = None,
            limits: QualityLimits = QualityLimits()) -> Analysis:
    """Analyse an (H, W, 3) uint8 RGB photo; never raises for a photo without a face.

    ``rgb`` is the original at its own resolution; ``working`` the same view
    smaller (the display image), in whose pixels everything is reported
    (default: ``working_copy(rgb)``).
    """
    if working is None:
        working = working_copy(rgb)
    original, rgb = rgb, working
    height, width = rgb.shape[:2]
    faces = detect_faces(rgb, symmetric=True).faces
    if not faces:
        return Analysis(version=ANALYSIS_VERSION, face_found=False, width=width, height=height,
                        reason="No face was found in this photo.",
                        warnings=(Warning("no_face", "No face was found in this photo."),))
    warnings: list[Warning] = []
    if len(faces) > 1:
        warnings.append(Warning("several_faces",
                                f"{len(faces)} faces were found; the largest was analysed."))
    mesh = faces[0]
    xy = mesh.xy
    scale = mm_per_px(xy)
    frame = FaceFrame.from_landmarks(xy, scale)
    iod_px = float(np.linalg.norm(xy[LEFT_IRIS_CENTRE] - xy[RIGHT_IRIS_CENTRE]))
    pose = head_pose(mesh.points)
    quality = measure_quality(rgb, xy, iod_px, iris_diameter_px(xy))
    warnings.extend(quality_warnings(quality, pose, limits))
    skin = skin_mask(rgb, xy, iod_px)
    regions = treatment_regions(frame, xy, skin, FrontalFace.from_points(frame, mesh.points, pose.yaw_deg))
    source_mm_per_px = scale * width / original.shape[1]
    # Taken on the whole face's skin, not on the regions' window, so that no region's
    # number depends on what else is in view (see ``measure_regions``).
    photometric = photometric_scale(rgb, skin & polygon_mask(skin.shape, xy[list(FACE_OVAL)]))
    lines = measure_regions(original, source_mm_per_px, frame, xy, regions, skin, photometric)
    measured_at_standard = meets_standard(source_mm_per_px)
    if not measured_at_standard:
        warnings.append(_below_standard(source_mm_per_px))
    blown = blown_out(rgb)
    not_measured: dict[str, str] = {}
    for region in regions.values():
        label = region.name.replace("_", " ").replace("crows", "crow's")
        if not region.polygon:
            not_measured[region.name] = "hidden by hair or outside the photo"
            warnings.append(Warning(f"{region.name}_hidden", f"The {label} region is not visible (hair or framing)."))
        elif not measured_at_standard:
            not_measured[region.name] = "photo too coarse to measure lines"
        elif region.name not in lines.measures:
            not_measured[region.name] = f"less than {MIN_SKIN_AREA_CM2:g} cm² of skin visible"
            warnings.append(Warning(f"{region.name}_not_measured",
                                    f"Too little skin of the {label} region is visible to measure its lines."))
        elif (share := _blown_out_share(blown, region, skin)) > BLOWN_OUT_LIMIT:
            warnings.append(Warning(f"{region.name}_blown_out",
                                    f"{share:.0%} of the {label} region is blown out to white: lines there "
                                    "cannot be seen, so its wrinkle index reads low. Retake with less light."))
    return Analysis(
        version=ANALYSIS_VERSION, face_found=True, width=width, height=height,
        landmarks=xy, mm_per_px=round(scale, 5), source_mm_per_px=round(source_mm_per_px, 5),
        measurement_standard=MEASUREMENT_STANDARD if measured_at_standard else None, pose=pose, quality=quality,
        expression=expression_measures(frame, xy), regions=regions,
        face_box=_face_box(xy, regions, width, height), lines=lines.measures, line_map=lines.label_map,
        measured_map=lines.measured,
        warnings=tuple(warnings), not_measured=not_measured,
    )
