"""Creating and dropping indexes in a migration without locking a large table.

On PostgreSQL an index is built CONCURRENTLY, outside the migration's transaction, so the
table stays writable while it builds (IF NOT EXISTS: a build interrupted and retried does not
fail on the half it made). SQLite builds it in the migration's transaction. Migrations keep
their own list of indexes: this module only builds what it is given, so an old migration
means the same thing whatever later code does.
"""
from __future__ import annotations

from typing import Any

from alembic import op

# (name, table, columns or expressions, keyword options of op.create_index)
IndexSpec = tuple[str, str, list[Any], dict[str, Any]]


def create_indexes(indexes: tuple[IndexSpec, ...]) -> None:
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            for name, table, columns, options in indexes:
                op.create_index(name, table, columns, postgresql_concurrently=True, if_not_exists=True, **options)
    else:
        for name, table, columns, options in indexes:
            op.create_index(name, table, columns, **options)


def drop_indexes(indexes: tuple[IndexSpec, ...]) -> None:
    for name, table, _, _ in indexes:
        op.drop_index(name, table_name=table)
