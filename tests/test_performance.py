"""What makes the app fast without trading anything away (issue 15; the figures come from `make bench`).

Static files cached for good under content-hashed URLs, one database connection per worker thread (clean
between requests, never shared across a fork), statistics for the planner without a manual ANALYZE, CSV sent
in batches of rows, nothing heavy imported at start-up.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import secrets
import sqlite3
import subprocess
import sys

import pytest
from flask import g

from screening import create_app, csv_export, static_files
from screening import db as database
from screening.db import connect, get_db, init_db

from .conftest import post_form, test_settings
from .journeys import ROOT

ASSET_RE = re.compile(r'<(?:link[^>]+href|script[^>]+src)="(/static/[^"]+)"')


# Static files


def test_a_page_after_the_first_needs_no_other_request(client):
    """Every CSS and JS file a patient page links to is cached for a year under a URL that names its content."""
    html = client.get("/").get_data(as_text=True)
    assets = ASSET_RE.findall(html)
    assert {a.split("?")[0] for a in assets} >= {"/static/css/main.css", "/static/js/app.js"}
    for url in assets:
        assert re.search(r"\?v=[0-9a-f]{16}$", url), url
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "no-store" not in response.headers["Cache-Control"]


def test_an_unversioned_or_outdated_static_url_is_checked_again_every_time(client):
    for url in ("/static/css/main.css", "/static/css/main.css?v=0123456789abcdef"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-cache"


def test_a_changed_file_gets_a_new_url(tmp_path):
    path = tmp_path / "style.css"
    path.write_text("body { color: black; }")
    first = static_files.content_hash(path)
    assert static_files.content_hash(path) == first
    path.write_text("body { color: navy; }   ")
    assert static_files.content_hash(path) != first
    assert static_files.content_hash(tmp_path / "missing.css") is None


def test_static_urls_never_reach_outside_the_static_folder(client):
    assert client.get("/static/../config.py").status_code == 404


# One connection per worker thread


def _request_connection(app):
    with app.test_request_context():
        db = get_db()
        db.execute("INSERT INTO health_check (id, at) VALUES (1, 'x') ON CONFLICT (id) DO UPDATE SET at = 'y'")
        return db


def test_requests_of_one_thread_share_its_connection_and_each_database_has_its_own(app, tmp_path):
    first = _request_connection(app)
    assert _request_connection(app) is first
    other = create_app(test_settings(tmp_path / "other"))
    init_db(other.config["DATABASE"])
    second = _request_connection(other)
    assert second is not first
    with pytest.raises(sqlite3.ProgrammingError):  # the first app's was closed, not leaked
        first.execute("SELECT 1")
    assert _request_connection(other) is second


def test_a_transaction_left_open_is_rolled_back_not_confirmed_by_the_next_request(app):
    with app.test_request_context():
        db = get_db()
        db.execute("BEGIN")
        db.execute("INSERT INTO drafts (id, created_at, updated_at, expires_at) VALUES ('never', 'x', 'x', 'x')")
    with app.test_request_context():
        assert not get_db().conn.in_transaction
        assert list(get_db().query("SELECT * FROM drafts WHERE id = 'never'")) == []


def test_a_request_that_failed_leaves_a_fresh_connection_to_the_next(app):
    with app.app_context():
        failed = get_db()
        app.do_teardown_appcontext(RuntimeError("the request failed"))
        g.pop("db", None)
        assert get_db() is not failed


def test_a_forked_worker_opens_its_own_connection_and_never_closes_its_parents(app, monkeypatch):
    parent = _request_connection(app)
    monkeypatch.setattr(database.os, "getpid", lambda: -1)  # what the child of a fork sees
    child = _request_connection(app)
    assert child is not parent
    assert parent in database._inherited  # kept, never closed: SQLite forbids using it across a fork
    monkeypatch.undo()
    parent.execute("SELECT 1")


def test_changed_pragmas_take_effect_on_the_next_request(app, monkeypatch):
    before = _request_connection(app)
    monkeypatch.setattr(database, "PRAGMAS", (*database.PRAGMAS, "PRAGMA query_only = ON"))
    with app.test_request_context():
        assert get_db() is not before
        assert next(get_db().query("PRAGMA query_only"))["query_only"] == 1


def test_every_confirmed_write_is_synced(app):
    """WAL with synchronous=FULL: each commit reaches the disk before the page answers (NORMAL would not)."""
    with app.test_request_context():
        db = get_db()
        assert next(db.query("PRAGMA journal_mode"))["journal_mode"] == "wal"
        assert next(db.query("PRAGMA synchronous"))["synchronous"] == 2  # FULL


class _Clock:
    """The connection's idea of elapsed time (time.monotonic), moved by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _seeded_queue(tmp_path, monkeypatch, slow_request_seconds: float):
    """A front desk signed in to an app over 3,000 seeded requests, with no statistics yet; the plan before."""
    from bench import seed

    clock = _Clock()
    monkeypatch.setattr(database, "monotonic", clock)
    monkeypatch.setattr(database, "SLOW_REQUEST_SECONDS", slow_request_seconds)
    path = seed.build(tmp_path, [3000], progress=lambda _: None)[3000]
    app = create_app(test_settings(tmp_path, DATABASE=str(path)))
    with sqlite3.connect(path) as db:
        assert not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchall()
        before = [row[-1] for row in db.execute("EXPLAIN QUERY PLAN " + _queue_sql(), ["9999"])]
    client = app.test_client()
    html = client.get("/staff/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    client.post(
        "/staff/login",
        data={"csrf_token": token, "username": seed.STAFF["front_desk"], "password": seed.STAFF_PASSWORD},
    )
    return client, path, clock, before


