"""The analysis as JSON: the stored form and the API's ``analysis`` object."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from landmarks import Analysis


def analysis_to_json(analysis: Analysis) -> dict[str, Any]:
    """JSON-safe dict of an ``Analysis``; coordinates are display-image pixels."""
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
                   "wrinkle_index": None, "line_depth": None}
            for name, region in analysis.regions.items()
        },
        "warnings": [{"code": w.code, "message": w.message} for w in analysis.warnings],
    }


def photo_to_json(photo) -> dict[str, Any]:
    return {
        "id": photo.id,
        "patient_id": photo.patient_id,
        "visit_id": photo.visit_id,
        "expression": photo.expression,
        "taken_at": photo.taken_at.isoformat(),
        "width": photo.width,
        "height": photo.height,
        "content_type": photo.content_type,
        "sha256": photo.sha256,
        "analysis": photo.analysis,
    }
