"""Headers every response carries: CSP without inline scripts, nosniff, framing, caching, HSTS."""
from __future__ import annotations

from flask import Flask, Response, current_app

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if "Cache-Control" not in response.headers and response.mimetype in ("text/html", "application/json", "text/csv"):
        # Pages, API answers and exports show patient data: never kept by a shared cache, a
        # shared workstation's browser cache or the back button. (Images set their own:
        # staff images "private, no-cache" with an ETag, so a revisit costs a 304.)
        response.headers["Cache-Control"] = "private, no-store"
    if current_app.config["GALLERY_COOKIE_SECURE"]:
        # Served over HTTPS (the setting says so): browsers must never fall back to HTTP.
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response


def init_app(app: Flask) -> None:
    app.after_request(_headers)
