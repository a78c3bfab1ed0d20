"""Blocks and their diaries in the database: every SQL statement of the diary lives here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from .. import clock
from . import assess, codes


def physicians(db: Database) -> list[dict]:
    return list(
        db.query("SELECT id, display_name FROM users WHERE role = 'physician' AND active = 1 ORDER BY display_name")
    )


def record_block(
    db: Database,
    *,
    request_id: int,
    block_number: int,
    injected_at: datetime,
    levels: list[str],
    side: str,
    medicine: str,
    medicine_other: str | None,
    expected_hours: float,
    sedation: str,
    schedule: list[int],
    physician_id: int,
    recorded_by: int,
    link_hours: int,
    secret: str,
) -> int:
    """Store a block with a fresh diary code; returns its id."""
    link_id = codes.new_link_id()
    return db.execute(
        """INSERT INTO blocks (request_id, block_number, injected_at, levels, side, medicine, medicine_other,
               expected_hours, sedation, schedule, ends_at, physician_id, recorded_by, recorded_at, link_id,
               code_hash, expires_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            request_id,
            block_number,
            clock.iso(injected_at),
            json.dumps(levels),
            side,
            medicine,
            medicine_other,
            expected_hours,
            sedation,
            json.dumps(schedule),
            clock.iso(injected_at + timedelta(minutes=max(schedule))),
            physician_id,
            recorded_by,
            clock.iso(clock.now()),
            link_id,
            codes.code_hash(codes.code_for(link_id, secret)),
            clock.iso(injected_at + timedelta(hours=link_hours)),
        ],
    ).lastrowid


def _block(row: dict | None) -> dict | None:
    if row is not None:
        row["levels"] = json.loads(row["levels"])
        row["schedule"] = json.loads(row["schedule"])
    return row


def block(db: Database, block_id: int) -> dict | None:
    return _block(
        next(
            db.query(
                """SELECT b.*, r.reference, r.email, r.language, u.display_name AS physician FROM blocks b
           JOIN requests r ON r.id = b.request_id JOIN users u ON u.id = b.physician_id WHERE b.id = ?""",
                [block_id],
            ),
            None,
        )
    )


def blocks_for_request(db: Database, request_id: int) -> list[dict]:
    return [
        _block(row)
        for row in db.query(
            """SELECT b.*, u.display_name AS physician FROM blocks b JOIN users u ON u.id = b.physician_id
           WHERE b.request_id = ? ORDER BY b.block_number""",
            [request_id],
        )
    ]


def open_by_code(db: Database, typed_code: str) -> int | None:
    """The block whose diary this code opens, while the link is valid; None otherwise."""
    row = next(
        db.query(
            "SELECT id FROM blocks WHERE code_hash = ? AND expires_at > ?",
            [codes.code_hash(typed_code), clock.iso(clock.now())],
        ),
        None,
    )
    return row["id"] if row else None


def still_open(db: Database, block_id: int) -> dict | None:
    """The block, if its diary link has not expired."""
    found = block(db, block_id)
    return found if found and found["expires_at"] > clock.iso(clock.now()) else None


