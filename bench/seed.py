"""Databases of 1k, 10k, 100k requests, each stored by the code that stores a patient's request.

`submissions.submit_request` stores every one (screening, request, draft deleted, in one transaction), with the
clock moved 15 minutes per request so they spread over the months a clinic would take to collect them. Only
the seeding connection skips fsync (`synchronous=OFF`: a throwaway file; the served copies run the app's
pragmas). Staff then close most of them, as a front desk would. No ANALYZE: production never runs it.
"""

from __future__ import annotations

import json
import random
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from screening import clock
from screening.assessment import assess
from screening.auth import users
from screening.db import connect, init_db
from screening.patient import drafts, submissions
from screening.questionnaire import current
from tests.journeys import ANSWER_SETS

LOCATIONS = ("Main office", "Northside", "Eastgate")
# Of every 20 requests: the share in each status a clinic's file holds after a while.
STATUS_SHARES = ["new"] + ["contacted"] * 2 + ["scheduled"] * 6 + ["closed"] * 10 + ["declined"]
STAFF_PASSWORD = "lantern-orchard-copper-91-tide"  # nosec B105  (a throwaway account in a throwaway database)
STAFF = {"front_desk": "bench_desk", "physician": "bench_doctor"}
MINUTES_APART = 15


def contact(n: int, rng: random.Random) -> dict:
    return {
        "full_name": f"Seeded Patient {n:06d}",
        "phone": f"+1202{n:07d}",
        "email": f"seed{n}@example.com",
        "date_of_birth": f"19{50 + n % 40}-0{1 + n % 9}-1{n % 9}",
        "preferred_contact": "phone",
        "best_time": "morning",
        "best_times": json.dumps(["morning"]),
        "voicemail_ok": 1,
        "language": "English",
        "interpreter": 0,
        "accessibility_needs": None,
        "location": rng.choice(LOCATIONS),
        "patient_status": "new",
        "insurance": "medicare",
        "message": "",
    }


def build(folder: Path, sizes: list[int], progress=print) -> dict[int, Path]:
    """One database file per size (each a copy taken when the seeding reached it)."""
    definition = current()
    assessments = [assess(definition.shown_answers(answers)) for answers in ANSWER_SETS.values()]
    path = folder / "seeding.db"
    init_db(path)
    db = connect(path)
    db.execute("PRAGMA synchronous=OFF")
    for role, username in STAFF.items():
        users.create(db, username, f"Bench {role}", role, STAFF_PASSWORD)
    rng = random.Random(15)  # reproducible sample data, not security  # nosec B311
    first = datetime.now(UTC) - timedelta(minutes=MINUTES_APART * max(sizes))
    real_now = clock.now
    built: dict[int, Path] = {}
    stored = 0
    try:
        for size in sorted(sizes):
            while stored < size:
                stored += 1
                moment = first + timedelta(minutes=MINUTES_APART * stored)
                clock.now = lambda moment=moment: moment
                submissions.submit_request(
                    db,
                    drafts.new_token(),
                    assessments[stored % len(assessments)],
                    contact(stored, rng),
                    due=lambda sent: sent + timedelta(hours=24),
                )
            previous = max(built, default=0)
            for share, status in enumerate(STATUS_SHARES):
                db.execute("UPDATE requests SET status = ? WHERE id > ? AND id % 20 = ?", [status, previous, share])
            built[size] = folder / f"requests-{size}.db"
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            shutil.copyfile(path, built[size])
            progress(f"  seeded {size:,} requests")
    finally:
        clock.now = real_now
        db.close()
    return built
