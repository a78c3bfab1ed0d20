"""Queries for the front-desk queue and the request page (read models and their writes)."""
from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from .. import clock, rules
from ..references import normalize as normalize_reference

STATUSES = ("new", "contacted", "scheduled", "unable_to_reach", "declined", "closed")
STATUS_NAMES = {
    "new": "New", "contacted": "Contacted", "scheduled": "Scheduled",
    "unable_to_reach": "Unable to reach", "declined": "Declined", "closed": "Closed",
}
OPEN_STATUSES = ("new", "contacted", "unable_to_reach")
# Where a request may go next from each status.
TRANSITIONS = {
    "new": ("contacted", "unable_to_reach", "scheduled", "declined", "closed"),
    "contacted": ("scheduled", "unable_to_reach", "declined", "closed"),
    "unable_to_reach": ("contacted", "scheduled", "declined", "closed"),
    "scheduled": ("contacted", "declined", "closed"),
    "declined": ("contacted", "closed"),
    "closed": ("contacted",),
}
METHODS = {"phone": "Phone call", "text": "Text message", "email": "Email"}
RESULTS = {
    "reached": "Reached the patient", "voicemail": "Left a voicemail", "no_answer": "No answer",
    "wrong_number": "Wrong number", "sent": "Message sent",
}
PER_PAGE = 50


@dataclass
class Filters:
    status: str = "open"  # "open", "all" or one status
    outcome: str = ""
    flag: str = ""
    location: str = ""
    review: str = ""  # "pending": not yet reviewed by a physician
    search: str = ""
    page: int = 1

    @property
    def needs_screening(self) -> bool:
        return bool(self.outcome or self.flag)

    def as_reference(self) -> str | None:
        """The search text as a reference (unique, so an exact hit needs no scan), if it looks like one."""
        return normalize_reference(self.search)

    def where(self) -> tuple[str, list[Any]]:
        clauses, params = [], []
        if self.status == "open":
            clauses.append(f"r.status IN ({', '.join('?' * len(OPEN_STATUSES))})")
            params += OPEN_STATUSES
        elif self.status in STATUSES:
            clauses.append("r.status = ?")
            params.append(self.status)
        if self.outcome:
            clauses.append("s.outcome = ?")
            params.append(self.outcome)
        if self.flag:
            clauses.append("EXISTS (SELECT 1 FROM json_each(s.flags) WHERE json_each.value = ?)")
            params.append(self.flag)
        if self.location:
            clauses.append("r.location = ?")
            params.append(self.location)
        if self.review == "pending":
            clauses.append("NOT EXISTS (SELECT 1 FROM reviews v WHERE v.request_id = r.id)")
        if self.search:
            text = self.search.strip()
            like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            options = ["r.full_name LIKE ? ESCAPE '\\'", "r.email LIKE ? ESCAPE '\\'"]
            params += [like, like]
            digits = re.sub(r"\D", "", text)
            if len(digits) >= 4:
                options.append("r.phone LIKE ?")
                params.append(f"%{digits}%")
            reference = normalize_reference(text)
            if reference:
                options.append("r.reference = ?")
                params.append(reference)
            clauses.append("(" + " OR ".join(options) + ")")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


QUEUE_COLUMNS = """
    r.id, r.reference, r.full_name, r.phone, r.email, r.location, r.urgent, r.status,
    r.created_at, r.due_at, r.attempts, r.last_attempt_at, s.outcome, s.flags, s.rules_version,
    EXISTS (SELECT 1 FROM reviews v WHERE v.request_id = r.id) AS reviewed
"""
QUEUE_FROM = "FROM requests r JOIN screenings s ON s.id = r.screening_id"
QUEUE_ORDER = "ORDER BY (r.status <> 'new'), r.urgent DESC, r.due_at, r.id"


def _row(row: dict) -> dict:
    row["flags"] = json.loads(row["flags"])
    # "emergency" or "same_day" for an urgent request, read by the rules that assessed it.
    row["urgency"] = rules.for_version(row["rules_version"]).urgency_of_flags(row["flags"])
    return row


def page_of_requests(db: Database, filters: Filters) -> tuple[list[dict], int]:
    """One page of the queue in priority order, and how many requests match in all."""
    reference = filters.as_reference()
    if reference:
        exact = [_row(r) for r in db.query(f"SELECT {QUEUE_COLUMNS} {QUEUE_FROM} WHERE r.reference = ?",
                                           [reference])]
        if exact:
            return exact, 1
    where, params = filters.where()
    count_from = QUEUE_FROM if filters.needs_screening else "FROM requests r"
    total = next(db.query(f"SELECT count(*) AS n {count_from}{where}", params))["n"]
    offset = (max(filters.page, 1) - 1) * PER_PAGE
    rows = db.query(
        f"SELECT {QUEUE_COLUMNS} {QUEUE_FROM}{where} {QUEUE_ORDER} LIMIT ? OFFSET ?",
        [*params, PER_PAGE, offset],
    )
    return [_row(r) for r in rows], total