def _statistics_and_plan(path) -> tuple[int, list[str]]:
    with sqlite3.connect(path) as db:
        exists = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchall()
        rows = db.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'requests'").fetchone()[0] if exists else 0
        return rows, [row[-1] for row in db.execute("EXPLAIN QUERY PLAN " + _queue_sql(), ["9999"])]


def test_the_queue_gets_its_index_within_the_hour_without_a_manual_analyze(tmp_path, monkeypatch):
    """The queue's order at thousands of requests: without statistics SQLite sorts every open request.

    PRAGMA optimize runs on each kept connection hourly (SQLite's advice for connections that stay open), so
    statistics come with no manual step.
    """
    client, path, clock, before = _seeded_queue(tmp_path, monkeypatch, slow_request_seconds=3600)
    assert client.get("/staff/").status_code == 200
    assert _statistics_and_plan(path)[0] == 0  # not after every request: that cost a tenth of each one
    clock.now += database.OPTIMIZE_EVERY_SECONDS
    assert client.get("/staff/").status_code == 200
    statistics, plan = _statistics_and_plan(path)
    assert statistics > 0
    assert not any(step.startswith("SCAN r") for step in before + plan)  # the open requests, by index
    # The order puts call-backs that have come due first, which depends on the time of the query, so no index
    # can give it: the page's ids are sorted from an index holding every column of the order, never the table.
    assert any("COVERING INDEX requests_queue_cover" in step for step in plan), plan


def test_a_slow_request_gathers_statistics_at_once(tmp_path, monkeypatch):
    """A slow page may be a plan that lacked statistics (110 ms for the queue at 100,000 requests): as it
    ends, PRAGMA optimize runs without waiting for the hour."""
    client, path, clock, before = _seeded_queue(tmp_path, monkeypatch, slow_request_seconds=3600)
    monkeypatch.setattr(database, "SLOW_REQUEST_SECONDS", 0)  # every request counts as slow
    assert client.get("/staff/").status_code == 200
    assert _statistics_and_plan(path)[0] > 0


def test_an_ordinary_patient_request_runs_no_optimize(client, monkeypatch):
    """PRAGMA optimize analyses an empty table every time it runs (and the next statement then reloads the
    schema): run after every request, it cost a tenth of a patient request."""
    monkeypatch.setattr(database, "SLOW_REQUEST_SECONDS", 3600)
    statements = []
    with client.application.test_request_context():
        get_db().conn.set_trace_callback(statements.append)
    try:
        for _ in range(3):
            assert post_form(client, "/", "/start", {}).status_code == 303
    finally:
        with client.application.test_request_context():
            get_db().conn.set_trace_callback(None)
    assert any(s.startswith("INSERT INTO drafts") for s in statements)  # the trace saw the requests' statements
    assert not any("optimize" in s.lower() or "ANALYZE" in s for s in statements)


def _queue_sql() -> str:
    from screening.staff import queue

    return (
        f"SELECT r.id FROM requests r WHERE r.status IN ('new', 'contacted', "
        f"'unable_to_reach') {queue.QUEUE_ORDER} LIMIT 50"
    )


# CSV in batches


def test_csv_is_sent_in_batches_of_rows_with_the_same_text_as_row_by_row():
    rows = [[n, f"=name {n}", None, "+1202555"] for n in range(2500)]
    chunks = list(csv_export.stream(["id", "name", "empty", "phone"], iter(rows)))
    assert len(chunks) == 1 + 3  # the header at once, then 1000 + 1000 + 500 rows
    expected = io.StringIO()
    writer = csv.writer(expected)
    writer.writerow(["id", "name", "empty", "phone"])
    writer.writerows([[csv_export.cell(v) for v in row] for row in rows])
    assert "".join(chunks) == expected.getvalue()
    assert list(csv_export.stream(["only"], iter([]))) == ["only\r\n"]


