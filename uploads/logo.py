"""A clinic's logo: checked, decoded and re-encoded as a small PNG.

An admin's upload is shown on public pages and in downloads, so the bytes served
are never the bytes received: the type is judged from the bytes (PNG or JPEG only),
the pixel count from the header before decoding (bombs), and the picture is drawn
anew by Pillow (no metadata, no trailing payload) at most ``MAX_BOX_PX``.
"""
from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

from uploads.errors import CorruptImage, FileTooLarge, TooManyPixels, UnsupportedImage
from uploads.validate import validate_bytes

MAX_SIDE_PX = 4000  # a logo larger than this is a photo or a bomb
MAX_BOX_PX = (600, 200)  # shown at most 40 px high in page headers and 12 mm in reports: ample


def prepare_logo(data: bytes, *, max_bytes: int) -> bytes:
    """The logo ``data`` re-encoded as a PNG within ``MAX_BOX_PX``, transparency kept.

    Raises
    ------
    EmptyFile, FileTooLarge, UnsupportedImage, SuspiciousContent, TooManyPixels, CorruptImage
    """
    if len(data) > max_bytes:
        raise FileTooLarge(f"The logo file is {len(data) / 1024:.0f} kB; the largest accepted is {max_bytes // 1024} kB.")
    try:
        kind = validate_bytes(data, max_bytes=max_bytes)
    except UnsupportedImage:
        raise UnsupportedImage("A logo must be a PNG or JPEG image.") from None
    if kind not in ("png", "jpeg"):
        raise UnsupportedImage("A logo must be a PNG or JPEG image.")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("PNG", "JPEG"):
                raise UnsupportedImage("A logo must be a PNG or JPEG image.")
            if max(image.size) > MAX_SIDE_PX:
                raise TooManyPixels(f"The logo is {image.size[0]} x {image.size[1]} pixels; "
                                    f"at most {MAX_SIDE_PX} on each side is accepted.")
            image.load()
            picture = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise CorruptImage("The logo could not be read: the file is damaged or incomplete.") from error
    picture.thumbnail(MAX_BOX_PX, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    picture.save(out, "PNG", optimize=True)
    return out.getvalue()
