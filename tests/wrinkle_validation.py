"""The wrinkle validation set: lines of known geometry drawn on the astronaut's skin.

Its ``bare_forehead`` gives ``bench/measure.py`` a second face
(with her hair held back). Lines are placed from her landmarks where her skin
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


def face_lines(analysis: Analysis, *, bare: bool = False) -> list[DrawnLine]:
    """11s in the glabella, forehead lines, three crow's feet (patient's right).

    The forehead gets one line in the strip between her brows and her fringe,
    or three across a bared forehead (10, 17 and 24 mm above the brows).
    """
    xy, mm = analysis.landmarks, analysis.mm_per_px
    px = lambda value_mm: value_mm / mm  # noqa: E731
    lines = []
    for side in (-1.0, 1.0):  # 5 mm either side of the midline, where frown lines run
        x = xy[168, 0] + side * px(5)
        bottom = xy[168, 1] - px(1.0)
        lines.append(DrawnLine((x, bottom), (x + px(0.5), bottom - px(9)), px(0.7), 0.16))
    brow_top = min(xy[105, 1], xy[334, 1])
    for height_mm in ((10.0, 17.0, 24.0) if bare else (5.5,)):
        y = brow_top - px(height_mm)
        lines.append(DrawnLine((xy[105, 0], y), (xy[334, 0], y - px(0.5)), px(0.7), 0.14))
    for angle in (-25, 0, 25):
        a = np.radians(angle)
        start = xy[33] + (-px(5), 0)
        end = start + px(9) * np.array([-np.cos(a), -np.sin(a)])
        lines.append(DrawnLine(tuple(start), tuple(end), px(0.55), 0.14))
    return lines


def bare_forehead(face: np.ndarray, analysis: Analysis, seed: int = 0) -> np.ndarray:
    """Her face with the fringe replaced by skin, as on a clinical photo with the
    hair held back: a dome of her own skin from the brows to 50 mm above them.

    The skin is the colour of the strip above her brows and the texture of her
    cheek: the fine detail (log, above a 2 px blur) of a clear patch, upscaled
    twice, laid as tiles flipped at random and cross-faded so no seam shows.
    """
    xy, mm = analysis.landmarks, analysis.mm_per_px
    px = lambda value_mm: value_mm / mm  # noqa: E731
    brow_top = float(min(xy[105, 1], xy[334, 1]))
    centre = float(xy[9, 0])
    half_width = abs(float(xy[300, 0] - xy[70, 0])) / 2 + px(6)
    base_y = brow_top - px(2)
    strip = face[int(brow_top - px(4)):int(brow_top - px(1)), int(centre - px(15)):int(centre + px(15))]
    colour = np.median(strip.reshape(-1, 3), axis=0).astype(np.float32)

    patch = np.log1p(face[468:512, 722:802].astype(np.float32))  # her cheek, clear of the smile folds
    patch = cv2.resize(patch, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    detail = patch - cv2.GaussianBlur(patch, (0, 0), 4)
    height, width = face.shape[:2]
    texture = np.zeros((height, width, 3), np.float32)
    coverage = np.zeros((height, width), np.float32)
    tile_h, tile_w = detail.shape[:2]
    fade = np.outer(np.hanning(tile_h), np.hanning(tile_w)).astype(np.float32) + 1e-3
    rng = np.random.default_rng(seed)
    for top in range(max(0, int(base_y - px(55))), int(base_y) + 1, tile_h // 2):
        for left in range(max(0, int(centre - half_width - tile_w)), int(centre + half_width) + 1, tile_w // 2):
            tile = detail[::rng.choice((-1, 1)), ::rng.choice((-1, 1))]
            h, w = min(tile_h, height - top), min(tile_w, width - left)
            texture[top:top + h, left:left + w] += (tile * fade[..., None])[:h, :w]
            coverage[top:top + h, left:left + w] += fade[:h, :w]
    texture /= np.maximum(coverage, 1e-3)[..., None]
    # Slight shading: a forehead turns away from the light towards the temples and the hairline.
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    u, v = (xs - centre) / half_width, (base_y - ys) / px(50)
    skin = colour * (1 - 0.08 * u ** 2 - 0.05 * v)[..., None] * np.exp(texture)
    dome = ((u ** 2 + np.clip(v, 0, None) ** 2) <= 1) & (ys <= base_y)
    alpha = cv2.GaussianBlur(dome.astype(np.float32), (0, 0), px(1.5))[..., None]
    return np.clip(face * (1 - alpha) + skin * alpha, 0, 255).astype(np.uint8)


def build_case(scale: float = 4.0, *, bare: bool = False) -> Case:
    """Her face at ``scale`` with lines to draw; ``bare``: with the forehead
    bared (see ``bare_forehead``) and three lines across it."""
    face = astronaut(scale)
    if bare:
        face = bare_forehead(face, analyse(camera(face)))
    baseline = analyse(camera(face))
    return Case(face=face, baseline=baseline, lines=face_lines(baseline, bare=bare))


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
