"""A 12-megapixel test JPEG (4000 x 3000) built from scikit-image's astronaut."""
from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable

import cv2
import numpy as np
from PIL import Image
from skimage import data


def twelve_megapixel_jpeg() -> bytes:
    face = cv2.resize(data.astronaut(), (3000, 3000), interpolation=cv2.INTER_CUBIC)
    canvas = np.full((3000, 4000, 3), 205, np.uint8)
    canvas[:, 500:3500] = face
    canvas = np.ascontiguousarray(np.rot90(canvas, -1))  # portrait, as phones shoot faces
    buffer = io.BytesIO()
    Image.fromarray(canvas).save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def bare_decode(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def median_seconds(function: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
