"""Wrinkle measurement on the validation set: accuracy, invariance, timing.

Lines of known position, width and depth are drawn on the astronaut's skin
(see tests/wrinkle_validation.py) at several strengths, on two faces: hers
as photographed (her fringe leaves a strip of forehead under 1 cm tall) and
hers with the forehead bared as on a clinical photo. For each, prints the
pixel precision and recall of the line map (2-pixel tolerance), the index
per strength (the unmodified photo first, as the baseline), the change at
half resolution, at +-20 % exposure and after smoothing; then the time per
photo and per region.

    python bench/wrinkles.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from bench._photo import median_seconds  # noqa: E402
from landmarks import analyse  # noqa: E402
from landmarks.anatomy import FaceFrame  # noqa: E402
from landmarks.mesh import detect_faces  # noqa: E402
from landmarks.regions import treatment_regions  # noqa: E402
from landmarks.scale import mm_per_px  # noqa: E402
from landmarks.skin import skin_mask  # noqa: E402
from landmarks.wrinkle_regions import measure_regions  # noqa: E402
from tests.wrinkle_validation import (  # noqa: E402
    STRENGTHS,
    Case,
    build_case,
    indices,
    precision_recall,
    smoothed,
    truth_mask,
    with_lines,
)

REGIONS = ("forehead", "glabella", "crows_feet_right")


def _row(label: str, values: dict[str, float], reference: dict[str, float] | None = None) -> str:
    cells = []
    for name in REGIONS:
        value = values.get(name)
        text = "   -  " if value is None else f"{value:6.2f}"
        if reference and value is not None and reference.get(name):
            text += f" ({(value - reference[name]) / reference[name] * 100:+5.1f}%)"
        cells.append(f"{text:>17}")
    return f"{label:<22}" + "".join(cells)


def report(case: Case, title: str) -> None:
    truth = truth_mask(case)
    print(f"\n{title}: astronaut x4, {case.baseline.mm_per_px:.3f} mm/px; wrinkle index in mm of line per cm2")
    print(f"{'':<22}" + "".join(f"{name:>17}" for name in REGIONS))
    print(_row("baseline (no lines)", indices(case.baseline)))
    results = {}
    for strength in STRENGTHS:
        results[strength] = analyse(with_lines(case, strength))
        precision, recall = precision_recall(results[strength].line_map > 0, truth & results[strength].measured_map)
        print(_row(f"strength {strength:<4} P {precision:.2f} R {recall:.2f}", indices(results[strength])))
    image = with_lines(case, 1.0)
    reference = indices(results[1.0])
    half = analyse(cv2.resize(image, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA))
    print(_row("half resolution", indices(half), reference))
    for gain in (0.8, 1.2):
        changed = analyse(np.clip(image.astype(np.float32) * gain, 0, 255).astype(np.uint8))
        flagged = [w.code.removesuffix("_blown_out") for w in changed.warnings if w.code.endswith("_blown_out")]
        print(_row(f"exposure x{gain}", indices(changed), reference)
              + (f"   flagged blown out: {', '.join(flagged)}" if flagged else ""))
    print(_row("smoothed (treated)", indices(analyse(smoothed(image))), reference))


def main() -> None:
    report(build_case(), "Under her fringe")
    case = build_case(bare=True)
    report(case, "Forehead bared")
    image = with_lines(case, 1.0)
    whole = median_seconds(lambda: analyse(image), 5)
    mesh = detect_faces(image).faces[0]
    scale = mm_per_px(mesh.xy)
    frame = FaceFrame.from_landmarks(mesh.xy, scale)
    skin = skin_mask(image, mesh.xy, float(np.linalg.norm(mesh.xy[468] - mesh.xy[473])))
    regions = treatment_regions(frame, mesh.xy, skin)
    lines = median_seconds(lambda: measure_regions(image, frame, mesh.xy, regions, skin), 5)
    visible = sum(1 for r in regions.values() if r.polygon)
    print(f"time per photo (whole analysis, {image.shape[1]}x{image.shape[0]}): {whole * 1000:.0f} ms")
    print(f"wrinkle measurement: {lines * 1000:.0f} ms for {visible} regions, {lines * 1000 / visible:.0f} ms per region")


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"(bench ran {time.perf_counter() - start:.0f} s)")
