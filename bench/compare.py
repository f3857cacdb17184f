"""Alignment error over random known similarity transforms, and comparison time.

A photo (the astronaut at 4x) and copies of it moved by random rotations
(+-12 deg), scalings (0.75-1.3) and shifts (+-100 px) are aligned back; prints
the mean landmark error of the recovered transform in pixels and mm, the
residual the app reports (the aligned images' remaining misalignment), and the time to build a comparison
(alignment + refinement) and to render its side-by-side image.

    python bench/compare.py [--pairs 10]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from landmarks import analyse  # noqa: E402
from landmarks.align import Similarity, align_photos, warp  # noqa: E402
from landmarks.compose import side_by_side  # noqa: E402
from tests.images import astronaut  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=10)
    pairs = parser.parse_args().pairs
    face = astronaut(4.0)
    base = analyse(face)
    rng = np.random.default_rng(7)
    errors_px, errors_mm, residuals, align_times, render_times = [], [], [], [], []
    for _ in range(pairs):
        angle, scale, shift = rng.uniform(-12, 12), rng.uniform(0.75, 1.3), rng.uniform(-100, 100, 2)
        matrix = cv2.getRotationMatrix2D((face.shape[1] / 2, face.shape[0] / 2), angle, scale)
        matrix[:, 2] += shift
        moved = cv2.warpAffine(face, matrix, face.shape[1::-1], borderMode=cv2.BORDER_REFLECT)
        other = analyse(moved)
        start = time.perf_counter()
        alignment = align_photos(face, moved, base.landmarks, other.landmarks, base.mm_per_px)
        align_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        side_by_side(warp(face, alignment.before, "upper"), warp(moved, alignment.after, "upper"),
                     ("Before", ""), ("After", ""))
        render_times.append(time.perf_counter() - start)
        back = alignment.after.then(alignment.before.inverse())
        error = np.linalg.norm(back.apply(Similarity(matrix).apply(base.landmarks)) - base.landmarks, axis=1).mean()
        errors_px.append(error)
        errors_mm.append(error * base.mm_per_px)
        residuals.append(alignment.residual_mm)
    print(f"{pairs} random similarity transforms of a {face.shape[1]} px photo ({base.mm_per_px:.3f} mm/px)")
    print(f"alignment error  mean {statistics.mean(errors_px):.3f} px  max {max(errors_px):.3f} px"
          f"  | mean {statistics.mean(errors_mm):.3f} mm  max {max(errors_mm):.3f} mm")
    print(f"reported residual (aligned images) median {statistics.median(residuals):.2f} mm")
    print(f"align + refine   median {statistics.median(align_times) * 1000:.0f} ms")
    print(f"render side-by-side median {statistics.median(render_times) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
