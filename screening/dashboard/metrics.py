"""The call-back promise, measured: pure figures from request rows, testable without the app.

Definitions (shared with the front desk's call form):
- promised time: the request's `due_at` (urgent requests carry their own, shorter one);
- first contact: the earliest contact attempt whose result was "reached";
- kept: first contact at or before the promised time; missed: first contact after it, or none and the
  promised time has passed; waiting: no contact yet and the promised time is still ahead (neither kept
  nor missed, so a week in progress is not judged early);
- booked: the request's status is "scheduled".

Weeks are the clinic's calendar weeks, starting on Monday, in its time zone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

BOOKED_STATUS = "scheduled"


@dataclass
class WeekFigures:
    start: date
    received: int = 0
    urgent: int = 0
    kept: int = 0
    missed: int = 0
    waiting: int = 0
    urgent_kept: int = 0
    urgent_missed: int = 0
    urgent_waiting: int = 0
    booked: int = 0
    minutes_to_contact: list[float] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)

    @property
    def end(self) -> date:
        """The week's last day (Sunday)."""
        return self.start + timedelta(days=6)

    @property
    def kept_share(self) -> float | None:
        """Kept among the decided (kept or missed); None when none is decided yet."""
        return _share(self.kept, self.kept + self.missed)

    @property
    def urgent_kept_share(self) -> float | None:
        return _share(self.urgent_kept, self.urgent_kept + self.urgent_missed)

    @property
    def median_minutes(self) -> float | None:
        from statistics import median  # with fractions and decimal: for the dashboard, not at start-up (issue 15)

        return median(self.minutes_to_contact) if self.minutes_to_contact else None

    @property
    def contacted(self) -> int:
        return len(self.minutes_to_contact)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _moment(value: datetime | str | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def week_start(moment: datetime, zone: ZoneInfo) -> date:
    """The Monday of the clinic week holding `moment`."""
    day = moment.astimezone(zone).date()
    return day - timedelta(days=day.weekday())


def weeks_between(first: date, last: date) -> list[date]:
    """Mondays from the week holding `first` to the week holding `last`."""
    start = first - timedelta(days=first.weekday())
    return [start + timedelta(weeks=n) for n in range((last - start).days // 7 + 1)]


def by_week(rows: Iterable[Mapping[str, Any]], weeks: list[date], now: datetime, zone: ZoneInfo) -> list[WeekFigures]:
    """Figures for each week in `weeks` (empty weeks included, with zeros). Each row: created_at, due_at,
    urgent, status, outcome, first_contact_at (None when nobody reached the patient yet); rows outside
    the weeks are ignored."""
    figures = {start: WeekFigures(start) for start in weeks}
    for row in rows:
        created, due = _moment(row["created_at"]), _moment(row["due_at"])
        week = figures.get(week_start(created, zone))
        if week is None:
            continue
        urgent = bool(row["urgent"])
        contact = _moment(row.get("first_contact_at"))
        week.received += 1
        week.urgent += urgent
        week.outcomes[row.get("outcome") or "unknown"] += 1
        week.statuses[row["status"]] += 1
        week.booked += row["status"] == BOOKED_STATUS
        if contact is not None:
            week.minutes_to_contact.append((contact - created).total_seconds() / 60)
            verdict = "kept" if contact <= due else "missed"
        else:
            verdict = "missed" if now > due else "waiting"
        setattr(week, verdict, getattr(week, verdict) + 1)
        if urgent:
            name = f"urgent_{verdict}"
            setattr(week, name, getattr(week, name) + 1)
    return [figures[start] for start in weeks]


def totals(weeks: list[WeekFigures]) -> WeekFigures:
    """The whole range as one: sums, and the median over every contacted request (not a median of medians)."""
    whole = WeekFigures(weeks[0].start if weeks else date.min)
    for week in weeks:
        for name in (
            "received",
            "urgent",
            "kept",
            "missed",
            "waiting",
            "urgent_kept",
            "urgent_missed",
            "urgent_waiting",
            "booked",
        ):
            setattr(whole, name, getattr(whole, name) + getattr(week, name))
        whole.minutes_to_contact.extend(week.minutes_to_contact)
        whole.outcomes.update(week.outcomes)
        whole.statuses.update(week.statuses)
    return whole


def duration_in_words(minutes: float | None) -> str:
    """'45 min', '3 h 30 min', '2 d 4 h'; '–' for none."""
    if minutes is None:
        return "–"
    minutes = round(minutes)
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def percent(share: float | None) -> str:
    return "–" if share is None else f"{round(share * 100)}%"
