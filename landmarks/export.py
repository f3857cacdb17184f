"""An ``Analysis`` as plain JSON-safe values (for storage, the API and the CLI)."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np

from landmarks.analysis import Analysis
from landmarks.regions import Region
from landmarks.wrinkles import LineMeasure


def _line_fields(measure: LineMeasure | None) -> dict[str, float | None]:
    if measure is None:
        return {"wrinkle_index": None, "line_depth": None, "line_length_mm": None, "skin_area_cm2": None}
    return asdict(measure)


def analysis_dict(analysis: Analysis) -> dict[str, Any]:
    """JSON-safe dict; coordinates in the analysed image's pixels, rounded to 0.01 px."""
    return {
        "version": analysis.version,
        "face_found": analysis.face_found,
        "reason": analysis.reason,
        "landmarks": None if analysis.landmarks is None else [[round(float(x), 2), round(float(y), 2)]
                                                            for x, y in analysis.landmarks],
        "mm_per_px": analysis.mm_per_px,
        "source_mm_per_px": analysis.source_mm_per_px,
        "measurement_standard": analysis.measurement_standard,
        "pose": None if analysis.pose is None else {
            "yaw": analysis.pose.yaw_deg, "pitch": analysis.pose.pitch_deg, "roll": analysis.pose.roll_deg},
        "quality": None if analysis.quality is None else asdict(analysis.quality),
        "expression_measures": None if analysis.expression is None else asdict(analysis.expression),
        "regions": {
            name: {"polygon": [list(point) for point in region.polygon], "area_mm2": region.area_mm2,
                   **_line_fields(analysis.lines.get(name)), "not_measured": analysis.not_measured.get(name)}
            for name, region in analysis.regions.items()
        },
        "face_box": None if analysis.face_box is None else list(analysis.face_box),
        "warnings": [{"code": w.code, "message": w.message} for w in analysis.warnings],
    }


def analysis_from_dict(data: dict[str, Any]) -> Analysis:
    """The parts of a stored analysis needed to draw it again (regions, landmarks)."""
    regions = {name: Region(name=name, polygon=tuple(tuple(p) for p in r["polygon"]), area_mm2=r.get("area_mm2", 0.0))
               for name, r in (data.get("regions") or {}).items()}
    landmarks = None if data.get("landmarks") is None else np.asarray(data["landmarks"], dtype=np.float64)
    return Analysis(version=data.get("version", 0), face_found=bool(data.get("face_found")), width=0, height=0,
                    landmarks=landmarks, mm_per_px=data.get("mm_per_px"), regions=regions)
