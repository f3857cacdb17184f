"""Ingestion on real images, and refusal of every kind of bad input."""
from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pillow_heif
import pytest
from PIL import Image

from tests.images import astronaut, encode
from uploads.decode import decode
from uploads.derive import display_image, encode_derivatives, framed_thumbnail
from uploads.errors import (
    CorruptImage,
    EmptyFile,
    FileTooLarge,
    SuspiciousContent,
    TooManyPixels,
    UnsupportedImage,
)
from uploads.ingest import UploadLimits, prepare
from uploads.store import BlobStore, sha256_hex
from uploads.validate import validate_bytes

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000


def _ingest(data: bytes):
    kind = validate_bytes(data, max_bytes=MAX_BYTES)
    return decode(data, kind, max_pixels=MAX_PIXELS)


# The pixels a viewer sees for each EXIF orientation, as a function of the stored array.
_STORED_FOR_ORIENTATION = {
    1: lambda a: a,
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1, :],
    5: lambda a: np.transpose(a, (1, 0, 2)),
    6: lambda a: np.rot90(a, 1),     # stored rotated 90 deg counter-clockwise: view rotates it back
    7: lambda a: np.transpose(a, (1, 0, 2))[::-1, ::-1],
    8: lambda a: np.rot90(a, -1),
}


def _oriented_jpeg(upright: np.ndarray, orientation: int) -> bytes:
    stored = np.ascontiguousarray(_STORED_FOR_ORIENTATION[orientation](upright))
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(stored, "JPEG", quality=95, exif=exif.tobytes())


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_upright(orientation):
    upright = astronaut(0.5)[:, :200]  # not square: a wrong rotation changes the shape
    decoded = _ingest(_oriented_jpeg(upright, orientation)).pixels
    assert decoded.shape == upright.shape
    error = np.abs(decoded.astype(int) - upright.astype(int)).mean()
    assert error < 6, f"orientation {orientation}: mean error {error:.1f}"


@pytest.mark.parametrize("fmt, params", [("PNG", {}), ("WEBP", {"quality": 90}), ("JPEG", {"quality": 90})])
def test_common_formats_decode(fmt, params):
    upright = astronaut(0.5)
    decoded = _ingest(encode(upright, fmt, **params)).pixels
    assert decoded.shape == upright.shape
    assert np.abs(decoded.astype(int) - upright.astype(int)).mean() < 6


def test_heic_from_a_phone_decodes():
    upright = astronaut(0.5)
    heif = pillow_heif.from_bytes(mode="RGB", size=(upright.shape[1], upright.shape[0]), data=upright.tobytes())
    buffer = io.BytesIO()
    heif.save(buffer, quality=90)
    data = buffer.getvalue()
    assert validate_bytes(data, max_bytes=MAX_BYTES) == "heif"
    decoded = _ingest(data).pixels
    assert decoded.shape == upright.shape
    assert np.abs(decoded.astype(int) - upright.astype(int)).mean() < 8


def test_exif_capture_time_is_read():
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:03:14 09:26:53"
    data = encode(astronaut(0.25), "JPEG", exif=exif.tobytes())
    assert _ingest(data).taken_at.isoformat() == "2026-03-14T09:26:53"


def test_derivatives_carry_no_metadata_and_are_bounded():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif.get_ifd(0x8825)[2] = (48.0, 51.0, 30.0)  # GPS latitude
    data = encode(astronaut(1), "JPEG", exif=exif.tobytes())
    assert b"PhoneMaker" in data
    display = display_image(Image.fromarray(_ingest(data).pixels), long_side_px=300)
    assert max(display.size) == 300
    derivatives = encode_derivatives(display, thumb_long_side_px=100)
    for blob in derivatives.values():
        assert b"PhoneMaker" not in blob and b"Exif" not in blob
        assert not Image.open(io.BytesIO(blob)).getexif()
    assert max(Image.open(io.BytesIO(derivatives["thumb"])).size) == 100


