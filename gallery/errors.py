"""Domain errors and the one place that turns any error into an HTTP response.

Deep code raises a ``GalleryError`` subclass (or an ``uploads`` error); the
handler here finds the status by class and renders JSON under ``/api/v1`` and
the error page elsewhere. Nothing else in the app builds an error response.
"""
from __future__ import annotations

import logging

from botocore.exceptions import BotoCoreError, ClientError
from flask import Flask, Response, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from uploads.errors import (
    CorruptImage,
    EmptyFile,
    FileTooLarge,
    SuspiciousContent,
    TooManyPixels,
    UnsupportedImage,
    UploadError,
)

log = logging.getLogger(__name__)


class GalleryError(Exception):
    """An expected failure caused by the request; ``str(error)`` is shown to the user."""

    code = "bad_request"
    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    @property
    def headers(self) -> dict[str, str]:
        """Extra response headers (e.g. when to retry)."""
        return {}


class NotFound(GalleryError):
    """Missing, or belonging to another clinic: the two are never told apart."""

    code = "not_found"
    status = 404


class InvalidInput(GalleryError):
    code = "invalid_input"
    status = 422


class Conflict(GalleryError):
    code = "conflict"
    status = 409


class PhotoDateUnconfirmed(Conflict):
    """A photo's own (camera) date is far from today: a wrong camera clock or an old
    photo. The caller must say which date to file it on, or it would make a visit then."""

    code = "photo_date_unconfirmed"


class NotShowable(Conflict):
    """A de-identified image cannot be made: no treated area shows enough skin on its own."""

    code = "not_showable"


class TooManyFailures(GalleryError):
    """Wrong credentials from an address that has failed too often just now."""

    code = "too_many_failures"
    status = 429

    def __init__(self, message: str, retry_after_s: int):
        super().__init__(message)
        self.retry_after_s = retry_after_s

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}


class Gone(GalleryError):
    """Existed, and was removed on purpose (an archive past its keeping time)."""

    code = "gone"
    status = 410


class PlanChanged(GalleryError):
    """A save made from an older copy of the plan than the one stored."""

    code = "plan_changed"
    status = 412


class PlanTagMissing(GalleryError):
    code = "if_match_required"
    status = 428


class Unauthorized(GalleryError):
    code = "unauthorized"
    status = 401


class Unavailable(GalleryError):
    """A dependency (database, storage) failed; the request changed nothing."""

    code = "unavailable"
    status = 503


class Forbidden(GalleryError):
    code = "forbidden"
    status = 403


UPLOAD_STATUS: dict[type[UploadError], int] = {
    EmptyFile: 400,
    FileTooLarge: 413,
    TooManyPixels: 413,
    UnsupportedImage: 415,
    SuspiciousContent: 415,
    CorruptImage: 422,
}


def upload_status(error: UploadError) -> int:
    return next((status for cls, status in UPLOAD_STATUS.items() if isinstance(error, cls)), 400)


def wants_json() -> bool:
    """The API, and the JSON endpoints the pages' scripts call."""
    return request.path.startswith("/api/") or request.path.endswith(".json")


def error_response(status: int, code: str, message: str) -> Response:
    if wants_json():
        response = jsonify({"error": {"code": code, "message": message}})
    else:
        response = Response(render_template("error.html", status=status, message=message), mimetype="text/html")
    response.status_code = status
    return response


def _handle_gallery(error: GalleryError) -> Response:
    response = error_response(error.status, error.code, error.message)
    response.headers.update(error.headers)
    return response


def _handle_upload(error: UploadError) -> Response:
    return error_response(upload_status(error), error.code, str(error))


def _handle_csrf(error: CSRFError) -> Response:
    return error_response(400, "csrf_failed",
                          "The form expired or was sent from elsewhere. Reload the page and try again.")


def _handle_http(error: HTTPException) -> Response:
    messages = {
        404: "This page does not exist.",
        405: "This action is not allowed here.",
        413: "The upload is larger than the configured limit.",
        429: "Too many attempts. Wait a minute and try again.",
    }
    status = error.code or 500
    message = messages.get(status, error.description or "The request could not be handled.")
    return error_response(status, (error.name or "error").lower().replace(" ", "_"), message)


def _without_the_database() -> None:
    """The error page must not query the database that just failed: the signed-in user's menu
    (their clinic's name, loaded lazily) is left out of it."""
    g.pop("user", None)


def _handle_unwritable(error: OperationalError) -> Response:
    log.exception("database error on %s", request.path)
    _without_the_database()
    return error_response(503, "unavailable", "The database cannot be written right now (the disk may be full); "
                                              "nothing was saved. Try again later.")


def _handle_database_gone(error: DBAPIError) -> Response:
    """A connection lost while the database restarts (closed under the request, or invalidated):
    503 like a database that cannot be reached. Any other database error is a bug: 500."""
    if isinstance(error, InterfaceError) or error.connection_invalidated:
        log.exception("database connection lost on %s", request.path)
        _without_the_database()
        return error_response(503, "unavailable", "The database cannot be reached right now; nothing was saved. "
                                                  "Try again in a minute.")
    return _handle_unexpected(error)


def _handle_store_down(error: BotoCoreError | ClientError) -> Response:
    log.exception("photo store error on %s", request.path)
    return error_response(503, "unavailable", "The photo store cannot be reached right now; nothing was changed. "
                                              "Try again in a minute, or tell the clinic's administrator.")


def _handle_unexpected(error: Exception) -> Response:
    log.exception("unhandled error on %s", request.path)
    return error_response(500, "internal_error", "Something went wrong on our side. The error has been logged.")


def init_app(app: Flask) -> None:
    app.register_error_handler(GalleryError, _handle_gallery)
    app.register_error_handler(UploadError, _handle_upload)
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(OperationalError, _handle_unwritable)
    app.register_error_handler(DBAPIError, _handle_database_gone)
    app.register_error_handler(BotoCoreError, _handle_store_down)
    app.register_error_handler(ClientError, _handle_store_down)
    app.register_error_handler(Exception, _handle_unexpected)
