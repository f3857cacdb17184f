"""URL converters shared by every route."""
from __future__ import annotations

from werkzeug.routing import IntegerConverter, Map

MAX_RECORD_ID = 2**31 - 1  # primary keys are INTEGER: 32 bits on PostgreSQL


class RecordId(IntegerConverter):
    """A database id, 1 to 2**31 - 1: anything else is no route (404), never an
    integer the database cannot bind (a 500). Documented as such in OpenAPI."""

    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, min=1, max=MAX_RECORD_ID)
