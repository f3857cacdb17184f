"""Rate-limit counters in a SQLite file of the data directory, shared by every process on the host.

Flask-Limiter's default storage is the process's memory: with gunicorn's
workers each counts on its own, so a limit of 10 sign-in attempts a minute
becomes 10 per worker. This storage (``gallery+sqlite://<path>``, the default)
keeps fixed-window counters in one SQLite file; several hosts name Redis in
``GALLERY_RATE_LIMIT_STORAGE`` instead.
"""
from __future__ import annotations

import sqlite3
import threading
import time

from limits.storage import Storage

SCHEME = "gallery+sqlite"
# A hung Redis holds each request at most this long per counter, then the request goes on.
REDIS_TIMEOUT_S = 0.5


def storage_options(uri: str) -> dict[str, object]:
    """Options for the counters' storage: its errors raised as ``limits.errors.StorageError`` (which
    Flask-Limiter and ``gallery.throttle`` let through, logged), and a bounded wait on Redis."""
    options: dict[str, object] = {"wrap_exceptions": True}
    if uri.startswith(("redis://", "rediss://")):
        options.update(socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S)
    return options


class SQLiteStorage(Storage):
    """Fixed-window counters: ``key -> (count, expires at)``; each update is one immediate transaction."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: float | str | bool) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = uri[len(f"{SCHEME}://"):]
        self._local = threading.local()
        with self._connection() as db:
            db.execute("CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, count INTEGER, expires REAL)")

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        """One connection per thread (sqlite3 connections are not shared across threads)."""
        if getattr(self._local, "db", None) is None:
            self._local.db = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            self._local.db.execute("PRAGMA journal_mode=WAL")
        return self._local.db

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        db = self._connection()
        now = time.time()
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute("SELECT count, expires FROM counters WHERE key = ?", (key,)).fetchone()
            count = amount if row is None or row[1] <= now else row[0] + amount
            expires = now + expiry if row is None or row[1] <= now else row[1]
            db.execute("INSERT OR REPLACE INTO counters (key, count, expires) VALUES (?, ?, ?)", (key, count, expires))
            db.execute("DELETE FROM counters WHERE expires <= ?", (now,))  # keeps the file small
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return count

    def get(self, key: str) -> int:
        row = self._connection().execute("SELECT count FROM counters WHERE key = ? AND expires > ?",
                                         (key, time.time())).fetchone()
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._connection().execute("SELECT expires FROM counters WHERE key = ?", (key,)).fetchone()
        return row[0] if row else time.time()

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        with self._connection() as db:
            return db.execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counters WHERE key = ?", (key,))
