"""Staff pages over HTTP at 1k, 10k and 100k requests, and both CSV exports at the largest size.

One server per size (the README's command, each on its own copy of a seeded database), visited in turns so
that noise on the shared machine falls on every size alike.
"""

from __future__ import annotations

import csv
import io
import random
import sqlite3
import time
import urllib.parse
from contextlib import closing

from tests.journeys import CSRF_RE, Browser, Log

from . import seed
from .procs import BenchServer, expect
from .stats import latency, spread

PAGES = ("queue", "search_name", "search_phone", "intake")


def signed_in(server: BenchServer, role: str = "physician") -> Browser:
    browser = Browser(server.base, Log(), timeout=120)
    page = browser.get("/staff/login")
    token = CSRF_RE.search(page.body).group(1)
    response = browser.post(
        "/staff/login", {"csrf_token": token, "username": seed.STAFF[role], "password": seed.STAFF_PASSWORD}
    )
    expect(response.status in (302, 303), f"sign-in failed: {response.status}")
    return browser


def _timed(browser: Browser, method: str, path: str, data: dict | None = None) -> float:
    began = time.perf_counter()
    response = browser.send(method, path, data)
    elapsed = (time.perf_counter() - began) * 1000
    expect(response.status in (200, 303), f"{method} {path}: {response.status}")
    return elapsed


def _search(browser: Browser, text: str) -> float:
    """Save a search (POST, as the form does), then time the queue page that runs it, over every status.

    The search travels as the random id in the address the POST redirects to (never in a session).
    """
    token = CSRF_RE.search(browser.get("/staff/").body).group(1)
    saved = browser.post("/staff/search", {"csrf_token": token, "q": text})
    expect(saved.status == 303 and "search_id=" in (saved.location or ""), "search not saved")
    path = urllib.parse.urlsplit(saved.location)
    began = time.perf_counter()
    found = browser.get(f"{path.path}?{path.query}&status=all")
    took = (time.perf_counter() - began) * 1000
    expect(found.status == 200 and text[-4:] in found.body, f"search for {text!r} found nothing")
    token = CSRF_RE.search(browser.get("/staff/").body).group(1)
    browser.post("/staff/search", {"csrf_token": token, "q": "", "action": "clear"})
    return took


def staff_pages(servers: dict[int, BenchServer], samples: int, rounds: int) -> dict:
    """p50/p95/p99 of the queue, search (by name, by phone) and intake pages, per size and round.

    Each round visits every size in turn, `samples` times; the spread is over rounds.
    """
    smallest = min(servers)
    rng = random.Random(1)  # which seeded patients to look up  # nosec B311
    browsers = {size: signed_in(server) for size, server in servers.items()}
    references = {size: _references(server, 50) for size, server in servers.items()}
    for browser in browsers.values():  # warm: templates compiled, file pages in the OS cache
        browser.get("/staff/")
    per_round: dict[int, dict[str, list[dict]]] = {size: {page: [] for page in PAGES} for size in servers}
    for _ in range(rounds):
        times = {size: {page: [] for page in PAGES} for size in servers}
        for _ in range(samples):
            n = rng.randint(1, smallest)
            for size, browser in browsers.items():
                times[size]["queue"].append(_timed(browser, "GET", "/staff/"))
                times[size]["search_name"].append(_search(browser, f"Seeded Patient {n:06d}"))
                times[size]["search_phone"].append(_search(browser, f"(202) {n // 10000:03d}-{n % 10000:04d}"))
                reference = rng.choice(references[size])
                times[size]["intake"].append(_timed(browser, "GET", f"/staff/requests/{reference}/intake"))
        for size, pages in times.items():
            for page, values in pages.items():
                per_round[size][page].append(latency(values))
    return {
        size: {page: {p: [r[p] for r in rounds_] for p in ("p50", "p95", "p99")} for page, rounds_ in pages.items()}
        for size, pages in per_round.items()
    }


def _references(server: BenchServer, count: int) -> list[str]:
    with closing(sqlite3.connect(f"file:{server.database}?mode=ro", uri=True)) as db:
        return [row[0] for row in db.execute("SELECT reference FROM requests ORDER BY random() LIMIT ?", [count])]


def _bare_requests(db: sqlite3.Connection) -> int:
    """The floor: the queue export's rows straight from sqlite3 into csv, nothing else."""
    sink, rows = io.StringIO(), 0
    writer = csv.writer(sink)
    for row in db.execute(
        "SELECT r.reference, r.full_name, r.phone, r.email, r.location, s.outcome, s.flags,"
        " r.status, r.created_at, r.due_at FROM requests r JOIN screenings s"
        " ON s.id = r.screening_id ORDER BY (r.status <> 'new'), r.urgent DESC, r.due_at, r.id"
    ):
        writer.writerow(row)
        rows += 1
        if rows % 1000 == 0:
            sink.seek(0)
            sink.truncate()
    return rows


def _bare_screenings(db: sqlite3.Connection) -> int:
    sink, rows = io.StringIO(), 0
    writer = csv.writer(sink)
    for row in db.execute(
        "SELECT s.*, EXISTS (SELECT 1 FROM requests r WHERE r.screening_id = s.id) FROM screenings s ORDER BY s.id"
    ):
        writer.writerow(row)
        rows += 1
        if rows % 1000 == 0:
            sink.seek(0)
            sink.truncate()
    return rows


EXPORTS = {
    "queue_csv": ("/staff/export.csv?status=all", _bare_requests),
    "screenings_csv": ("/staff/screenings.csv", _bare_screenings),
}


def exports(server: BenchServer, repeats: int) -> dict:
    """Rows per second of each export over HTTP, of the bare loop, and the serving process's peak memory growth."""
    browser = signed_in(server)
    result = {name: {"app": [], "bare": [], "memory_mb": [], "rows": 0} for name in EXPORTS}
    for _ in range(repeats):
        for name, (path, bare) in EXPORTS.items():
            before = server.reset_peak_memory()
            began = time.perf_counter()
            response = browser.get(path)
            elapsed = time.perf_counter() - began
            expect(response.status == 200, (path, response.status))
            rows = response.body.count("\n") - 1
            result[name]["rows"] = rows
            result[name]["app"].append(rows / elapsed)
            result[name]["memory_mb"].append(server.peak_growth(before) / 2**20)
            with closing(sqlite3.connect(f"file:{server.database}?mode=ro", uri=True)) as db:
                began = time.perf_counter()
                rows = bare(db)
                result[name]["bare"].append(rows / (time.perf_counter() - began))
    return {
        name: {
            "rows": r["rows"],
            "app_rows_per_s": spread(r["app"]),
            "bare_rows_per_s": spread(r["bare"]),
            "memory_growth_mb": spread(r["memory_mb"]),
        }
        for name, r in result.items()
    }
