"""How fast the front-desk queue stays with many requests.

Builds a throwaway database with N requests (default 100,000), then times the
queries the queue pages run. Run: `make bench` or
`.venv/bin/python bench/queue_benchmark.py --requests 100000`.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from screening.db import connect, init_db  # noqa: E402
from screening.staff import queue  # noqa: E402

OUTCOMES = ["likely", "possible", "unlikely", "urgent"]
STATUSES = ["new"] * 5 + ["contacted"] * 10 + ["scheduled"] * 30 + ["closed"] * 50 + ["declined"] * 5
FLAGS = [[], [], ["bleeding_risk"], ["diabetes"], ["serious_cause_review"], ["allergy_latex", "diabetes"]]


def build(path: Path, count: int) -> None:
    init_db(path)
    db = connect(path)
    rng = random.Random(7)  # reproducible sample data, not security  # nosec B311
    start = datetime(2024, 1, 1, tzinfo=UTC)
    screenings, requests = [], []
    for n in range(1, count + 1):
        created = start + timedelta(minutes=15 * n)
        outcome = rng.choice(OUTCOMES)
        screenings.append((n, f"key{n}", created.isoformat(), created.isoformat(), "1.0.0", "1.0.0", "{}",
                           outcome, json.dumps(rng.choice(FLAGS)), "{}", 5.0))
        requests.append((n, f"{n:08d}", n, f"Patient {n} Example", f"+1202{n:07d}", f"p{n}@example.com",
                         "1970-01-01", "phone", "morning", rng.choice(["Main office", "Northside", "Eastgate"]),
                         "new", int(outcome == "urgent"), rng.choice(STATUSES), created.isoformat(),
                         (created + timedelta(hours=24)).isoformat()))
    with db.atomic():
        db.conn.executemany("INSERT INTO screenings (id, submission_key, created_at, updated_at,"
                            " questionnaire_version, rules_version, answers, outcome, flags, criteria, peg_score)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", screenings)
        db.conn.executemany("INSERT INTO requests (id, reference, screening_id, full_name, phone, email,"
                            " date_of_birth, preferred_contact, best_time, location, patient_status, urgent,"
                            " status, created_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            requests)
    db.execute("ANALYZE")
    db.close()


def timed(label: str, work, repeat: int = 7) -> None:
    times = []
    for _ in range(repeat):
        begin = time.perf_counter()
        work()
        times.append((time.perf_counter() - begin) * 1000)
    print(f"{label:<44} median {statistics.median(times):7.1f} ms   max {max(times):7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        begin = time.perf_counter()
        build(path, args.requests)
        print(f"built {args.requests:,} requests in {time.perf_counter() - begin:.1f} s\n")
        db = connect(path)
        cases = {
            "queue, open requests, page 1": queue.Filters(),
            "queue, all requests, page 1": queue.Filters(status="all"),
            "queue, all requests, page 100": queue.Filters(status="all", page=100),
            "queue, closed, page 1": queue.Filters(status="closed"),
            "queue, outcome=urgent": queue.Filters(status="all", outcome="urgent"),
            "queue, flag=bleeding_risk": queue.Filters(status="all", flag="bleeding_risk"),
            "queue, location=Northside": queue.Filters(status="all", location="Northside"),
            "search by name": queue.Filters(status="all", search="Patient 4242 "),
            "search by phone digits": queue.Filters(status="all", search="(202) 004-2424"),
            "search by reference": queue.Filters(status="all", search="0004-2424"),
        }
        for label, filters in cases.items():
            timed(label, lambda f=filters: queue.page_of_requests(db, f))
        timed("counts per status", lambda: queue.counts_by_status(db))
        timed("CSV rows, all requests", lambda: sum(1 for _ in queue.iter_requests(db, queue.Filters(status="all"))),
              repeat=3)
        plan = db.execute("EXPLAIN QUERY PLAN SELECT " + queue.QUEUE_COLUMNS + " " + queue.QUEUE_FROM
                          + " WHERE r.status IN ('new','contacted','unable_to_reach') " + queue.QUEUE_ORDER
                          + " LIMIT 50", [datetime.now(UTC).isoformat()]).fetchall()  # the queue order's "now"
        print("\nplan for the default queue page:")
        for row in plan:
            print("  ", row[-1])
        db.close()


if __name__ == "__main__":
    main()
