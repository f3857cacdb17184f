"""Content-addressed photo stores: a folder, or an S3-compatible bucket.

Originals are stored under their sha256, derivatives under the original's
sha256 and a variant name, with the same layout in both: ``originals/ab/<sha>``
and ``derived/ab/<sha>.<variant>``. A reader never sees half a blob: the folder
writes a temporary file, fsyncs and renames it; an S3 PUT is all or nothing.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any, BinaryIO, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


CHUNK = 1 << 20


def sha256_file(handle: BinaryIO) -> tuple[str, int]:
    """The sha256 and size of an open file, read in chunks from the start; left rewound."""
    handle.seek(0)
    digest = hashlib.file_digest(handle, "sha256")
    size = handle.tell()
    handle.seek(0)
    return digest.hexdigest(), size


def blob_key(sha256: str, variant: str) -> str:
    """The blob's path below the store's root (folder or bucket prefix)."""
    if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    if variant == "original":
        return f"originals/{sha256[:2]}/{sha256}"
    if not variant.isalnum():
        raise ValueError(f"bad variant name: {variant!r}")
    return f"derived/{sha256[:2]}/{sha256}.{variant}"


class Store(Protocol):
    """What the app needs of a photo store."""

    def exists(self, sha256: str, variant: str) -> bool: ...
    def read(self, sha256: str, variant: str) -> bytes: ...
    def put(self, sha256: str, variant: str, data: bytes) -> bool: ...
    def put_file(self, sha256: str, variant: str, source: BinaryIO) -> bool: ...
    def open_blob(self, sha256: str, variant: str) -> BinaryIO: ...
    def replace(self, sha256: str, variant: str, data: bytes) -> None: ...
    def delete(self, sha256: str, variant: str) -> None: ...
    def blobs(self, shard: str = "") -> Iterator[tuple[str, str, datetime]]: ...


# Blobs are kept in 256 shards by the first two hex digits of their sha256 (see ``blob_key``).
SHARDS = tuple(f"{n:02x}" for n in range(256))


def _parse_key(key: str) -> tuple[str, str] | None:
    """(sha256, variant) of a path below the root, or None for anything that is not a blob."""
    parts = key.split("/")
    if len(parts) != 3 or parts[0] not in ("originals", "derived"):
        return None
    sha256, _, variant = parts[2].partition(".")
    variant = variant or "original"
    try:
        return (sha256, variant) if blob_key(sha256, variant) == key else None
    except ValueError:
        return None


class BlobStore:
    """Blobs in a folder of the local file system."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)

    def _path(self, sha256: str, variant: str) -> Path:
        return self.root / blob_key(sha256, variant)

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

    def put_file(self, sha256: str, variant: str, source: BinaryIO) -> bool:
        """``put`` from an open file, copied in chunks (a large archive is never whole in memory)."""
        path = self._path(sha256, variant)
        if path.exists():
            return False
        self._write(path, source)
        return True

    def open_blob(self, sha256: str, variant: str) -> BinaryIO:
        """The blob to read in chunks (FileNotFoundError when missing); the caller closes it."""
        return self._path(sha256, variant).open("rb")

    def replace(self, sha256: str, variant: str, data: bytes) -> None:
        """Overwrite a derivative atomically (regeneration after an algorithm change)."""
        if variant == "original":
            raise ValueError("originals are never replaced")
        self._write(self._path(sha256, variant), data)

    @staticmethod
    def _write(path: Path, data: bytes | BinaryIO) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                if isinstance(data, bytes):
                    handle.write(data)
                else:
                    shutil.copyfileobj(data, handle, CHUNK)
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

    def blobs(self, shard: str = "") -> Iterator[tuple[str, str, datetime]]:
        """Every blob, or those of one ``shard`` (two hex digits): (sha256, variant, last modified, UTC)."""
        for path in self.root.glob(f"*/{shard or '*'}/*"):
            parsed = _parse_key(path.relative_to(self.root).as_posix())
            if parsed is not None:
                yield *parsed, datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).replace(tzinfo=None)


