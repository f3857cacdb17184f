"""The whole ingestion of one upload, in memory, before anything is stored.

``prepare`` does every step that can fail on bad input (validate, decode,
derive, analyse) without touching the disk; ``store_prepared`` then writes the
blobs. The caller commits its database row only after the blobs are on disk,
and removes the blobs this upload created if the commit fails, so a failed
upload leaves neither a row nor a file behind.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from landmarks import Analysis, analyse
from landmarks.draw import REGION_COLOURS
from landmarks.quality import QualityLimits
from uploads.decode import decode
from uploads.derive import display_pixels, encode_derivatives, encode_line_overlay
from uploads.store import BlobStore, sha256_hex
from uploads.validate import MIME_TYPES, validate_bytes


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int
    max_pixels: int


@dataclass(frozen=True)
class PreparedPhoto:
    """A validated upload ready to store: original bytes, derivatives and analysis."""

    sha256: str
    content_type: str
    original: bytes
    derivatives: dict[str, bytes]
    width: int
    height: int
    taken_at: datetime | None
    analysis: Analysis


def prepare(data: bytes, limits: UploadLimits, quality_limits: QualityLimits = QualityLimits()) -> PreparedPhoto:
    """Validate, decode, derive and analyse; raises ``UploadError`` on bad input.

    Derivatives: ``display`` and ``thumb`` (JPEG), and ``lines`` (PNG overlay
    of the wrinkle map) when a face was found.
    """
    kind = validate_bytes(data, max_bytes=limits.max_bytes)
    decoded = decode(data, kind, max_pixels=limits.max_pixels)
    display = display_pixels(decoded.pixels)
    # Lines are measured on the original at its own resolution; everything is
    # reported in the display image's pixels, which pages and the API draw on.
    analysis = analyse(decoded.pixels, working=display, limits=quality_limits)
    derivatives = encode_derivatives(display)
    if analysis.line_map is not None:
        colours = [REGION_COLOURS[name] for name in analysis.regions]
        derivatives["lines"] = encode_line_overlay(analysis.line_map, colours)
    return PreparedPhoto(
        sha256=sha256_hex(data),
        content_type=MIME_TYPES[kind],
        original=data,
        derivatives=derivatives,
        width=display.shape[1],
        height=display.shape[0],
        taken_at=decoded.taken_at,
        analysis=analysis,
    )


def store_prepared(store: BlobStore, prepared: PreparedPhoto) -> list[tuple[str, str]]:
    """Write original and derivatives; return the (sha256, variant) blobs this call created."""
    created = []
    for variant, data in (("original", prepared.original), *prepared.derivatives.items()):
        if store.put(prepared.sha256, variant, data):
            created.append((prepared.sha256, variant))
    return created
