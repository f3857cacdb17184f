"""Content-addressed blob store on the local file system.

Originals are stored under their sha256, derivatives under the original's
sha256 and a variant name. Every write goes to a temporary file in the target
directory, is fsynced, then renamed into place (and the directory fsynced), so
a reader never sees half a file and a crash leaves no partial blob.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    """Blobs under ``root``: ``originals/ab/<sha>`` and ``derived/ab/<sha>.<variant>``."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)

    def _path(self, sha256: str, variant: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        if variant == "original":
            return self.root / "originals" / sha256[:2] / sha256
        if not variant.isalnum():
            raise ValueError(f"bad variant name: {variant!r}")
        return self.root / "derived" / sha256[:2] / f"{sha256}.{variant}"

    def exists(self, sha256: str, variant: str) -> bool:
        return self._path(sha256, variant).exists()

    def read(self, sha256: str, variant: str) -> bytes:
        return self._path(sha256, variant).read_bytes()

    def put(self, sha256: str, variant: str, data: bytes) -> bool:
        """Write atomically; return True if this call created the blob (False: it existed)."""
        path = self._path(sha256, variant)
        if path.exists():
            return False
        self._write(path, data)
        return True

    def replace(self, sha256: str, variant: str, data: bytes) -> None:
        """Overwrite a derivative atomically (regeneration after an algorithm change)."""
        if variant == "original":
            raise ValueError("originals are never replaced")
        self._write(self._path(sha256, variant), data)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def delete(self, sha256: str, variant: str) -> None:
        self._path(sha256, variant).unlink(missing_ok=True)
