"""Request limits: photo-sized bodies only where photos are uploaded; no NUL characters.

Every other route (JSON, forms, the signature pad) takes at most ``SMALL_BODY``,
so nobody can make a worker read hundreds of megabytes into memory by posting
them to the login form or a JSON endpoint. A NUL in a query or form field is
refused for every route: PostgreSQL cannot store it (the API's schemas refuse
it in JSON bodies the same way).
"""
from __future__ import annotations

from flask import Flask, request

from gallery.errors import InvalidInput

UPLOAD_ENDPOINTS = {"patients.upload", "api.upload_photo", "capture.take"}
SMALL_BODY = 2 * 1024 * 1024  # a 60-site plan is ~20 kB, a drawn signature under 300 kB


def init_app(app: Flask) -> None:
    """Register before anything reads the body (the CSRF check reads the form)."""
    # Whole multipart upload request: every file may reach the per-file limit.
    upload_body = int(app.config["GALLERY_MAX_UPLOAD_MB"] * 1024 * 1024 * app.config["GALLERY_MAX_FILES_PER_UPLOAD"]
                      + 1024 * 1024)
    app.config["MAX_CONTENT_LENGTH"] = SMALL_BODY

    @app.before_request
    def _photo_sized_bodies_for_uploads() -> None:
        if request.endpoint in UPLOAD_ENDPOINTS:
            request.max_content_length = upload_body

    @app.before_request
    def _no_nul_characters() -> None:
        fields = [*request.args.items(multi=True), *request.form.items(multi=True)]
        if any("\x00" in f"{key}{value}" for key, value in fields):  # (a malformed part may have no name)
            raise InvalidInput("A field contains a NUL character, which no text here may hold.")
