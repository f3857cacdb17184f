"""Test images built in code from scikit-image's astronaut (a public-domain photo)."""
from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image
from skimage import data


def astronaut(scale: float = 3.0) -> np.ndarray:
    """The astronaut, RGB uint8, upscaled (the 512 px original has a small face)."""
    rgb = data.astronaut()
    if scale == 1:
        return rgb
    return cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)


def encode(rgb: np.ndarray, fmt: str = "JPEG", **params) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, fmt, **params)
    return buffer.getvalue()


def astronaut_jpeg(scale: float = 2.0, quality: int = 92) -> bytes:
    return encode(astronaut(scale), "JPEG", quality=quality)
