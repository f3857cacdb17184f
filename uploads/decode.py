"""Decode a validated photo to upright RGB pixels, with its capture time.

The pixel count is read from the header and checked before any pixel is
decoded, so a decompression bomb costs nothing. EXIF orientation is applied
here, once: everything downstream sees the photo the way it was taken.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps
from pillow_heif import register_heif_opener

from uploads.errors import CorruptImage, TooManyPixels, UnsupportedImage

register_heif_opener()
# Our own limit (``max_pixels``, checked from the header before decoding) replaces
# Pillow's global one, which would otherwise refuse configured sizes above ~89 MP
# and report bombs without their dimensions.
Image.MAX_IMAGE_PIXELS = None

_PIL_FORMATS = {"jpeg": {"JPEG", "MPO"}, "png": {"PNG"}, "webp": {"WEBP"}, "heif": {"HEIF"}}
_EXIF_DATETIME_ORIGINAL = 0x9003
_EXIF_IFD = 0x8769
_EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class DecodedPhoto:
    """``pixels``: (H, W, 3) uint8 RGB, upright. ``taken_at``: EXIF capture time (naive local) or None."""

    pixels: npt.NDArray[np.uint8]
    taken_at: datetime | None


def _taken_at(image: Image.Image) -> datetime | None:
    raw = image.getexif().get_ifd(_EXIF_IFD).get(_EXIF_DATETIME_ORIGINAL)
    if not isinstance(raw, str):
        return None
    try:
        return datetime.strptime(raw.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def open_upright(data: bytes, kind: str, *, max_pixels: int,
                 at_least_px: int | None = None) -> tuple[Image.Image, datetime | None]:
    """Decode ``data`` (already sniffed as ``kind``): the upright RGB image and its EXIF capture time.

    ``at_least_px``: the caller needs a copy whose long side is only this
    large, so a JPEG is decoded at the smallest of 1/2, 1/4 or 1/8 scale that
    still reaches it. libjpeg scales in the DCT domain, skipping most of the
    inverse transform; the whole entropy-coded stream is still read, so a
    truncated or damaged file fails here as with a full decode.

    Raises
    ------
    TooManyPixels, CorruptImage, UnsupportedImage
    """
    try:
        image = Image.open(io.BytesIO(data))
    except (OSError, ValueError, SyntaxError) as error:
        raise CorruptImage("The photo could not be read: the file is damaged or incomplete.") from error
    if image.format not in _PIL_FORMATS[kind]:
        raise UnsupportedImage("The file's content does not match its image type.")
    width, height = image.size
    if width * height > max_pixels:
        raise TooManyPixels(
            f"The photo is {width} x {height} pixels ({width * height / 1e6:.0f} megapixels); "
            f"the limit is {max_pixels / 1e6:.0f} megapixels.")
    try:
        if at_least_px is not None and kind == "jpeg":
            factor = min(1.0, at_least_px / max(width, height))
            image.draft("RGB", (math.ceil(width * factor), math.ceil(height * factor)))
        image.load()
        taken_at = _taken_at(image)
        if image.getexif().get(_EXIF_ORIENTATION, 1) != 1:
            image = ImageOps.exif_transpose(image)  # (a copy: skipped for upright photos)
        return (image if image.mode == "RGB" else image.convert("RGB")), taken_at
    except (OSError, ValueError, SyntaxError, EOFError) as error:
        raise CorruptImage("The photo could not be read: the file is damaged or incomplete.") from error


def decode(data: bytes, kind: str, *, max_pixels: int) -> DecodedPhoto:
    """The full-resolution upright RGB pixels of ``data``; see ``open_upright``."""
    image, taken_at = open_upright(data, kind, max_pixels=max_pixels)
    return DecodedPhoto(pixels=np.asarray(image), taken_at=taken_at)
