"""How API operations are declared: flask-smorest over marshmallow schemas.

Each operation names its input and output schemas once (``@bp.arguments``,
``@bp.response``); the same schemas validate the request, shape the response
and write ``/api/v1/openapi.json``. The app's own error handler stays the one
place that renders errors, so failed validation is a ``GalleryError`` with a
readable message in ``{"error": {"code", "message"}}``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

import flask_smorest
from flask import Flask
from marshmallow import Schema, ValidationError
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict

from gallery.api.schemas import ApiError
from gallery.errors import InvalidInput

TOO_DEEP = "The JSON body is nested too deeply."
BEARER = {"bearer": {"type": "http", "scheme": "bearer", "description": "A token from `flask --app app create-token`."}}


def describe(messages: Mapping[Any, Any] | list[Any], path: str = "") -> str:
    """marshmallow's nested error messages as one sentence per field, named by JSON path."""
    if isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            text = " ".join(messages)
            if not path:
                return text
            return f"'{path}' {text}" if text[:1].islower() else f"'{path}': {text}"
        messages = dict(enumerate(messages))
    parts = []
    for key, value in messages.items():
        if key == "_schema":
            parts.append(describe(value, path))
        elif isinstance(key, int):
            parts.append(describe(value, f"{path}[{key}]"))
        else:
            parts.append(describe(value, f"{path}.{key}" if path else str(key)))
    return " ".join(parts)


def load(schema: Schema, data: Any) -> Any:
    """``schema.load(data)``, failing as a readable 422 (for routes outside the API)."""
    try:
        return schema.load(data)
    except ValidationError as error:
        raise InvalidInput(describe(error.messages)) from None


class _Parser(FlaskParser):
    """webargs' parser, failing the app's way instead of aborting with its own body,
    with a ``multipart`` location: a form's fields and files as one body."""

    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}
    # Each schema's own ``unknown`` rule applies (webargs would drop unknown query keys).
    DEFAULT_UNKNOWN_BY_LOCATION: dict[str, str | None] = {}

    def load_multipart(self, req: Any, schema: Schema) -> MultiDictProxy:
        return MultiDictProxy(CombinedMultiDict([req.files, req.form]), schema)

    def handle_error(self, error: ValidationError, req: Any, schema: Schema, *, error_status_code: int | None,
                     error_headers: Mapping[str, str] | None) -> NoReturn:
        # webargs nests messages under the location ("json", "form"); the caller knows where it sent them.
        messages = error.messages
        if isinstance(messages, dict) and len(messages) == 1 and next(iter(messages)) in self.__location_map__:
            messages = next(iter(messages.values()))
        raise InvalidInput(describe(messages))

    def _handle_invalid_json_error(self, error: Exception, req: Any, *args: Any, **kwargs: Any) -> NoReturn:
        raise InvalidInput("Send a JSON object with Content-Type: application/json.")

    def load_json(self, req: Any, schema: Schema) -> Any:
        try:
            return super().load_json(req, schema)
        except RecursionError:  # e.g. 50,000 nested brackets: refused, never a 500
            raise InvalidInput(TOO_DEEP) from None


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = _Parser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {**flask_smorest.Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
                                             "multipart": "multipart/form-data"}


class Api(flask_smorest.Api):
    """flask-smorest's Api with the app's error schema and handler."""

    ERROR_SCHEMA = ApiError

    def _register_error_handlers(self) -> None:
        """Errors are rendered by ``gallery.errors`` for the whole app, API included."""


SETTINGS = {
    "API_TITLE": "Injector Gallery API",
    "API_VERSION": "1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
}


def init_api(app: Flask, blueprint: Blueprint) -> Api:
    """Register ``blueprint``'s operations and serve their document at /api/v1/openapi.json."""
    for key, value in SETTINGS.items():
        app.config.setdefault(key, value)
    api = Api(app, spec_kwargs={"components": {"securitySchemes": BEARER}, "security": [{"bearer": []}]})
    api.register_blueprint(blueprint)
    return api
