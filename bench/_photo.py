"""12-megapixel test photos (4000 x 3000, portrait) built from scikit-image's astronaut.

The upscaled portrait gets sensor-like noise, so the JPEG weighs what a phone's
does (about 2-3 MB at quality 92) and decodes as slowly: a smooth upscale
compresses to a third of that and would flatter every decode-bound figure.
"""
from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable

import cv2
import numpy as np
from PIL import Image
from pillow_heif import register_heif_opener
from skimage import data

register_heif_opener()


def twelve_megapixel_rgb() -> np.ndarray:
    face = cv2.resize(data.astronaut(), (3000, 3000), interpolation=cv2.INTER_CUBIC)
    canvas = np.full((3000, 4000, 3), 205, np.uint8)
    canvas[:, 500:3500] = face
    canvas = np.rot90(canvas, -1)  # portrait, as phones shoot faces
    noise = np.random.default_rng(12).normal(0, 4, canvas.shape)
    return np.clip(canvas + noise, 0, 255).astype(np.uint8)


def encode(rgb: np.ndarray, kind: str) -> bytes:
    """``rgb`` as a phone or camera would write it: "jpeg", "png", "webp" or "heif" (HEIC)."""
    buffer = io.BytesIO()
    options = {"jpeg": {"quality": 92}, "png": {"compress_level": 6}, "webp": {"quality": 90},
               "heif": {"quality": 90}}[kind]
    Image.fromarray(rgb).save(buffer, kind.upper(), **options)
    return buffer.getvalue()


def twelve_megapixel_jpeg() -> bytes:
    return encode(twelve_megapixel_rgb(), "jpeg")


def bare_decode(data: bytes) -> np.ndarray:
    """The reference: a full decode with OpenCV (libjpeg-turbo), nothing else."""
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)


def median_seconds(function: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
