"""Queries for the front-desk queue and the request page (read models and their writes)."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from flask import current_app
from sqlite_utils import Database

from .. import clock, params, rules
from ..assessment import FLAGS, OUTCOMES
from ..diary import store as diary_store
from ..notify import outbox
from ..references import normalize as normalize_reference
from ..rules.common import sorted_flags
from . import calls

STATUSES = ("new", "contacted", "scheduled", "unable_to_reach", "declined", "closed")
STATUS_NAMES = {
    "new": "New",
    "contacted": "Contacted",
    "scheduled": "Scheduled",
    "unable_to_reach": "Unable to reach",
    "declined": "Declined",
    "closed": "Closed",
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
PER_PAGE = 50
DUPLICATE_DAYS = 30


class BadFilter(ValueError):
    """A filter value that is not one of the choices (an export must not silently ignore it)."""


@dataclass
class Filters:
    """What the queue shows. The one home of the filter names: the page, its links, the search form
    and the exports all read and write them through `from_args` and `as_args`."""

    status: str = "open"  # "open", "all" or one status
    outcome: str = ""
    flag: str = ""
    location: str = ""
    review: str = ""  # "pending": not yet reviewed by a physician
    mine: str = ""  # "1": assigned to the signed-in user
    diary: str = ""  # "review": a pain diary waiting for a physician; "missing": a diary missing entries
    search_id: str = ""  # a saved search (its text stays on the server)
    page: int = 1
    user_id: int | None = None
    search: str = ""
    diary_missing_ids: list[int] = field(default_factory=list)
    phone_region: str = "US"

    NAMES = ("status", "outcome", "flag", "location", "review", "mine", "diary", "search_id", "page")
    DIARY_FILTERS = {"review": "Diaries to review", "missing": "Diaries missing entries"}
    DEFAULTS = {"status": "open", "page": 1}

    @classmethod
    def from_args(
        cls, db: Database, args: Mapping[str, str], user_id: int, strict: bool = False, phone_region: str = "US"
    ) -> Filters:
        """The filters in a query string; an unknown value is dropped, or refused when `strict`."""
        choices = {
            "status": ("open", "all", *STATUSES),
            "outcome": OUTCOMES,
            "flag": tuple(FLAGS),
            "review": ("pending",),
            "mine": ("1",),
            "diary": tuple(cls.DIARY_FILTERS),
        }
        values: dict[str, Any] = {}
        for name in cls.NAMES:
            text = args.get(name, "")
            if not text:
                continue
            if name in choices and text not in choices[name]:
                if strict:
                    raise BadFilter(f"“{name}” must be one of: {', '.join(choices[name])}")
                continue
            if name == "page":
                number = params.whole_number(text, maximum=99_999)
                if number is None and strict:
                    raise BadFilter("“page” must be a whole number")
                text = number or 1
            values[name] = text[:100] if isinstance(text, str) else text
        filters = cls(**values, user_id=user_id, phone_region=phone_region)
        if filters.diary == "missing":  # worked out from each diary's schedule, not by SQL
            grace = timedelta(minutes=current_app.config["DIARY_MISSING_AFTER_MINUTES"])
            missing = diary_store.missing_entries(db, clock.now(), grace)
            filters.diary_missing_ids = [row["request_id"] for row in missing]
        filters.search = saved_search(db, filters.search_id, user_id)
        if not filters.search:
            filters.search_id = ""
        return filters

    def as_args(self, **changes: Any) -> dict[str, Any]:
        """The filters as URL parameters (codes and the search's random id, never its text)."""
        values = {name: getattr(self, name) for name in self.NAMES} | changes
        return {k: v for k, v in values.items() if v and self.DEFAULTS.get(k) != v}

    @property
    def needs_screening(self) -> bool:
        return bool(self.outcome or self.flag)

    @property
    def statuses(self) -> tuple[str, ...] | None:
        """When only the status (and the search) narrows the list: the statuses it shows, whose counts add up
        to its total. None when another filter narrows it too."""
        if self.outcome or self.flag or self.location or self.review or self.mine or self.diary:
            return None
        if self.status == "open":
            return OPEN_STATUSES
        return (self.status,) if self.status in STATUSES else STATUSES

    def as_reference(self) -> str | None:
        """The search text as a reference (unique, so an exact hit needs no scan), if it looks like one."""
        return normalize_reference(self.search)

    def where(self) -> tuple[str, list[Any]]:
        clauses, params_ = [], []
        if self.status == "open" and not self.diary:  # a patient keeping a diary has been booked: not "open"
            clauses.append(f"r.status IN ({', '.join('?' * len(OPEN_STATUSES))})")
            params_ += OPEN_STATUSES
        elif self.status in STATUSES:
            clauses.append("r.status = ?")
            params_.append(self.status)
        if self.outcome:
            clauses.append("s.outcome = ?")
            params_.append(self.outcome)
        if self.flag:
            clauses.append("EXISTS (SELECT 1 FROM json_each(s.flags) WHERE json_each.value = ?)")
            params_.append(self.flag)
        if self.location:
            clauses.append("r.location = ?")
            params_.append(self.location)
        if self.review == "pending":
            clauses.append("NOT EXISTS (SELECT 1 FROM reviews v WHERE v.request_id = r.id)")
        if self.mine:
            clauses.append("r.assigned_to = ?")
            params_.append(self.user_id)
        if self.diary == "review":
            to_review = diary_store.TO_REVIEW_SQL.replace(":now", "?")  # fixed SQL of our own, the time bound
            clauses.append(f"r.id IN (SELECT request_id FROM ({to_review}))")  # nosec B608
            params_.append(clock.iso(clock.now()))
        elif self.diary == "missing":
            clauses.append("r.id IN (SELECT value FROM json_each(?))")
            params_.append(json.dumps(self.diary_missing_ids))
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params_

    def source(self, joins: str = "") -> tuple[str, list[Any]]:
        """FROM the requests (with `joins`): while searching, only the index's matches, looked up by id.

        The matches come first (CROSS JOIN keeps SQLite from choosing to scan the requests instead).
        """
        if not self.search:
            return f"FROM requests r {joins}", []
        matches, values = search_matches(self.search, self.phone_region)
        return f"FROM {matches} CROSS JOIN requests r ON r.id = m.rowid {joins}", values

    def query(self, columns: str, joins: str, tail: str = "") -> tuple[str, list[Any]]:
        """The SQL and parameters of a query over the matching requests (fixed text, bound values)."""
        source, source_values = self.source(joins)
        where, values = self.where()
        return f"SELECT {columns} {source}{where} {tail}", [*source_values, *values]


def search_matches(text: str, phone_region: str = "US") -> tuple[str, list[Any]]:
    """Requests whose name, email or phone match `text`, through the FTS5 index (never a scan).

    Words match in any order and as prefixes ("Urgentman, Walter", "walt urg"); a number typed in any
    format matches the stored phone's digits ("(202) 555-0104", "555 0104", "+1 202-555-0104").
    Returns a subquery `m` of matching request ids, and its parameters.
    """
    words = re.findall(r"\w+", text)
    digits = re.sub(r"\D", "", text)
    if not words:
        return "(SELECT 0 AS rowid WHERE 0) m", []
    if not re.search(r"[^\W\d_]", text) and len(digits) >= 4:  # digits and punctuation only
        import phonenumbers  # on the first search for a number, not at start-up (issue 15)

        try:
            number = phonenumbers.parse(text, phone_region)
            if phonenumbers.is_valid_number(number):
                digits = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]
        except phonenumbers.NumberParseException:
            pass
        query = f'phone : "{digits}"*'
    elif "@" in text:  # an email address, or its start: its words in a row
        query = 'email : "' + " ".join(words) + '"*'
    else:
        query = "{name email} : (" + " AND ".join(f'"{word}"*' for word in words) + ")"
    return "(SELECT rowid FROM requests_search WHERE requests_search MATCH ?) m", [query]


