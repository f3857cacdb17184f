"""Pages of a list that can grow: one page of rows, the total, and the neighbours.

At a chain's size a clinic has 20,000 patients and an audit log of millions of
rows: a list is never loaded whole (the API's patient list once sent 1.26 MB, the
patients and audit pages stopped at 500 rows with no way on).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select

from gallery.db import get_db
from gallery.errors import InvalidInput

T = TypeVar("T")
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    """``items`` of page ``number`` (from 1) of ``total`` rows, ``size`` a page."""

    items: list[T]
    number: int
    size: int
    total: int
    # The count stopped at ``total`` (``paginate``'s ``count_limit``): there are more rows.
    more: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages or (self.more and len(self.items) == self.size)


def page_number(value: Any, *, default: int = 1) -> int:
    """A ``page`` query argument: a whole number from 1, or ``default`` when absent."""
    if value in (None, ""):
        return default
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= 1_000_000:
        raise InvalidInput("page must be a whole number from 1.")
    return int(text)


def paginate(statement: Select, number: int, size: int, *, rows: bool = False,
             count_limit: int | None = None) -> Page:
    """Page ``number`` of ``statement``'s rows (ordered by it: give it a total order); its first
    entity of each row, or with ``rows`` the whole rows (a select of several entities).

    ``count_limit``: count no further than that many rows (the page then says "more"); a
    clinic's whole audit log is a million rows, and counting them on every page took 30 ms.
    """
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"page_size must be from 1 to {MAX_PAGE_SIZE}.")
    db = get_db()
    counted = statement.order_by(None) if count_limit is None else statement.order_by(None).limit(count_limit + 1)
    total = db.scalar(select(func.count()).select_from(counted.subquery())) or 0
    more = count_limit is not None and total > count_limit
    window = statement.limit(size).offset((number - 1) * size)
    items = list(db.execute(window).all() if rows else db.scalars(window))
    return Page(items=items, number=number, size=size, total=count_limit if more else total, more=more)