def add_entry(
    db: Database,
    block_id: int,
    kind: str,
    *,
    observed_at: datetime,
    slot: int | None = None,
    pain: int | None = None,
    tried_activity: bool | None = None,
    medicine_taken: bool | None = None,
    returned: str | None = None,
    correction: bool = False,
    entered_by: int | None = None,
) -> int:
    as_int = lambda value: None if value is None else int(value)  # noqa: E731
    return db.execute(
        """INSERT INTO diary_entries (block_id, kind, slot, observed_at, pain, tried_activity, medicine_taken,
               returned, correction, entered_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            block_id,
            kind,
            slot,
            clock.iso(observed_at),
            pain,
            as_int(tried_activity),
            as_int(medicine_taken),
            returned,
            int(correction),
            entered_by,
            clock.iso(clock.now()),
        ],
    ).lastrowid


def entries(db: Database, block_id: int) -> list[dict]:
    """Every entry, in the order recorded (corrections included)."""
    return list(
        db.query(
            """SELECT e.*, u.display_name AS entered_by_name
                 FROM diary_entries e LEFT JOIN users u ON u.id = e.entered_by
                WHERE e.block_id = ? ORDER BY e.id""",
            [block_id],
        )
    )


@dataclass(frozen=True)
class Diary:
    """A block's diary as read: the latest baseline, the latest entry per scheduled time, the return answer."""

    block: dict
    all_entries: list[dict]
    baseline: dict | None
    by_slot: dict[int, dict]
    returned: dict | None

    @property
    def injected(self) -> datetime:
        return clock.parse(self.block["injected_at"])

    def due_at(self, slot: int) -> datetime:
        return self.injected + timedelta(minutes=slot)

    def missing(self, now: datetime, grace: timedelta) -> list[int]:
        """Scheduled times past due (with grace) with no entry."""
        return [
            slot for slot in self.block["schedule"] if slot not in self.by_slot and self.due_at(slot) + grace <= now
        ]

    def baseline_missing(self, now: datetime, grace: timedelta) -> bool:
        return self.baseline is None and self.due_at(self.block["schedule"][0]) + grace <= now

    def result(self) -> assess.Result:
        readings = [
            {
                "slot": e["slot"],
                "pain": e["pain"],
                "medicine": bool(e["medicine_taken"]),
                "seq": e["id"],
                "minutes": (clock.parse(e["observed_at"]) - self.injected).total_seconds() / 60,
            }
            for e in self.all_entries
            if e["kind"] == "scheduled"
        ]
        return assess.assess(
            self.baseline["pain"] if self.baseline else None,
            readings,
            self.block["expected_hours"],
            self.block["sedation"],
        )

    def summary_block(self) -> assess.Block:
        b = self.block
        return assess.Block(
            b["block_number"],
            tuple(b["levels"]),
            b["side"],
            b["medicine_other"] or b["medicine"],
            b["expected_hours"],
            self.result(),
        )


def diary(db: Database, block_row: dict) -> Diary:
    rows = entries(db, block_row["id"])
    by_kind = {kind: [e for e in rows if e["kind"] == kind] for kind in ("baseline", "scheduled", "return")}
    by_slot: dict[int, dict] = {}
    for entry in by_kind["scheduled"]:
        by_slot[entry["slot"]] = entry  # recorded order: the latest wins
    return Diary(block_row, rows, (by_kind["baseline"] or [None])[-1], by_slot, (by_kind["return"] or [None])[-1])


def add_review(db: Database, block_id: int, user_id: int) -> None:
    db.execute(
        "INSERT INTO block_reviews (block_id, user_id, at) VALUES (?, ?, ?)",
        [block_id, user_id, clock.iso(clock.now())],
    )


def reviews(db: Database, block_id: int) -> list[dict]:
    return list(
        db.query(
            """SELECT v.at, u.display_name AS reviewer FROM block_reviews v JOIN users u ON u.id = v.user_id
           WHERE v.block_id = ? ORDER BY v.id""",
            [block_id],
        )
    )


# What needs staff attention. `to_review` is one SQL query, so the queue can reuse it as a filter
# (`request_id IN (...)`); `missing_entries` reads the few diaries still open.

TO_REVIEW_SQL = """
    SELECT b.id AS block_id, b.request_id, b.block_number, b.injected_at, r.reference, r.full_name
    FROM blocks b JOIN requests r ON r.id = b.request_id
    WHERE b.ends_at <= :now
      AND EXISTS (SELECT 1 FROM diary_entries e WHERE e.block_id = b.id)
      AND NOT EXISTS (SELECT 1 FROM block_reviews v WHERE v.block_id = b.id)
    ORDER BY b.ends_at"""


def to_review(db: Database, now: datetime) -> list[dict]:
    """Diaries past their last scheduled time, with entries, that no physician has marked reviewed."""
    return list(db.query(TO_REVIEW_SQL, {"now": clock.iso(now)}))


def missing_entries(db: Database, now: datetime, grace: timedelta) -> list[dict]:
    """Open diaries with entries overdue by more than `grace`: the front desk may call the patient.
    Says which times are missing, never what was entered."""
    found = []
    for row in db.query(
        """SELECT b.*, r.reference, r.full_name, r.phone FROM blocks b JOIN requests r ON r.id = b.request_id
           WHERE b.injected_at <= :now AND b.expires_at > :now ORDER BY b.injected_at""",
        {"now": clock.iso(now)},
    ):
        current = diary(db, _block(row))
        slots = current.missing(now, grace)
        if slots or current.baseline_missing(now, grace):
            found.append({**row, "missing_slots": slots, "baseline_missing": current.baseline_missing(now, grace)})
    return found


def progress(current: Diary, now: datetime, grace: timedelta) -> dict[str, Any]:
    """What the front desk may see: counts and missing times, no scores."""
    return {
        "recorded": len(current.by_slot),
        "scheduled": len(current.block["schedule"]),
        "baseline": current.baseline is not None,
        "missing": current.missing(now, grace),
        "baseline_missing": current.baseline_missing(now, grace),
    }