QUEUE_COLUMNS = """
    r.id, r.reference, r.full_name, r.phone, r.email, r.date_of_birth, r.location, r.urgent, r.status,
    r.created_at, r.due_at, r.attempts, r.last_attempt_at, r.last_outcome, r.call_back_at, r.assigned_to,
    r.language, r.interpreter, a.display_name AS assignee, s.outcome, s.flags, s.rules_version,
    EXISTS (SELECT 1 FROM reviews v WHERE v.request_id = r.id) AS reviewed
"""
QUEUE_JOINS = "JOIN screenings s ON s.id = r.screening_id LEFT JOIN users a ON a.id = r.assigned_to"
QUEUE_FROM = f"FROM requests r {QUEUE_JOINS}"
# Who to call next: first those to call now (new, or their call-back time has come), then those waiting
# for a later call-back, then those with no call planned; urgent first within each; then by call-by time.
QUEUE_ORDER = """ORDER BY CASE WHEN r.status = 'new' OR r.call_back_at <= ? THEN 0
                             WHEN r.call_back_at IS NOT NULL THEN 1 ELSE 2 END,
                        r.urgent DESC, coalesce(r.call_back_at, r.due_at), r.id"""
# Flags the person scheduling must check (bleeding risk, allergies, infection, pregnancy, reviews...).
CHECK_KINDS = ("review", "contraindication", "precaution")


