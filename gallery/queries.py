"""Clinic-scoped queries: the only place the clinic filter is written.

Every lookup of a record by an id from a URL goes through ``clinic_get``: a
record of another clinic is "not found", exactly like a missing one.
"""
from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Select, select

from gallery.auth import current_clinic_id
from gallery.db import get_db
from gallery.errors import NotFound

T = TypeVar("T")


def clinic_select(model: type[T]) -> Select[tuple[T]]:
    """``select(model)`` limited to the current user's clinic."""
    return select(model).where(model.clinic_id == current_clinic_id())  # type: ignore[attr-defined]


def clinic_get(model: type[T], record_id: int) -> T:
    record = get_db().scalar(clinic_select(model).where(model.id == record_id))  # type: ignore[attr-defined]
    if record is None:
        raise NotFound(f"No such {model.__name__.lower()}.")
    return record
