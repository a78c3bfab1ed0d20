"""The SQLite database: one connection per worker thread, lent to each request on `g`; the init-db command."""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from time import monotonic

import click
import sqlite_utils
from flask import Flask, current_app, g
from flask.cli import with_appcontext

from . import clock, private
from .migrations import migrations

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    # FULL, not NORMAL: in WAL mode NORMAL skips the fsync of the log at each commit, so a confirmed request
    # could vanish in a power cut; FULL makes every commit durable before the page says "sent".
    "PRAGMA synchronous=FULL",
)


class Database(sqlite_utils.Database):
    """sqlite-utils' Database, whose query results can be ended when the request that made them ends.

    A result read halfway keeps its statement open, and an open statement keeps
    the connection's read snapshot: on a connection kept for the next request,
    that request would read the database as it was. `finish()` ends them all.
    """

    def __init__(self, *args, **kwargs):
        self._results: weakref.WeakSet = weakref.WeakSet()
        super().__init__(*args, **kwargs)

    def query(self, sql, params=None):
        rows = super().query(sql, params)
        self._results.add(rows)
        return rows

    def execute(self, sql, parameters=None):
        cursor = super().execute(sql, parameters)
        self._results.add(cursor)
        return cursor

    def finish(self) -> None:
        """End every result still open (reading one afterwards finds no more rows)."""
        for result in list(self._results):
            result.close()
        self._results.clear()


def connect(path) -> Database:
    """A connection with the app's pragmas; creates the file private (0600) when it is new."""
    _make_private(Path(path))
    db = Database(path, execute_plugins=False)  # no plugins: skips a 25 ms scan of installed packages
    for pragma in PRAGMAS:
        db.execute(pragma)
    return db


def _make_private(path: Path) -> None:
    """The database and its -wal and -shm files: 0600, from the first byte.

    SQLite gives -wal and -shm the database file's mode, so creating the database
    private makes all three private. Resetting the companions' modes here also
    undoes a read-only -shm left behind by a read-only spell (it would otherwise
    refuse every write after the database itself is writable again).
    """
    if not path.exists():
        private.touch(path)
    for companion in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if companion.stat().st_mode & 0o777 != private.FILE_MODE:
                companion.chmod(private.FILE_MODE)
        except OSError:  # absent, or not ours to change: SQLite reports what matters
            pass


class _Kept(threading.local):
    """This thread's connection, with what it was opened for.

    Opening (file checks, four pragmas) and closing (a WAL checkpoint) cost a
    quarter of a patient request; a connection kept per thread costs neither.
    It is opened lazily, so a gunicorn worker opens its own after the fork, and
    it is keyed by process, file and pragmas: a forked child, another test
    database or changed settings get a connection of their own.
    """

    key: tuple | None = None
    db: sqlite_utils.Database | None = None
    optimized_at: float = 0.0  # monotonic() of this connection's last PRAGMA optimize (or its opening)


_kept = _Kept()
# A connection the parent opened before a fork is neither used nor closed in the child (SQLite forbids both).
_inherited: list[sqlite_utils.Database] = []


# SQLite's advice for a connection that stays open is `PRAGMA optimize` now and then ("perhaps once per hour").
# It analyses a table when a query of this connection lacked statistics (the queue's order at 100k requests:
# 110 ms without, 1 ms with) or the table grew 25-fold. Run after every request it cost a tenth of a patient
# request: it analyses an empty table every time (no statistics come of it), and each analysis makes the next
# statement reload the schema. So: hourly, and at once after a slow request (a plan that lacked statistics).
OPTIMIZE_EVERY_SECONDS = 3600
SLOW_REQUEST_SECONDS = 0.05


def get_db() -> sqlite_utils.Database:
    if "db" not in g:
        g.db = _thread_connection(current_app.config["DATABASE"])
        g.db_lent_at = monotonic()
    return g.db


def _thread_connection(path) -> sqlite_utils.Database:
    key = (os.getpid(), str(path), PRAGMAS)
    if _kept.key == key:
        try:
            _kept.db.conn.total_changes  # noqa: B018  (raises if code elsewhere closed the lent connection)
            return _kept.db
        except sqlite3.ProgrammingError:
            _kept.db, _kept.key = None, None
    _forget_thread_connection()
    _kept.db, _kept.key, _kept.optimized_at = connect(path), key, monotonic()
    return _kept.db


def _forget_thread_connection() -> None:
    db, key = _kept.db, _kept.key
    _kept.db, _kept.key = None, None
    if db is None:
        return
    if key[0] == os.getpid():
        db.close()
    else:
        _inherited.append(db)


def close_db(exc=None) -> None:
    """End of a request: hand the connection back clean (no transaction left open), or drop it after an error."""
    db = g.pop("db", None)
    lent_at = g.pop("db_lent_at", None)
    if db is None:
        return
    if db is not _kept.db:  # settings changed during the request: this one is no longer kept
        db.close()
        return
    if exc is not None:  # the next request starts on a fresh connection
        _forget_thread_connection()
        return
    try:
        db.finish()  # no result read halfway keeps this request's snapshot for the next one
        if db.conn.in_transaction:
            db.conn.rollback()  # a request that left one open: its writes were never confirmed
        now = monotonic()
        if now - (lent_at or now) >= SLOW_REQUEST_SECONDS or now - _kept.optimized_at >= OPTIMIZE_EVERY_SECONDS:
            db.execute("PRAGMA optimize")
            _kept.optimized_at = now
    except sqlite3.Error:
        _forget_thread_connection()


def health() -> dict[str, str]:
    """Can the database be read, and written? Each check "ok" or "failed" (for /healthz)."""
    checks = {"database": "failed", "writable": "failed"}
    try:
        db = get_db()
        next(db.query("SELECT 1 AS ok"))
        checks["database"] = "ok"
        db.execute("INSERT OR REPLACE INTO health_check (id, at) VALUES (1, ?)", [clock.iso(clock.now())])
        checks["writable"] = "ok"
    except sqlite3.Error as error:
        current_app.logger.error("Health check failed: %s: %s", type(error).__name__, error)
    return checks


def init_db(path) -> list[str]:
    """Apply pending migrations; returns the names applied (none on a second run)."""
    db = connect(path)
    try:
        pending = [m.name for m in migrations.pending(db)]
        migrations.apply(db)
        return pending
    finally:
        db.close()


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create the database or bring it up to date (safe to run again)."""
    applied = init_db(current_app.config["DATABASE"])
    click.echo(f"Applied {len(applied)} migration(s)." if applied else "Database is up to date.")


def backup(source_path, target_path) -> None:
    """A consistent copy of the live database (SQLite's online backup; safe while the app runs)."""
    private.touch(target_path)  # private before the first page is copied
    source, target = sqlite3.connect(source_path), sqlite3.connect(target_path)
    try:
        with target:
            source.backup(target)
    finally:
        source.close()
        target.close()


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(target: str) -> None:
    """Write a consistent copy of the database to TARGET (it holds health data: keep it safe)."""
    if Path(target).exists():
        raise click.ClickException(f"{target} exists already; choose a new file name.")
    backup(current_app.config["DATABASE"], target)
    click.echo(f"Backed up to {target}.")


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
    app.cli.add_command(backup_command)


@contextmanager
def immediate_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A write transaction that takes the write lock at BEGIN.

    `db.atomic()` begins a deferred transaction; when two requests read and then
    write the same rows (a double submit), the second would fail with
    SQLITE_BUSY instead of waiting. BEGIN IMMEDIATE makes it wait its turn.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    db.execute("COMMIT")
