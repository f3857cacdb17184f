"""Display image and thumbnail, re-encoded from pixels so no metadata survives.

Both are new JPEG files written from the decoded pixels: nothing of the
original container (EXIF with GPS and device, XMP, ICC names, trailing data)
can reach them. They can always be regenerated from the original.
"""
from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import numpy.typing as npt
from PIL import Image

DISPLAY_LONG_SIDE_PX = 2048
# A JPEG is decoded at the smallest DCT scale reaching this; that copy is the
# display image when it is at most DISPLAY_LONG_SIDE_PX (e.g. 2000 px of a 12 MP photo).
DISPLAY_MIN_LONG_SIDE_PX = 1600
THUMB_LONG_SIDE_PX = 360
THUMB_ASPECT = 3 / 4  # width / height of the photo cards that show thumbnails
_JPEG_QUALITY = {"display": 90, "thumb": 82}
_THUMBNAILER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="thumbnail")


def _bounded(image: Image.Image, long_side_px: int) -> Image.Image:
    factor = long_side_px / max(image.size)
    if factor >= 1:
        return image
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    # Area-average by the largest integer factor that stays above the target (as
    # the JPEG decoder's DCT scaling does), then an exact Lanczos pass for the rest:
    # several times faster than Lanczos over the whole photo, and alike to the eye.
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=1.0)


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    # No optimize pass: files 2 % larger, encoded 2.4 times faster (the upload waits for it).
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def display_image(image: Image.Image, *, long_side_px: int = DISPLAY_LONG_SIDE_PX) -> Image.Image:
    """The display image: ``image`` with its long side at most ``long_side_px``."""
    return _bounded(image, long_side_px)


def encode_derivatives(display: Image.Image, *, thumb_long_side_px: int = THUMB_LONG_SIDE_PX) -> dict[str, bytes]:
    """JPEG bytes of the display image and its thumbnail: {"display": ..., "thumb": ...}.

    The thumbnail is made on a second core while the display image is encoded
    (Pillow releases the GIL in both): an upload waits for the slower one only.
    """
    thumb = _THUMBNAILER.submit(lambda: _jpeg(_bounded(display, thumb_long_side_px), _JPEG_QUALITY["thumb"]))
    return {"display": _jpeg(display, _JPEG_QUALITY["display"]), "thumb": thumb.result()}


def framed_thumbnail(rgb: npt.NDArray[np.uint8], face_box: tuple[int, int, int, int], *,
                     aspect: float = THUMB_ASPECT, long_side_px: int = THUMB_LONG_SIDE_PX) -> bytes:
    """JPEG thumbnail of the (H, W, 3) display image cut to ``aspect`` around ``face_box``.

    ``face_box`` is (x, y, w, h) in display pixels, from the analysis. The first
    thumbnail, made before the analysis, is the whole photo, which the cards crop
    at the centre: that cuts off a face off-centre in a wide photo. The crop is
    the smallest one of ``aspect`` holding the whole box, centred on it, moved
    (never shrunk) to stay inside the photo unless the photo is too small for it.
    """
    height, width = rgb.shape[:2]
    x, y, box_w, box_h = face_box
    crop_h = max(box_h, box_w / aspect)
    fit = min(1.0, width / (crop_h * aspect), height / crop_h)
    crop_w, crop_h = crop_h * aspect * fit, crop_h * fit
    left = min(max(x + box_w / 2 - crop_w / 2, 0), width - crop_w)
    top = min(max(y + box_h / 2 - crop_h / 2, 0), height - crop_h)
    crop = Image.fromarray(rgb).crop((round(left), round(top), round(left + crop_w), round(top + crop_h)))
    return _jpeg(_bounded(crop, long_side_px), _JPEG_QUALITY["thumb"])


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
