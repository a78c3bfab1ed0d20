"""One route doing one durable SQLite insert (WAL, synchronous=FULL): the floor of a confirmed write on this disk.

The connection is kept per worker thread (opened after gunicorn forks), so what is left is the write and its fsync.
"""

import os
import sqlite3
import threading

from flask import Flask

app = Flask(__name__)
DATABASE = os.environ.get("BENCH_DATABASE", "bench-insert.db")
_local = threading.local()


def prepare(path) -> None:
    """The file in WAL mode with its table, before the workers start (they would race to switch the mode)."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE IF NOT EXISTS hits (id INTEGER PRIMARY KEY, at REAL NOT NULL)")
    finally:
        connection.close()


def db() -> sqlite3.Connection:
    if getattr(_local, "db", None) is None:
        _local.db = sqlite3.connect(DATABASE, timeout=5, isolation_level=None)
        _local.db.execute("PRAGMA synchronous=FULL")
    return _local.db


@app.route("/", methods=["GET", "POST"])
def insert():
    db().execute("INSERT INTO hits (at) VALUES (julianday('now'))")
    return "stored"


@app.get("/healthz")
def healthz():
    return {"status": "ok"}
