"""Reading the audit trail: filters from the query string, rows in words, for the page and its CSV.

Dates are the clinic's calendar days (an entry at 11 p.m. in New York belongs to that day, not to the
next UTC one). A date that cannot be read is an error said next to its field, never "no filter", so a
mistyped range never shows (or exports) everything.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from .. import audit, clock, params
from ..auth.users import ROLE_NAMES
from ..references import format_reference
from ..references import normalize as normalize_reference


@dataclass
class AuditFilters:
    user: int | None = None
    action: str | None = None
    record: str = ""
    start: date | None = None
    end: date | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def as_args(self) -> dict[str, str]:
        """The filters as query-string values (for page links and the CSV link)."""
        args = {
            "user": self.user,
            "action": self.action,
            "record": self.record,
            "from": self.start and self.start.isoformat(),
            "to": self.end and self.end.isoformat(),
        }
        return {key: str(value) for key, value in args.items() if value}

    def for_audit(self) -> dict[str, Any]:
        """What was asked for, for the audit row of a view or export: ids, codes, dates and a reference, never
        free text (someone may type a patient's name into the record box)."""
        asked = self.as_args()
        if self.record:
            kept = normalize_reference(self.record) or (self.record if self.record.isdigit() else None)
            asked["record"] = kept or "(other text)"
        return asked


def read_filters(args: Mapping[str, str]) -> AuditFilters:
    filters = AuditFilters(
        user=params.whole_number(args.get("user")),
        action=args.get("action") if args.get("action") in audit.ACTIONS else None,
        record=(args.get("record") or "").strip()[:64],
    )
    asked = params.date_range(args)
    filters.start, filters.end, filters.errors = asked.start, asked.end, asked.errors
    return filters


def _day_start(day: date, zone: ZoneInfo) -> str:
    return clock.iso(datetime.combine(day, time.min, zone))


def where(db: Database, filters: AuditFilters, zone: ZoneInfo) -> tuple[str, list[Any]]:
    clauses, values = [], []
    if filters.user is not None:
        clauses.append("a.user_id = ?")
        values.append(filters.user)
    if filters.action:
        clauses.append("a.action = ?")
        values.append(filters.action)
    if filters.record:
        # A request's reference however it was typed, a username, or an object's id as stored.
        options = ["a.object_id = ?"]
        values.append(filters.record)
        reference = normalize_reference(filters.record)
        if reference:
            options.append("(a.object_type = 'request' AND a.object_id = ?)")
            values.append(reference)
        account = next(db.query("SELECT id FROM users WHERE username = ?", [filters.record]), None)
        if account:
            options.append("(a.object_type = 'user' AND a.object_id = ?)")
            values.append(str(account["id"]))
        clauses.append("(" + " OR ".join(options) + ")")
    if filters.start:
        clauses.append("a.at >= ?")
        values.append(_day_start(filters.start, zone))
    if filters.end:
        clauses.append("a.at < ?")
        values.append(_day_start(filters.end + timedelta(days=1), zone))
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", values


SELECT = """SELECT a.*, u.username, u.display_name, o.username AS object_username
            FROM audit_log a
            LEFT JOIN users u ON u.id = a.user_id
            LEFT JOIN users o ON a.object_type = 'user' AND o.id = CAST(a.object_id AS INTEGER)"""


def entries(
    db: Database, filters: AuditFilters, zone: ZoneInfo, limit: int | None = None, offset: int = 0
) -> Iterator[dict]:
    """Newest first; with `limit`, one page of them."""
    clause, values = where(db, filters, zone)
    sql = SELECT + clause + " ORDER BY a.id DESC"  # fixed clauses; every value is bound
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        values = [*values, limit, offset]
    yield from db.query(sql, values)


def record_in_words(row: Mapping[str, Any]) -> str:
    """'Request ABCD-EFGH', 'Account ada (#3)', 'Address 198.51.100.4', or ''."""
    kind, object_id = row.get("object_type"), row.get("object_id")
    if not kind or object_id is None:
        return ""
    if kind == "request":
        return f"Request {format_reference(object_id)}"
    if kind == "user":
        name = row.get("object_username")
        return f"Account {name} (#{object_id})" if name else f"Account #{object_id}"
    return f"{kind.replace('_', ' ').capitalize()} {object_id}"


def action_in_words(action: str) -> str:
    return action.replace("_", " ").capitalize()


def detail_in_words(detail: str | None) -> list[tuple[str, str]]:
    """The detail JSON as labelled words: [('Known device', 'yes'), ('Wait seconds', '128')]."""
    if not detail:
        return []
    try:
        data = json.loads(detail)
    except ValueError:
        return [("Detail", detail)]
    if not isinstance(data, dict):
        return [("Detail", _value_in_words(data))]
    return [(key.replace("_", " ").capitalize(), _value_in_words(value)) for key, value in data.items()]


def _value_in_words(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_value_in_words(v) for v in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{k.replace('_', ' ')}: {_value_in_words(v)}" for k, v in value.items())
    return ROLE_NAMES.get(value, str(value)) if isinstance(value, str) else str(value)


def time_in_words(at: str, zone: ZoneInfo) -> str:
    """'Nov 27, 2026, 9:14:05 a.m. EST': the clinic's wall clock, to the second, with its zone."""
    local = clock.parse(at).astimezone(zone)
    return local.strftime("%b %-d, %Y, %-I:%M:%S %p %Z").replace("AM", "a.m.").replace("PM", "p.m.")


CSV_HEADER = ["When (clinic time)", "When (UTC)", "Who", "Role", "Action", "Record", "Address", "Detail"]


def csv_rows(rows: Iterator[dict], zone: ZoneInfo) -> Iterator[list[str]]:
    for row in rows:
        yield [
            time_in_words(row["at"], zone),
            row["at"],
            row["username"] or "",
            row["role"] or "",
            action_in_words(row["action"]),
            record_in_words(row),
            row["address"] or "",
            "; ".join(f"{label}: {value}" for label, value in detail_in_words(row["detail"])),
        ]
