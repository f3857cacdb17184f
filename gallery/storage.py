"""The app's photo store (``GALLERY_STORE_URL``): a folder, or an S3-compatible bucket."""
from __future__ import annotations

import io
from pathlib import Path
from typing import IO

from flask import Flask, Request

from uploads.store import S3Store, open_store


class InMemoryUploads(Request):
    """File parts are kept in memory, never spooled to a temporary file, so with
    the store on S3 nothing of a photo touches the web host's disk. The request
    size stays bounded by ``MAX_CONTENT_LENGTH``."""

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None, content_length: int | None = None) -> IO[bytes]:
        return io.BytesIO()


def init_app(app: Flask) -> None:
    store = open_store(app.config["GALLERY_STORE_URL"], Path(app.config["GALLERY_DATA_DIR"]) / "blobs",
                       timeout_s=app.config["GALLERY_STORE_TIMEOUT_S"])
    app.extensions["gallery_store"] = store
    if isinstance(store, S3Store):
        app.request_class = InMemoryUploads