def iter_requests(db: Database, filters: Filters) -> Iterator[dict]:
    """Every matching request in queue order, fetched lazily (for streaming exports)."""
    where, params = filters.where()
    for row in db.query(f"SELECT {QUEUE_COLUMNS} {QUEUE_FROM}{where} {QUEUE_ORDER}", params):
        yield _row(row)


def counts_by_status(db: Database) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for row in db.query("SELECT status, count(*) AS n FROM requests GROUP BY status"):
        counts[row["status"]] = row["n"]
    return counts


def locations(db: Database) -> list[str]:
    return [r["location"] for r in db.query("SELECT DISTINCT location FROM requests ORDER BY location")]


def due_text(row: dict, now: datetime) -> tuple[str, bool]:
    """("due in 5 h" / "overdue by 2 h", overdue?) while a request awaits its first call."""
    if row["status"] != "new":
        return "", False
    delta = clock.parse(row["due_at"]) - now
    minutes = int(abs(delta.total_seconds()) // 60)
    amount = f"{minutes // 60} h" if minutes >= 60 else f"{minutes} min"
    if minutes >= 48 * 60:
        amount = f"{minutes // (24 * 60)} days"
    return (f"overdue by {amount}", True) if delta.total_seconds() < 0 else (f"due in {amount}", False)


def get_request(db: Database, reference: str) -> dict | None:
    row = next(db.query(
        f"""SELECT r.*, s.outcome, s.flags, s.criteria, s.answers, s.peg_score,
                   s.questionnaire_version, s.rules_version, s.created_at AS screened_at
            {QUEUE_FROM} WHERE r.reference = ?""",
        [normalize_reference(reference) or reference],
    ), None)
    if row is None:
        return None
    row = _row(row)
    row["criteria"] = json.loads(row["criteria"])
    row["answers"] = json.loads(row["answers"])
    return row


def events(db: Database, request_id: int) -> list[dict]:
    return list(db.query(
        """SELECT e.*, u.display_name AS author FROM request_events e JOIN users u ON u.id = e.user_id
           WHERE e.request_id = ? ORDER BY e.at, e.id""",
        [request_id],
    ))


def _event(db: Database, request_id: int, user_id: int, kind: str, **values: Any) -> None:
    db.execute(
        "INSERT INTO request_events (request_id, at, user_id, kind, status, method, result, note)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [request_id, clock.iso(clock.now()), user_id, kind, values.get("status"),
         values.get("method"), values.get("result"), values.get("note") or None],
    )


def change_status(db: Database, request: dict, user_id: int, status: str, note: str = "") -> None:
    if status not in TRANSITIONS[request["status"]]:
        raise ValueError(f"cannot go from {request['status']} to {status}")
    with db.atomic():
        _event(db, request["id"], user_id, "status", status=status, note=note)
        db.execute("UPDATE requests SET status = ?, updated_at = ? WHERE id = ?",
                   [status, clock.iso(clock.now()), request["id"]])


def add_attempt(db: Database, request: dict, user_id: int, method: str, result: str, note: str = "") -> None:
    now = clock.iso(clock.now())
    with db.atomic():
        _event(db, request["id"], user_id, "attempt", method=method, result=result, note=note)
        db.execute("UPDATE requests SET attempts = attempts + 1, last_attempt_at = ?, updated_at = ? WHERE id = ?",
                   [now, now, request["id"]])


def add_note(db: Database, request: dict, user_id: int, note: str) -> None:
    with db.atomic():
        _event(db, request["id"], user_id, "note", note=note)
        db.execute("UPDATE requests SET updated_at = ? WHERE id = ?", [clock.iso(clock.now()), request["id"]])


def save_search(db: Database, user_id: int, text: str) -> str:
    """Keep a search on the server; returns the random id the session holds instead of the text."""
    search_id = secrets.token_urlsafe(16)
    db.execute("INSERT INTO queue_searches (id, user_id, text, created_at) VALUES (?, ?, ?, ?)",
               [search_id, user_id, text[:200], clock.iso(clock.now())])
    return search_id


def saved_search(db: Database, search_id: str | None, user_id: int) -> str:
    if not search_id:
        return ""
    row = next(db.query("SELECT text FROM queue_searches WHERE id = ? AND user_id = ?", [search_id, user_id]), None)
    return row["text"] if row else ""


def forget_searches(db: Database, user_id: int) -> None:
    db.execute("DELETE FROM queue_searches WHERE user_id = ?", [user_id])