def _row(row: dict) -> dict:
    rules_module = rules.for_version(row["rules_version"])
    flags = json.loads(row["flags"])
    # "emergency" or "same_day" for an urgent request, read by the rules that assessed it.
    row["urgency"] = rules_module.urgency_of_flags(flags)
    row["flags"] = sorted_flags(flags, rules_module.FLAGS)  # most serious first
    row["flag_infos"] = [rules_module.FLAGS[f] for f in row["flags"]]
    row["flags_to_check"] = sum(1 for info in row["flag_infos"] if info.kind in CHECK_KINDS)
    return row


def page_of_requests(db: Database, filters: Filters, counts: dict[str, int]) -> tuple[list[dict], int]:
    """One page of the queue in priority order, and how many requests match in all.

    `counts` are `counts_by_status` for the same search: when only the status narrows the list, its total is
    their sum, not another count.
    """
    reference = filters.as_reference()
    if reference:
        exact = [_row(r) for r in db.query(f"SELECT {QUEUE_COLUMNS} {QUEUE_FROM} WHERE r.reference = ?", [reference])]
        if exact:
            return exact, 1
    count_joins = "JOIN screenings s ON s.id = r.screening_id" if filters.needs_screening else ""
    if filters.statuses is not None:
        total = sum(counts.get(status, 0) for status in filters.statuses)
    else:
        total = next(db.query(*filters.query("count(*) AS n", count_joins)))["n"]
    offset = (max(filters.page, 1) - 1) * PER_PAGE
    # The page's ids first, sorted from the covering index alone (the order depends on the time, so no index
    # gives it ready-made); then the columns, joins and subqueries for those 50 requests only.
    sql, values = filters.query("r.id", count_joins, f"{QUEUE_ORDER} LIMIT ? OFFSET ?")
    ids = [row["id"] for row in db.query(sql, [*values, clock.iso(clock.now()), PER_PAGE, offset])]
    by_ids = f"SELECT {QUEUE_COLUMNS} {QUEUE_FROM} WHERE r.id IN (SELECT value FROM json_each(?))"  # nosec B608
    rows = {row["id"]: row for row in db.query(by_ids, [json.dumps(ids)])}  # fixed SQL, the ids bound
    return [_row(rows[i]) for i in ids if i in rows], total


# What the queue's export writes, in its order: fewer columns than the page, no per-row subquery.
EXPORT_COLUMNS = """r.reference, r.full_name, r.phone, r.email, r.location, s.outcome, s.flags, s.rules_version,
                    r.status, r.created_at, r.due_at"""


@lru_cache(maxsize=4096)
def flags_in_order(flags_json: str, rules_version: str) -> tuple[str, ...]:
    """A screening's flags, most serious first, by the rules that raised them (few distinct sets: cached)."""
    return tuple(sorted_flags(json.loads(flags_json), rules.for_version(rules_version).FLAGS))


