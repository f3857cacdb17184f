"""An ``Analysis`` as plain JSON-safe values (for storage, the API and the CLI)."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from landmarks.analysis import Analysis
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
        "pose": None if analysis.pose is None else {
            "yaw": analysis.pose.yaw_deg, "pitch": analysis.pose.pitch_deg, "roll": analysis.pose.roll_deg},
        "quality": None if analysis.quality is None else asdict(analysis.quality),
        "expression_measures": None if analysis.expression is None else asdict(analysis.expression),
        "regions": {
            name: {"polygon": [list(point) for point in region.polygon], "area_mm2": region.area_mm2,
                   **_line_fields(analysis.lines.get(name))}
            for name, region in analysis.regions.items()
        },
        "face_box": None if analysis.face_box is None else list(analysis.face_box),
        "warnings": [{"code": w.code, "message": w.message} for w in analysis.warnings],
    }
