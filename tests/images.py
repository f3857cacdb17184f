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


def camera_picture(width: int = 1280, height: int = 720, roll_deg: float = 0.0) -> np.ndarray:
    """The astronaut's face as a phone camera would frame it for a close-up: the face
    fills the middle of a 16:9 picture (iris about 36 px at 1280 px wide, the
    measurement needs 33), optionally with the head rolled (counter-clockwise in the
    picture for a positive angle)."""
    face = data.astronaut()[38:212, 124:433]  # 309 x 174: 16:9 around the face
    picture = cv2.resize(face, (width, height), interpolation=cv2.INTER_CUBIC)
    if roll_deg:
        turn = cv2.getRotationMatrix2D((width / 2, height * 0.42), roll_deg, 1.0)
        picture = cv2.warpAffine(picture, turn, (width, height), borderMode=cv2.BORDER_REPLICATE)
    return picture