class S3Store:
    """Blobs as objects of an S3-compatible bucket, below ``prefix``.

    boto3 takes the endpoint and credentials from the standard environment
    (``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
    ``AWS_DEFAULT_REGION``). ``put`` is a conditional write (``If-None-Match:
    *``), so two uploads of the same photo cannot both believe they created it.
    Every call waits at most ``timeout_s`` to connect and for each read, and is
    tried twice: a store that is down or hung fails the request in bounded time
    (botocore's errors, which the web layer answers with 503) instead of holding
    a worker thread as long as it hangs.
    """

    def __init__(self, bucket: str, prefix: str = "", client: Any = None, timeout_s: float = 10.0):
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = client or boto3.client("s3", config=Config(
            connect_timeout=timeout_s, read_timeout=timeout_s, retries={"mode": "standard", "max_attempts": 2}))

    def _key(self, sha256: str, variant: str) -> str:
        return self.prefix + blob_key(sha256, variant)

    def exists(self, sha256: str, variant: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(sha256, variant))
        except ClientError as error:
            if error.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
                return False
            raise
        return True

    def read(self, sha256: str, variant: str) -> bytes:
        body = self.open_blob(sha256, variant)
        try:
            return body.read()
        finally:
            body.close()

    def open_blob(self, sha256: str, variant: str) -> BinaryIO:
        """The object's body to read in chunks (FileNotFoundError when missing); the caller closes it."""
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(sha256, variant))["Body"]
        except ClientError as error:
            if error.response["Error"]["Code"] in ("NoSuchKey", "404"):
                raise FileNotFoundError(self._key(sha256, variant)) from None
            raise

    def put(self, sha256: str, variant: str, data: bytes) -> bool:
        return self._create(sha256, variant, data)

    def put_file(self, sha256: str, variant: str, source: BinaryIO) -> bool:
        """``put`` from an open file, which boto3 sends in chunks."""
        return self._create(sha256, variant, source)

    def _create(self, sha256: str, variant: str, body: bytes | BinaryIO) -> bool:
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._key(sha256, variant), Body=body, IfNoneMatch="*")
        except ClientError as error:
            if error.response["ResponseMetadata"]["HTTPStatusCode"] == 412:  # it exists
                return False
            raise
        return True

    def replace(self, sha256: str, variant: str, data: bytes) -> None:
        if variant == "original":
            raise ValueError("originals are never replaced")
        self.client.put_object(Bucket=self.bucket, Key=self._key(sha256, variant), Body=data)

    def delete(self, sha256: str, variant: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(sha256, variant))

    def blobs(self, shard: str = "") -> Iterator[tuple[str, str, datetime]]:
        """Every blob, or those of one ``shard`` (two hex digits): (sha256, variant, last modified, UTC)."""
        prefixes = [f"{self.prefix}{kind}/{shard}/" for kind in ("originals", "derived")] if shard else [self.prefix]
        for prefix in prefixes:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    parsed = _parse_key(item["Key"][len(self.prefix):])
                    if parsed is not None:
                        yield *parsed, item["LastModified"].astimezone(timezone.utc).replace(tzinfo=None)


def open_store(url: str, default_folder: str | os.PathLike[str], *, timeout_s: float = 10.0) -> BlobStore | S3Store:
    """The store named by ``url``: ``s3://bucket/prefix``, a folder path, or empty for ``default_folder``."""
    if url.startswith("s3://"):
        bucket, _, prefix = url[len("s3://"):].partition("/")
        if not bucket:
            raise ValueError(f"An S3 store URL names a bucket: s3://bucket/prefix, not {url!r}")
        return S3Store(bucket, prefix, timeout_s=timeout_s)
    if "://" in url:
        raise ValueError(f"A store is a folder or s3://bucket/prefix, not {url!r}")
    return BlobStore(url or default_folder)
