"""Ingestion of one upload in two steps: what the upload waits for, and the analysis.

``prepare`` does every step that can fail on bad input (validate the whole
file, decode, derive the display image and thumbnail) in memory;
``store_prepared`` then writes the blobs. The caller commits its database row
only after the blobs are stored, and removes the blobs this upload created if
the commit fails, so a failed upload leaves neither a row nor a blob behind.
``measure`` analyses the stored original later, in the background.
"""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import cv2
import numpy as np
import numpy.typing as npt

from landmarks import Analysis, analyse
from landmarks.draw import REGION_COLOURS
from landmarks.quality import QualityLimits
from uploads.decode import decode, open_upright
from uploads.derive import (
    DISPLAY_MIN_LONG_SIDE_PX,
    display_image,
    encode_derivatives,
    encode_line_overlay,
    framed_thumbnail,
)
from uploads.store import Store, sha256_hex
from uploads.validate import MIME_TYPES, validate_bytes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int
    max_pixels: int


@dataclass(frozen=True)
class PreparedPhoto:
    """A validated upload ready to store: original bytes and the display image and thumbnail."""

    sha256: str
    content_type: str
    original: bytes
    derivatives: dict[str, bytes]
    width: int
    height: int
    taken_at: datetime | None


@dataclass(frozen=True)
class MeasuredPhoto:
    """The analysis of a stored photo, its line-map overlay (PNG) and a thumbnail
    framed on the face (JPEG), both None when no face was found."""

    analysis: Analysis
    lines: bytes | None
    thumb: bytes | None


def prepare(data: bytes, limits: UploadLimits) -> PreparedPhoto:
    """Validate, decode to display size, and derive; raises ``UploadError`` on bad input.

    This is what an upload waits for. A JPEG is decoded straight to about the
    display size (see ``decode``); the analysis, which needs the full
    resolution, runs later from the stored original (``measure``).
    """
    kind = validate_bytes(data, max_bytes=limits.max_bytes)
    image, taken_at = open_upright(data, kind, max_pixels=limits.max_pixels, at_least_px=DISPLAY_MIN_LONG_SIDE_PX)
    display = display_image(image)
    return PreparedPhoto(
        sha256=sha256_hex(data),
        content_type=MIME_TYPES[kind],
        original=data,
        derivatives=encode_derivatives(display),
        width=display.width,
        height=display.height,
        taken_at=taken_at,
    )


def measure(original: bytes, size: tuple[int, int], limits: UploadLimits,
            quality_limits: QualityLimits = QualityLimits()) -> MeasuredPhoto:
    """Analyse a stored original in the frame of its display image (``size`` = width, height).

    Lines are measured on the original at its own resolution; landmarks,
    regions and the overlay are in display-image pixels, which pages and the
    API draw on. The thumbnail is re-made framed on the face found.
    """
    kind = validate_bytes(original, max_bytes=limits.max_bytes)
    pixels = decode(original, kind, max_pixels=limits.max_pixels).pixels
    working = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA) if pixels.shape[1::-1] != size else pixels
    analysis = analyse(pixels, working=working, limits=quality_limits)
    lines = None
    if analysis.line_map is not None:
        lines = encode_line_overlay(analysis.line_map, [REGION_COLOURS[name] for name in analysis.regions])
    # ``working`` is the display image's pixels: framing the thumbnail costs no second decode.
    thumb = None if analysis.face_box is None else framed_thumbnail(working, analysis.face_box)
    return MeasuredPhoto(analysis=analysis, lines=lines, thumb=thumb)


def working_pixels(original: bytes, limits: UploadLimits, long_side_px: int) -> npt.NDArray[np.uint8]:
    """A stored original decoded upright as (H, W, 3) RGB, shrunk to at most ``long_side_px``
    on its long side (never enlarged): the pixels a measurement between two photos works on,
    bounded so that two of them fit in memory at once."""
    kind = validate_bytes(original, max_bytes=limits.max_bytes)
    pixels = decode(original, kind, max_pixels=limits.max_pixels).pixels
    factor = long_side_px / max(pixels.shape[:2])
    if factor >= 1:
        return pixels
    size = (round(pixels.shape[1] * factor), round(pixels.shape[0] * factor))
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)


# Writes of originals started before their upload is decoded (see ``OriginalWrite``).
_EARLY_WRITES = ThreadPoolExecutor(max_workers=8, thread_name_prefix="original-write")


class OriginalWrite:
    """The original's write, started as soon as the upload arrives, before it is decoded.

    Its bytes are known from the start, and to an object store it is the upload's longest round
    trip: written after the decode, it made an upload to S3 wait 1.6x a bare decode. Hand it to
    ``store_prepared``, which waits for it and owns it from then on; if the upload is refused
    before that, ``discard`` removes what it wrote.
    """

    def __init__(self, store: Store, data: bytes) -> None:
        self.sha256 = sha256_hex(data)
        self._store = store
        self._write = _EARLY_WRITES.submit(store.put, self.sha256, "original", data)
        self._owned = False

    def created(self) -> bool:
        """Wait for the write: True if it created the blob (False: it existed); raises its error."""
        self._owned = True
        return self._write.result()

    def discard(self) -> None:
        """The upload was refused: remove the original if this write created it and no one owns it.

        Called while another error is on its way out, so a failure of the store here is logged,
        not raised (a blob left behind is an orphan that ``check-store --fix`` removes).
        """
        if self._owned:
            return
        self._owned = True
        try:
            if self._write.result():
                self._store.delete(self.sha256, "original")
        except Exception:  # noqa: BLE001 - the refusal already on its way out matters more
            log.warning("original %s of a refused upload not removed from the store", self.sha256[:12],
                        exc_info=True)


def store_prepared(store: Store, prepared: PreparedPhoto, original: OriginalWrite | None = None) -> list[tuple[str, str]]:
    """Write original and derivatives at once; return the (sha256, variant) blobs this call created.

    The writes run side by side: to an object store each is a round trip, and one after
    another they made the upload wait for the sum of them. ``original``: its write started
    already (``OriginalWrite``); it is waited for here. All or nothing: if one write fails (a
    full disk, a read-only store, the store unreachable), the blobs this call wrote are removed
    before the error is raised.
    """
    if original is not None and original.sha256 != prepared.sha256:
        raise ValueError("the original's write is of other bytes than the prepared photo")
    blobs = (*(() if original else (("original", prepared.original),)), *prepared.derivatives.items())
    with ThreadPoolExecutor(max_workers=len(blobs)) as pool:
        writes = [(variant, pool.submit(store.put, prepared.sha256, variant, data)) for variant, data in blobs]
    if original is not None:
        writes.append(("original", original))
    created: list[tuple[str, str]] = []
    failure: BaseException | None = None
    for variant, write in writes:
        try:
            if write.created() if isinstance(write, OriginalWrite) else write.result():
                created.append((prepared.sha256, variant))
        except BaseException as error:  # noqa: BLE001 - re-raised below, after the cleanup
            failure = failure or error
    if failure is not None:
        for sha256, variant in created:
            store.delete(sha256, variant)
        raise failure
    return created
