"""The astronaut as a second validation face, and pixel precision and recall.

Its ``bare_forehead`` gives ``bench/measure.py`` a second face (with her hair
held back: her fringe hides most of her forehead); ``precision_recall`` scores
a line map against lines drawn where they are known.
"""
from __future__ import annotations

import cv2
import numpy as np

from landmarks import Analysis

TOLERANCE_PX = 2


def bare_forehead(face: np.ndarray, analysis: Analysis, seed: int = 0) -> np.ndarray:
    """Her face with the fringe replaced by skin, as on a clinical photo with the
    hair held back: a dome of her own skin from the brows to 50 mm above them.

    The skin is the colour of the strip above her brows and the texture of her
    cheek: the fine detail (log, above a 2 px blur) of a clear patch, upscaled
    twice, laid as tiles flipped at random and cross-faded so no seam shows.
    """
    factor = face.shape[1] / analysis.width  # the analysis reports in its working copy's pixels
    xy, mm = analysis.landmarks * factor, analysis.mm_per_px / factor
    px = lambda value_mm: value_mm / mm  # noqa: E731
    brow_top = float(min(xy[105, 1], xy[334, 1]))
    centre = float(xy[9, 0])
    half_width = abs(float(xy[300, 0] - xy[70, 0])) / 2 + px(6)
    base_y = brow_top - px(2)
    strip = face[int(brow_top - px(4)):int(brow_top - px(1)), int(centre - px(15)):int(centre + px(15))]
    colour = np.median(strip.reshape(-1, 3), axis=0).astype(np.float32)

    own = face.shape[1] / 512  # her photo is 512 px wide
    cheek = face[int(117 * own):int(128 * own), int(180.5 * own):int(200.5 * own)]  # clear of the smile folds
    patch = np.log1p(cheek.astype(np.float32))
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


def precision_recall(detected: np.ndarray, truth: np.ndarray, tolerance_px: int = TOLERANCE_PX) -> tuple[float, float]:
    """Pixel precision and recall, each pixel matched within ``tolerance_px``."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * tolerance_px + 1, 2 * tolerance_px + 1))
    near_truth = cv2.dilate(truth.astype(np.uint8), kernel) > 0
    near_detected = cv2.dilate(detected.astype(np.uint8), kernel) > 0
    precision = float((detected & near_truth).sum() / max(detected.sum(), 1))
    recall = float((truth & near_detected).sum() / max(truth.sum(), 1))
    return precision, recall
