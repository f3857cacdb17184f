"""The database: one engine per app, one session per request, migrations at start.

``get_db()`` is the only way views reach the database (as ``get_db`` in
flaskr); the session is closed when the request ends.
"""
from __future__ import annotations

import fcntl
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

_MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger(__name__)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers and one writer work at once (two app processes on one
    # data directory); busy_timeout makes a writer wait instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def get_db() -> Session:
    """The request's session (created on first use, closed at teardown)."""
    if "db" not in g:
        g.db = current_app.extensions["gallery_sessionmaker"]()
    return g.db


def separate_session() -> Session:
    """A session apart from the request's (the caller closes it, e.g. ``with``): for a response
    streamed after the view returns (the request's session is closed at teardown, before the body
    is sent), or a write committed on its own whatever the request does."""
    return current_app.extensions["gallery_sessionmaker"]()


def _close_db(_exc: BaseException | None = None) -> None:
    """Close the request's session. Its connection may have died under it (the database restarted):
    closing rolls back on that connection and fails, after the response was made; the connection is
    then dropped from the pool, and the answer stands (it was a 200 or the 503 of the lost database)."""
    session = g.pop("db", None)
    if session is None:
        return
    try:
        session.close()
    except DBAPIError:
        log.warning("the database connection was lost while closing a request's session", exc_info=True)
        session.invalidate()


# pg_advisory_lock key of the schema migration ("gallery migrate" folded into a bigint).
MIGRATION_LOCK = 0x6761_6C6C_6572_79


def migrate(engine: Engine, data_dir: str) -> None:
    """Create or upgrade the schema to the newest migration, one process at a time.

    Hosts starting together against one PostgreSQL wait on a session-level advisory
    lock (a file lock only serialised the processes of one host); SQLite, a file on
    one host, keeps the file lock in the data directory. Each migration runs in its
    own transaction, so one that builds an index CONCURRENTLY (outside a
    transaction) can commit what came before it.
    """
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with open(Path(data_dir) / ".migrate.lock", "w") as lock, engine.connect() as connection:
        fcntl.flock(lock, fcntl.LOCK_EX)
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            connection.commit()
        try:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        finally:
            if postgres:
                connection.rollback()
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
                connection.commit()


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["gallery_engine"] = engine
    app.extensions["gallery_sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_db)