def iter_requests(db: Database, filters: Filters) -> Iterator[tuple]:
    """Every matching request in queue order, fetched lazily (for streaming exports): EXPORT_COLUMNS as a
    tuple, but the flags most serious first in place of the flags and rules version.

    Read as tuples from the cursor, not as dicts: building a dict per row was a fifth of the export."""
    sql, values = filters.query(EXPORT_COLUMNS, "JOIN screenings s ON s.id = r.screening_id", QUEUE_ORDER)
    for row in db.execute(sql, [*values, clock.iso(clock.now())]):
        yield (*row[:6], flags_in_order(row[6], row[7]), *row[8:])


def counts_by_status(db: Database, search: str = "", phone_region: str = "US") -> dict[str, int]:
    """Requests per status (kept by triggers, m025); while searching, of the matches only (so a tab never
    promises more)."""
    counts = dict.fromkeys(STATUSES, 0)
    if search:
        filters = Filters(status="all", search=search, phone_region=phone_region)
        rows = db.query(*filters.query("r.status, count(*) AS n", "", "GROUP BY r.status"))
    else:
        rows = db.query("SELECT status, n FROM request_status_counts")
    for row in rows:
        counts[row["status"]] = row["n"]
    return counts


# The locations requests were made for, each found by one step along the location index: a handful of
# lookups, where DISTINCT read the whole index (3 ms at 100,000 requests) unless statistics said otherwise.
LOCATIONS_SQL = """
    WITH RECURSIVE found(location) AS (
        SELECT min(location) FROM requests
        UNION ALL
        SELECT (SELECT min(location) FROM requests WHERE location > found.location) FROM found
        WHERE found.location IS NOT NULL)
    SELECT location FROM found WHERE location IS NOT NULL"""


def locations(db: Database) -> list[str]:
    return [r["location"] for r in db.query(LOCATIONS_SQL)]


def _amount(minutes: int) -> str:
    if minutes >= 48 * 60:
        return f"{minutes // (24 * 60)} days"
    return f"{minutes // 60} h" if minutes >= 60 else f"{minutes} min"


