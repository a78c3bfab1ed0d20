"""The SQLite database: one connection per request on `g`, and the init-db command."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
    "PRAGMA synchronous=FULL",
)


def connect(path) -> sqlite_utils.Database:
    """A connection with the app's pragmas; creates the file private (0600) when it is new."""
    _make_private(Path(path))
    db = sqlite_utils.Database(path)
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


def get_db() -> sqlite_utils.Database:
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"])
    return g.db


def close_db(_exc=None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


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
