"""The SQLite database: one connection per request on `g`, and the init-db command."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import click
import sqlite_utils
from flask import Flask, current_app, g
from flask.cli import with_appcontext

from .migrations import migrations

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    "PRAGMA synchronous=FULL",
)


def connect(path) -> sqlite_utils.Database:
    db = sqlite_utils.Database(path)
    for pragma in PRAGMAS:
        db.execute(pragma)
    return db


def get_db() -> sqlite_utils.Database:
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"])
    return g.db


def close_db(_exc=None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


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


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)


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