def call_by(row: dict, now: datetime) -> dict[str, Any] | None:
    """When to call: by the promised time while new, at the call-back time when one is planned.

    {"at": ISO time, "kind": "due" | "call_back", "late": passed?, "text": "overdue by 2 h"}, or None.
    """
    if row["status"] == "new":
        at, kind = row["due_at"], "due"
    elif row.get("call_back_at") and row["status"] in OPEN_STATUSES:
        at, kind = row["call_back_at"], "call_back"
    else:
        return None
    delta = clock.parse(at) - now
    amount = _amount(int(abs(delta.total_seconds()) // 60))
    late = delta.total_seconds() < 0
    if kind == "due":
        text = f"overdue by {amount}" if late else f"due in {amount}"
    else:
        text = f"call back now (since {amount})" if late else f"call back in {amount}"
    return {"at": at, "kind": kind, "late": late, "text": text}


def due_text(row: dict, now: datetime) -> tuple[str, bool]:
    """("due in 5 h" / "overdue by 2 h", overdue?) while a request awaits its first call."""
    found = call_by(row, now) if row["status"] == "new" else None
    return (found["text"], found["late"]) if found else ("", False)


def duplicates(db: Database, rows: list[dict]) -> dict[int, list[str]]:
    """For each row, the references of other requests with the same phone, or the same name and date of
    birth, sent within DUPLICATE_DAYS of it: possibly the same patient twice."""
    if not rows:
        return {}
    ids = [row["id"] for row in rows]
    found: dict[int, list[str]] = {}
    # Two lookups, each by its own index (an OR between them would make SQLite read every request).
    window = """d.id <> r.id AND d.created_at BETWEEN strftime('%Y-%m-%dT%H:%M:%S+00:00', r.created_at, :before)
                                                AND strftime('%Y-%m-%dT%H:%M:%S+00:00', r.created_at, :after)"""
    chosen = f"r.id IN ({', '.join(f':id{n}' for n in range(len(ids)))})"
    sql = f"""SELECT r.id, d.reference, d.created_at FROM requests r JOIN requests d
                ON d.phone = r.phone AND {window} WHERE {chosen}
              UNION
              SELECT r.id, d.reference, d.created_at FROM requests r JOIN requests d
                ON d.date_of_birth = r.date_of_birth AND lower(trim(d.full_name)) = lower(trim(r.full_name))
               AND {window} WHERE {chosen}
              ORDER BY 3"""  # placeholders only, bound values  # nosec B608
    values = {
        "before": f"-{DUPLICATE_DAYS} days",
        "after": f"+{DUPLICATE_DAYS} days",
        **{f"id{n}": id_ for n, id_ in enumerate(ids)},
    }
    for match in db.query(sql, values):
        found.setdefault(match["id"], []).append(match["reference"])
    return found


def get_request(db: Database, reference: str) -> dict | None:
    row = next(
        db.query(
            f"""SELECT r.*, a.display_name AS assignee, s.outcome, s.flags, s.criteria, s.answers, s.peg_score,
                   s.questionnaire_version, s.rules_version, s.created_at AS screened_at
            {QUEUE_FROM} WHERE r.reference = ?""",
            [normalize_reference(reference) or reference],
        ),
        None,
    )
    if row is None:
        return None
    row = _row(row)
    row["criteria"] = json.loads(row["criteria"])
    row["answers"] = json.loads(row["answers"])
    return row


def events(db: Database, request_id: int) -> list[dict]:
    """The request's activity, oldest first; a note struck as entered in error carries the event that struck it."""
    found = list(
        db.query(
            """SELECT e.*, u.display_name AS author FROM request_events e JOIN users u ON u.id = e.user_id
           WHERE e.request_id = ? ORDER BY e.at, e.id""",
            [request_id],
        )
    )
    strikes = {e["strikes"]: e for e in found if e["strikes"]}
    for event in found:
        event["struck_by"] = strikes.get(event["id"])
    return [e for e in found if not e["strikes"]]


def _event(db: Database, request_id: int, user_id: int, kind: str, **values: Any) -> None:
    db.execute(
        "INSERT INTO request_events (request_id, at, user_id, kind, status, method, result, outcome, call_back_at,"
        " strikes, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            request_id,
            clock.iso(clock.now()),
            user_id,
            kind,
            values.get("status"),
            values.get("method"),
            values.get("result"),
            values.get("outcome"),
            values.get("call_back_at"),
            values.get("strikes"),
            values.get("note") or None,
        ],
    )


def change_status(db: Database, request: dict, user_id: int, status: str, note: str = "") -> None:
    if status not in TRANSITIONS[request["status"]]:
        raise ValueError(f"cannot go from {request['status']} to {status}")
    with db.atomic():
        _event(db, request["id"], user_id, "status", status=status, note=note)
        # A request that leaves the open queue has no call-back planned any more.
        db.execute(
            "UPDATE requests SET status = ?, updated_at = ?,"
            " call_back_at = CASE WHEN ? THEN call_back_at END WHERE id = ?",
            [status, clock.iso(clock.now()), status in OPEN_STATUSES, request["id"]],
        )
        if status != "new":
            outbox.cancel_reminders(db, request["id"])


def record_call(
    db: Database, request: dict, user_id: int, outcome: str, method: str, call_back_at: datetime | None, note: str = ""
) -> str:
    """One call, one action: the attempt (with its note), the status it leads to and the next call-back
    time (cleared when there is none), together. Returns the request's status afterwards."""
    found = calls.OUTCOMES[outcome]
    status = calls.next_status(request["status"], outcome, TRANSITIONS)
    now = clock.iso(clock.now())
    call_back = clock.iso(call_back_at) if call_back_at and found.call_back and status in OPEN_STATUSES else None
    with db.atomic():
        _event(
            db,
            request["id"],
            user_id,
            "attempt",
            method=method,
            result=found.result,
            outcome=outcome,
            call_back_at=call_back,
            note=note,
        )
        if status != request["status"]:
            _event(db, request["id"], user_id, "status", status=status)
        db.execute(
            """UPDATE requests SET attempts = attempts + 1, last_attempt_at = ?, last_outcome = ?, status = ?,
                      call_back_at = ?, updated_at = ? WHERE id = ?""",
            [now, outcome, status, call_back, now, request["id"]],
        )
        if status != "new":
            outbox.cancel_reminders(db, request["id"])
    return status


def add_note(db: Database, request: dict, user_id: int, note: str) -> None:
    with db.atomic():
        _event(db, request["id"], user_id, "note", note=note)
        db.execute("UPDATE requests SET updated_at = ? WHERE id = ?", [clock.iso(clock.now()), request["id"]])


def strike_note(db: Database, request: dict, user_id: int, event_id: int) -> bool:
    """Mark a note entered in error: a new event that strikes it (the note itself is never changed).

    False when this request has no such note, or it is struck already.
    """
    with db.atomic():
        note = next(
            db.query(
                """SELECT id FROM request_events e WHERE id = ? AND request_id = ? AND kind = 'note'
               AND strikes IS NULL AND NOT EXISTS (SELECT 1 FROM request_events x WHERE x.strikes = e.id)""",
                [event_id, request["id"]],
            ),
            None,
        )
        if note is None:
            return False
        _event(db, request["id"], user_id, "note", strikes=event_id, note="Entered in error")
        db.execute("UPDATE requests SET updated_at = ? WHERE id = ?", [clock.iso(clock.now()), request["id"]])
    return True


def assign(db: Database, request: dict, user_id: int | None) -> None:
    """Take a request (or give it back, with None), so that two people do not call the same patient."""
    db.execute(
        "UPDATE requests SET assigned_to = ?, updated_at = ? WHERE id = ?",
        [user_id, clock.iso(clock.now()), request["id"]],
    )


def live_state(db: Database) -> dict[str, Any]:
    """What an open queue polls: counts and a version that changes with any new request or activity.

    No names, no health data; every figure is read from an index.
    """
    row = next(
        db.query(
            """SELECT (SELECT max(id) FROM requests) AS latest, (SELECT max(id) FROM request_events) AS activity,
                  (SELECT count(*) FROM requests WHERE status = 'new') AS new,
                  (SELECT count(*) FROM requests WHERE status = 'new' AND urgent = 1) AS urgent_new"""
        )
    )
    return {
        "version": f"{row['latest'] or 0}.{row['activity'] or 0}",
        "new": row["new"],
        "urgent_new": row["urgent_new"],
    }


def next_unreviewed(db: Database, after: dict) -> str | None:
    """The next open request no physician has reviewed after `after` (urgent first, then oldest first),
    wrapping round to the first; None when there is no other."""
    base = """SELECT r.reference FROM requests r WHERE r.status IN ('new', 'contacted', 'unable_to_reach')
              AND NOT EXISTS (SELECT 1 FROM reviews v WHERE v.request_id = r.id) AND r.id <> :i"""
    later = " AND (r.urgent < :u OR (r.urgent = :u AND (r.created_at > :c OR (r.created_at = :c AND r.id > :i))))"
    order = " ORDER BY r.urgent DESC, r.created_at, r.id LIMIT 1"
    values = {"u": after["urgent"], "c": after["created_at"], "i": after["id"]}
    found = next(db.query(base + later + order, values), None) or next(db.query(base + order, values), None)
    return found["reference"] if found else None


def save_search(db: Database, user_id: int, text: str) -> str:
    """Keep a search on the server; returns the random id the queue's links carry instead of the text."""
    search_id = secrets.token_urlsafe(16)
    db.execute(
        "INSERT INTO queue_searches (id, user_id, text, created_at) VALUES (?, ?, ?, ?)",
        [search_id, user_id, text[:200], clock.iso(clock.now())],
    )
    return search_id


def saved_search(db: Database, search_id: str | None, user_id: int) -> str:
    if not search_id:
        return ""
    row = next(db.query("SELECT text FROM queue_searches WHERE id = ? AND user_id = ?", [search_id, user_id]), None)
    return row["text"] if row else ""


def forget_searches(db: Database, user_id: int) -> None:
    db.execute("DELETE FROM queue_searches WHERE user_id = ?", [user_id])