def _png_bomb(width: int = 30000, height: int = 30000) -> bytes:
    """A small PNG (1-bit, all black) that would decode to width x height pixels."""
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


@pytest.mark.parametrize("name, data, error", [
    ("zero bytes", b"", EmptyFile),
    ("text named .jpg", b"This is not a photo, just text.\n" * 10, UnsupportedImage),
    ("gif", b"GIF89a" + b"\x00" * 100, UnsupportedImage),
    ("svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", UnsupportedImage),
    ("pdf", b"%PDF-1.7\n" + b"0" * 100, UnsupportedImage),
])
def test_non_images_are_refused(name, data, error):
    with pytest.raises(error):
        validate_bytes(data, max_bytes=MAX_BYTES)


def test_polyglots_are_refused():
    jpeg = encode(astronaut(0.25), "JPEG")
    html_in_comment = jpeg[:2] + b"\xff\xfe\x00\x20<script>alert(1)</script>      " + jpeg[2:]
    with pytest.raises(SuspiciousContent):
        validate_bytes(html_in_comment, max_bytes=MAX_BYTES)
    zip_buffer = io.BytesIO()
    import zipfile
    with zipfile.ZipFile(zip_buffer, "w") as archive:
        archive.writestr("payload.txt", "hidden")
    with pytest.raises(SuspiciousContent):
        validate_bytes(jpeg + zip_buffer.getvalue(), max_bytes=MAX_BYTES)


