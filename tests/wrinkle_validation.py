"""The wrinkle validation set: lines of known geometry drawn on the astronaut's skin.

Used by ``tests/unit/test_wrinkles.py`` (which asserts) and ``bench/wrinkles.py``
(which prints the figures). Lines are placed from her landmarks where her skin
is visible (her fringe hides most of her forehead and her hair her patient's-
left temple), in physical units through the photo's mm-per-pixel.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from landmarks import Analysis, analyse
from tests.images import astronaut
from tests.synthetic import DrawnLine, camera, draw_lines, line_mask

STRENGTHS = (0.25, 0.5, 1.0, 2.0)
TOLERANCE_PX = 2


@dataclass(frozen=True)
class Case:
    face: np.ndarray
    baseline: Analysis
    lines: list[DrawnLine]


def face_lines(analysis: Analysis) -> list[DrawnLine]:
    """11s in the glabella, a horizontal forehead line, three crow's feet (patient's right)."""
    xy, mm = analysis.landmarks, analysis.mm_per_px
    px = lambda value_mm: value_mm / mm  # noqa: E731
    lines = []
    for head, inward in ((107, 1.0), (336, -1.0)):
        x = xy[head, 0] + inward * px(3.5)
        bottom = xy[168, 1] - px(1.0)
        lines.append(DrawnLine((x, bottom), (x + px(0.5), bottom - px(9)), px(0.7), 0.16))
    y = min(xy[105, 1], xy[334, 1]) - px(5.5)
    lines.append(DrawnLine((xy[105, 0], y), (xy[334, 0], y - px(0.5)), px(0.7), 0.14))
    for angle in (-25, 0, 25):
        a = np.radians(angle)
        start = xy[33] + (-px(5), 0)
        end = start + px(9) * np.array([-np.cos(a), -np.sin(a)])
        lines.append(DrawnLine(tuple(start), tuple(end), px(0.55), 0.14))
    return lines


def build_case(scale: float = 4.0) -> Case:
    face = astronaut(scale)
    baseline = analyse(camera(face))
    return Case(face=face, baseline=baseline, lines=face_lines(baseline))


def precision_recall(detected: np.ndarray, truth: np.ndarray, tolerance_px: int = TOLERANCE_PX) -> tuple[float, float]:
    """Pixel precision and recall, each pixel matched within ``tolerance_px``."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * tolerance_px + 1, 2 * tolerance_px + 1))
    near_truth = cv2.dilate(truth.astype(np.uint8), kernel) > 0
    near_detected = cv2.dilate(detected.astype(np.uint8), kernel) > 0
    precision = float((detected & near_truth).sum() / max(detected.sum(), 1))
    recall = float((truth & near_detected).sum() / max(truth.sum(), 1))
    return precision, recall


def with_lines(case: Case, strength: float, seed: int = 0) -> np.ndarray:
    return camera(draw_lines(case.face, case.lines, strength), seed=seed)


def truth_mask(case: Case, shape=None) -> np.ndarray:
    return line_mask(shape or case.face.shape, case.lines)


def indices(analysis: Analysis) -> dict[str, float]:
    return {name: m.wrinkle_index for name, m in analysis.lines.items()}


def smoothed(rgb: np.ndarray, sigma_px: float = 1.5) -> np.ndarray:
    """Softened skin, as lines look after treatment: shallower, wider valleys."""
    return cv2.GaussianBlur(rgb, (0, 0), sigma_px)
