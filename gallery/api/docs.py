"""The browsable API reference: Swagger UI over /api/v1/openapi.json, served from the
installed ``swagger-ui-bundle`` package (no CDN: clinics may block outside scripts)."""
from __future__ import annotations

from flask import Blueprint, render_template, send_from_directory
from swagger_ui_bundle import swagger_ui_path
from werkzeug.wrappers import Response

from gallery.errors import NotFound

bp = Blueprint("api_docs", __name__)
ASSETS = {"swagger-ui.css", "swagger-ui-bundle.js"}


@bp.get("/api/docs")
def reference() -> str:
    return render_template("api/docs.html")


@bp.get("/api/docs/assets/<name>")
def asset(name: str) -> Response:
    if name not in ASSETS:
        raise NotFound("No such file.")
    return send_from_directory(swagger_ui_path, name, max_age=86400)