def test_truncated_jpeg_is_refused():
    data = encode(astronaut(0.5), "JPEG")
    with pytest.raises(CorruptImage):
        _ingest(data[: len(data) // 2])


@pytest.mark.parametrize("keep", [0.5, 0.97])
def test_truncated_jpeg_is_refused_by_the_fast_reduced_decode_too(keep):
    data = encode(astronaut(4.0), "JPEG")  # 2048 px: decoded at 1/2 scale for the display image
    with pytest.raises(CorruptImage):
        prepare(data[: int(len(data) * keep)], UploadLimits(max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS))


def test_reduced_decode_gives_the_display_image_of_a_full_decode():
    rgb = astronaut(8.0)  # 4096 px: the DCT-domain 1/2 scale reaches the display size
    prepared = prepare(encode(rgb, "JPEG", quality=95), UploadLimits(max_bytes=50_000_000, max_pixels=MAX_PIXELS))
    assert (prepared.width, prepared.height) == (2048, 2048)
    display = np.asarray(Image.open(io.BytesIO(prepared.derivatives["display"])).convert("RGB"), dtype=float)
    reference = np.asarray(Image.fromarray(rgb).resize((2048, 2048), Image.Resampling.BOX), dtype=float)
    assert np.abs(display - reference).mean() < 2.0  # grey levels: the same picture, not shifted or blurred
    thumb = Image.open(io.BytesIO(prepared.derivatives["thumb"]))
    assert thumb.size == (360, 360)


def test_header_only_is_refused():
    data = encode(astronaut(0.5), "PNG")
    with pytest.raises(CorruptImage):
        _ingest(data[:60])


def test_decompression_bomb_is_refused_before_decoding():
    bomb = _png_bomb()
    assert len(bomb) < 1_000_000
    with pytest.raises(TooManyPixels, match="30000 x 30000"):
        _ingest(bomb)


def test_over_the_byte_limit_is_refused():
    with pytest.raises(FileTooLarge):
        validate_bytes(encode(astronaut(1), "PNG"), max_bytes=100_000)


def test_store_is_content_addressed_and_idempotent(tmp_path):
    store = BlobStore(tmp_path)
    data = b"photo bytes"
    digest = sha256_hex(data)
    assert store.put(digest, "original", data) is True
    assert store.put(digest, "original", data) is False
    assert store.read(digest, "original") == data
    assert not list(tmp_path.glob("**/.tmp-*"))
    with pytest.raises(ValueError):
        store.put("../../etc/passwd", "original", data)


def _thumb_pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def test_a_framed_thumbnail_holds_a_face_off_centre_in_a_wide_photo():
    wide = np.zeros((1000, 3000, 3), np.uint8)
    wide[300:700, 100:500] = 255  # the "face": a white box at the far left
    thumb = _thumb_pixels(framed_thumbnail(wide, (100, 300, 400, 400)))
    assert thumb.shape[1] / thumb.shape[0] == pytest.approx(3 / 4, abs=0.01)
    white = thumb.mean(axis=2) > 128
    # The whole box is in, centred: white in every column, with equal dark margins above and below.
    rows = np.flatnonzero(white.any(axis=1))
    assert white.any(axis=0).all() and rows[0] > 10
    assert abs(rows[0] - (thumb.shape[0] - 1 - rows[-1])) <= 3


def test_a_framed_thumbnail_moves_into_the_photo_rather_than_off_its_edge():
    wide = np.zeros((1000, 3000, 3), np.uint8)
    wide[:, :10] = 255  # the photo's left edge
    thumb = _thumb_pixels(framed_thumbnail(wide, (0, 200, 300, 600)))
    assert thumb.shape[1] / thumb.shape[0] == pytest.approx(3 / 4, abs=0.01)
    assert thumb[:, 0].mean() > 128  # starts at the photo's edge: no padding, no shift off the picture


def _prepared_astronaut():
    from uploads.ingest import prepare

    return prepare(encode(astronaut(1.0), "JPEG"), UploadLimits(max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS))


def test_an_uploads_blobs_are_written_side_by_side(tmp_path):
    """Issue 34: to an object store each write is a round trip; one after another they made the upload
    wait for their sum. Each write here waits at a barrier for all the others: written one at a time,
    the first would wait alone and time out."""
    import threading

    from uploads.ingest import store_prepared

    prepared = _prepared_astronaut()
    count = 1 + len(prepared.derivatives)
    barrier = threading.Barrier(count, timeout=10)

    class Meeting(BlobStore):
        def put(self, sha256, variant, data):
            barrier.wait()
            return super().put(sha256, variant, data)

    store = Meeting(tmp_path)
    assert len(store_prepared(store, prepared)) == count
    assert {variant for _, variant, _ in store.blobs()} == {"original", *prepared.derivatives}


def test_a_failed_write_leaves_no_blob_of_the_upload(tmp_path):
    from uploads.ingest import store_prepared

    prepared = _prepared_astronaut()

    class FullDisk(BlobStore):
        def put(self, sha256, variant, data):
            if variant == "thumb":
                raise OSError(28, "No space left on device")
            return super().put(sha256, variant, data)

    store = FullDisk(tmp_path)
    with pytest.raises(OSError, match="No space left"):
        store_prepared(store, prepared)
    assert list(store.blobs()) == []


def test_the_original_is_written_while_the_upload_decodes_and_removed_if_refused(tmp_path):
    """Issue 34: the original's bytes are known on arrival; its write (the longest to an object store)
    starts before the decode, is owned by store_prepared, and is removed if the upload is refused."""
    import threading

    from uploads.ingest import OriginalWrite, store_prepared

    data = encode(astronaut(1.0), "JPEG")
    writing = threading.Event()

    class Watched(BlobStore):
        def put(self, sha256, variant, data):
            if variant == "original":
                writing.set()
            return super().put(sha256, variant, data)

    store = Watched(tmp_path / "kept")
    original = OriginalWrite(store, data)
    assert writing.wait(10)  # under way, and no decode asked for yet
    prepared = prepare(data, UploadLimits(max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS))
    assert len(store_prepared(store, prepared, original)) == 1 + len(prepared.derivatives)
    original.discard()  # store_prepared owns it: nothing removed
    assert {variant for _, variant, _ in store.blobs()} == {"original", *prepared.derivatives}

    refused = BlobStore(tmp_path / "refused")
    OriginalWrite(refused, data).discard()
    assert list(refused.blobs()) == []
