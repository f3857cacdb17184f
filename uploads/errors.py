"""Why an upload was refused: one class per reason, each with a stable ``code``."""
from __future__ import annotations


class UploadError(Exception):
    """Bad bytes from outside. ``str(error)`` is a sentence fit for the uploader."""

    code = "upload_invalid"


class EmptyFile(UploadError):
    code = "empty_file"


class FileTooLarge(UploadError):
    code = "file_too_large"


class UnsupportedImage(UploadError):
    """Not one of the accepted photo types (JPEG, PNG, WebP, HEIC/HEIF), judged by the bytes."""

    code = "unsupported_image"


class SuspiciousContent(UploadError):
    """The bytes also carry another format (markup, script, archive): a polyglot."""

    code = "suspicious_content"


class TooManyPixels(UploadError):
    """More pixels than configured: refused from the header, before decoding (bombs)."""

    code = "too_many_pixels"


class CorruptImage(UploadError):
    """The header is an image but the data does not decode (truncated, damaged)."""

    code = "corrupt_image"
