"""Wrinkles of known position, length, width and depth drawn onto real skin.

A line is drawn as a multiplicative darkening with a Gaussian cross-section
(the valley floor) and a faint highlight on its upper wall (light from above
catches one side of a fold), then the whole image gets lens blur, sensor noise
and JPEG compression, as a phone would add them.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image


@dataclass(frozen=True)
class DrawnLine:
    """From ``start`` to ``end`` (pixels), ``width_px`` (FWHM), ``depth`` (relative darkening 0..1)."""

    start: tuple[float, float]
    end: tuple[float, float]
    width_px: float
    depth: float


def _distance_to_segment(shape, line: DrawnLine):
    ys, xs = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float32)
    a, b = np.array(line.start, np.float32), np.array(line.end, np.float32)
    ab = b - a
    along = ((xs - a[0]) * ab[0] + (ys - a[1]) * ab[1]) / float(ab @ ab)
    t = np.clip(along, 0, 1)
    dx, dy = xs - (a[0] + t * ab[0]), ys - (a[1] + t * ab[1])
    # Signed offset across the line (for the highlight on one wall).
    normal = np.array([-ab[1], ab[0]], np.float32) / np.linalg.norm(ab)
    if normal[1] > 0:
        normal = -normal  # point up the image
    return np.hypot(dx, dy), dx * normal[0] + dy * normal[1], t


def draw_lines(rgb: np.ndarray, lines: list[DrawnLine], strength: float = 1.0) -> np.ndarray:
    """``rgb`` with the lines drawn; ``strength`` scales every line's depth."""
    out = rgb.astype(np.float32)
    factor = np.ones(rgb.shape[:2], np.float32)
    for line in lines:
        distance, signed, t = _distance_to_segment(rgb.shape[:2], line)
        sigma = line.width_px / 2.355
        # Real lines fade out at their ends: full depth in the middle half.
        taper = np.clip(np.sin(np.pi * t) * 1.5, 0, 1)
        valley = line.depth * strength * taper * np.exp(-0.5 * (distance / sigma) ** 2)
        highlight = 0.25 * line.depth * strength * np.exp(-0.5 * ((signed - 1.5 * sigma) / sigma) ** 2) * (distance < 3 * sigma)
        factor *= (1 - valley) * (1 + highlight)
    return np.clip(out * factor[..., None], 0, 255).astype(np.uint8)


def line_mask(shape, lines: list[DrawnLine]) -> np.ndarray:
    """Ground truth: pixels within half the width of a drawn line's axis."""
    mask = np.zeros(shape[:2], bool)
    for line in lines:
        distance, _, _ = _distance_to_segment(shape[:2], line)
        mask |= distance <= max(line.width_px / 2, 0.75)
    return mask


def camera(rgb: np.ndarray, *, blur_px: float = 0.6, noise: float = 2.0, quality: int = 88, seed: int = 0) -> np.ndarray:
    """Lens blur, sensor noise and JPEG compression."""
    out = cv2.GaussianBlur(rgb.astype(np.float32), (0, 0), blur_px)
    out += np.random.default_rng(seed).normal(0, noise, out.shape).astype(np.float32)
    buffer = io.BytesIO()
    Image.fromarray(np.clip(out, 0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))
