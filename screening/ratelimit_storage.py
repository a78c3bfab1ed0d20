"""A rate-limit store in a small SQLite file, so that limits hold across every gunicorn worker.

Flask-Limiter's `memory://` counts per process: with three workers a limit of
20 lets 60 through. Redis or memcached would share the count too, but a small
clinic server then runs and secures one more service. This file needs nothing:
each count is one atomic upsert (`INSERT ... ON CONFLICT ... RETURNING`), safe
across processes and threads. Counts are not health data and need no
durability, so the file uses `synchronous=OFF`.

Registered with the `limits` library as the `sqlite://` scheme
(`RATELIMIT_STORAGE_URI=sqlite:////path/to/ratelimits.db`); fixed windows only,
Flask-Limiter's default strategy.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time

from limits.storage import Storage

from . import private

SCHEMA = "CREATE TABLE IF NOT EXISTS limits (key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires_at REAL NOT NULL)"


class SQLiteStorage(Storage):
    STORAGE_SCHEME = ["sqlite"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions, **options)
        self.path = uri.split("://", 1)[1]
        self._local = threading.local()

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _db(self) -> sqlite3.Connection:
        """One connection per process and thread (gunicorn forks after the app is made)."""
        if getattr(self._local, "pid", None) != os.getpid():
            if not os.path.exists(self.path):
                private.touch(self.path)
            db = sqlite3.connect(self.path, isolation_level=None, timeout=5, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")
            db.execute(SCHEMA)
            self._local.db, self._local.pid = db, os.getpid()
        return self._local.db

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        return (
            self._db()
            .execute(
                """INSERT INTO limits (key, count, expires_at) VALUES (?, ?, ?)
               ON CONFLICT (key) DO UPDATE SET
                   count = CASE WHEN expires_at <= ? THEN excluded.count ELSE count + excluded.count END,
                   expires_at = CASE WHEN expires_at <= ? THEN excluded.expires_at ELSE expires_at END
               RETURNING count""",
                [key, amount, now + expiry, now, now],
            )
            .fetchone()[0]
        )

    def get(self, key: str) -> int:
        row = (
            self._db()
            .execute("SELECT count FROM limits WHERE key = ? AND expires_at > ?", [key, time.time()])
            .fetchone()
        )
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._db().execute("SELECT expires_at FROM limits WHERE key = ?", [key]).fetchone()
        return row[0] if row else time.time()

    def check(self) -> bool:
        return self._db().execute("SELECT 1").fetchone() == (1,)

    def reset(self) -> int | None:
        return self._db().execute("DELETE FROM limits").rowcount

    def clear(self, key: str) -> None:
        self._db().execute("DELETE FROM limits WHERE key = ?", [key])

    def purge_expired(self) -> int:
        return self._db().execute("DELETE FROM limits WHERE expires_at <= ?", [time.time()]).rowcount
