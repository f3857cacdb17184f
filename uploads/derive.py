"""Display image and thumbnail, re-encoded from pixels so no metadata survives.

Both are new JPEG files written from the decoded pixels: nothing of the
original container (EXIF with GPS and device, XMP, ICC names, trailing data)
can reach them. They can always be regenerated from the original.
"""
from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt
from PIL import Image

DISPLAY_LONG_SIDE_PX = 2048
# A JPEG is decoded at the smallest DCT scale reaching this; that copy is the
# display image when it is at most DISPLAY_LONG_SIDE_PX (e.g. 2000 px of a 12 MP photo).
DISPLAY_MIN_LONG_SIDE_PX = 1600
THUMB_LONG_SIDE_PX = 360
_JPEG_QUALITY = {"display": 90, "thumb": 82}


def _bounded(image: Image.Image, long_side_px: int) -> Image.Image:
    factor = long_side_px / max(image.size)
    if factor >= 1:
        return image
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    # reducing_gap: decode-time style reduction first, then an exact Lanczos pass.
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    # No optimize pass: files 2 % larger, encoded 2.4 times faster (the upload waits for it).
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def display_pixels(pixels: npt.NDArray[np.uint8], *, long_side_px: int = DISPLAY_LONG_SIDE_PX) -> npt.NDArray[np.uint8]:
    """The display image's pixels: (H, W, 3) uint8, long side at most ``long_side_px``."""
    return np.asarray(_bounded(Image.fromarray(pixels), long_side_px))


def encode_derivatives(display: npt.NDArray[np.uint8], *, thumb_long_side_px: int = THUMB_LONG_SIDE_PX) -> dict[str, bytes]:
    """JPEG bytes of the display image and its thumbnail: {"display": ..., "thumb": ...}."""
    image = Image.fromarray(display)
    return {
        "display": _jpeg(image, _JPEG_QUALITY["display"]),
        "thumb": _jpeg(_bounded(image, thumb_long_side_px), _JPEG_QUALITY["thumb"]),
    }


def encode_line_overlay(label_map: npt.NDArray[np.uint8], colours: list[tuple[int, int, int]]) -> bytes:
    """A transparent PNG the size of the display image with each region's lines in
    its colour: ``label_map`` (H, W) holds 0 or 1 + an index into ``colours``."""
    palette = np.zeros((len(colours) + 1, 4), np.uint8)
    palette[1:, :3] = colours
    palette[1:, 3] = 235
    buffer = io.BytesIO()
    Image.fromarray(palette[label_map], "RGBA").save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def read_derivative(data: bytes) -> npt.NDArray[np.uint8]:
    """Pixels of a stored derivative (our own JPEG or PNG), as (H, W, 3) RGB."""
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def encode_png(rgb: npt.NDArray[np.uint8]) -> bytes:
    """A PNG with no metadata."""
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "PNG", optimize=False, compress_level=6)
    return buffer.getvalue()