def test_csv_rows_are_read_lazily():
    """A batch is written before the rows after it are read: memory holds one batch, not the whole export."""
    read = []

    def rows():
        for n in range(5000):
            read.append(n)
            yield [n]

    stream = csv_export.stream(["n"], rows())
    next(stream)
    next(stream)
    assert len(read) == csv_export.BATCH_ROWS


def test_the_connection_helper_still_opens_private_files(tmp_path):
    db = connect(tmp_path / "new.db")
    db.close()
    assert oct((tmp_path / "new.db").stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("value", [None, "", "plain", "=1+1", "-2", "\rx", -1, 2.5, 0, True])
def test_a_cell_reads_as_text_and_never_as_a_formula(value):
    text = "" if value is None else str(value)
    expected = "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
    assert csv_export.cell(value) == expected


def test_a_connection_closed_by_mistake_is_replaced_not_lent_again(app):
    _request_connection(app).close()
    assert _request_connection(app).execute("SELECT 1").fetchone() == (1,)


def test_the_next_request_sees_writes_made_elsewhere_even_after_a_query_read_halfway(app):
    """A kept connection never keeps an old snapshot: a result a request left half read ends with the request."""
    other = connect(app.config["DATABASE"])
    for n in range(3):
        other.execute("INSERT INTO drafts (id, created_at, updated_at, expires_at) VALUES (?, 'x', 'x', 'x')", [n])
    with app.test_request_context():
        rows = get_db().query("SELECT id FROM drafts ORDER BY id")
        assert next(rows)["id"] == "0"  # the rest never read
    other.execute("INSERT INTO drafts (id, created_at, updated_at, expires_at) VALUES ('later', 'x', 'x', 'x')")
    with app.test_request_context():
        assert {r["id"] for r in get_db().query("SELECT id FROM drafts")} == {"0", "1", "2", "later"}
    assert list(rows) == []  # ended with its request, not read from an old snapshot
    other.close()


# Start-up


# Imported on first use by the few requests that need them, never by `create_app` (each costs every worker
# 2-15 ms at start-up): QR codes for the diary sheet, phone numbers, email addresses.
IMPORTED_ON_FIRST_USE = ("segno", "phonenumbers", "email_validator")


def test_starting_the_app_imports_nothing_only_some_requests_need(tmp_path):
    """A fresh interpreter, as a gunicorn worker starts: a top-level import of any of these fails here."""
    code = (
        "import json, sys\n"
        "from screening import create_app\n"
        "create_app()\n"
        f"print(json.dumps(sorted(m for m in {IMPORTED_ON_FIRST_USE!r} if m in sys.modules)))\n"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "SECRET_KEY": secrets.token_hex(32),
        "INSTANCE_PATH": str(tmp_path),
        "HOME": str(tmp_path),
    }
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_a_visit_asks_for_its_drafts_language_once(client, monkeypatch):
    """The draft's kept language (none, unless the patient chose one) is looked up on the visit's first page,
    not on every page after it."""
    asked = []
    real = database.sqlite_utils.Database.query

    def query(self, sql, params=None):
        asked.append(sql)
        return real(self, sql, params)

    monkeypatch.setattr(database.sqlite_utils.Database, "query", query)
    assert post_form(client, "/", "/start", {}).status_code == 303
    for _ in range(3):
        assert client.get("/step/age").status_code == 200
    assert sum("SELECT language FROM drafts" in sql for sql in asked) == 1


@pytest.mark.parametrize(
    "zone", ["America/New_York", "Europe/London", "Australia/Adelaide", "Australia/Lord_Howe", "Asia/Kolkata"]
)
def test_clinic_times_in_exports_agree_with_the_zone_through_daylight_saving_switches(zone):
    """The export's clinic times take the zone's offset once per day: every half hour of two years (both
    switches each year, a half-hour zone, a zone that moves by half an hour) reads as the zone itself says."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from screening import clock
    from screening.formatting import ClinicTimes

    clinic_time, tz = ClinicTimes(ZoneInfo(zone)), ZoneInfo(zone)
    moment = datetime(2026, 1, 1, 0, 7, tzinfo=UTC)
    while moment.year < 2028:
        text = clock.iso(moment)
        assert clinic_time(text) == moment.astimezone(tz).isoformat(), text
        moment += timedelta(minutes=30)
    assert (
        clinic_time("2026-07-01T12:00:00.250000+00:00")
        == clock.parse("2026-07-01T12:00:00.250000+00:00").astimezone(tz).isoformat()
    )  # stored another way: through the zone
