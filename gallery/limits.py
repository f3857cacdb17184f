"""Request limits: photo-sized bodies only where photos are uploaded; text that can be stored.

Every other route (JSON, forms, the signature pad) takes at most ``SMALL_BODY``,
so nobody can make a worker read hundreds of megabytes into memory by posting
them to the login form or a JSON endpoint. A NUL in a query or form field is
refused for every route: PostgreSQL cannot store it (the API's schemas refuse
it in JSON bodies the same way). A JSON string may spell a lone UTF-16 surrogate
(``"\ud800"``), which no UTF-8 text holds: such a body is refused (422) before any
route reads it, instead of failing where it is written.
"""
from __future__ import annotations

import json
from typing import Any

from flask import Flask, request

from gallery.errors import InvalidInput

UPLOAD_ENDPOINTS = {"patients.upload", "api.upload_photo", "capture.take"}
SMALL_BODY = 2 * 1024 * 1024  # a 60-site plan is ~20 kB, a drawn signature under 300 kB


def _holds_lone_surrogate(document: Any) -> bool:
    """Whether any key or string in a parsed JSON document cannot be encoded as UTF-8."""
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


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

    @app.before_request
    def _json_text_is_unicode() -> None:
        if not request.is_json:
            return
        try:
            document = json.loads(request.get_data(cache=True))
        except (ValueError, RecursionError):
            return  # malformed: the route's own parser says so
        if _holds_lone_surrogate(document):
            raise InvalidInput("A text in the JSON body is not valid Unicode (it holds a lone surrogate such as "
                               "\\ud800); send UTF-8 text.")
