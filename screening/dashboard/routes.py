from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Response, abort, render_template, request
from flask.typing import ResponseReturnValue
from sqlite_utils import Database

from .. import clock, csv_export, params, promises
from ..auth import roles_required
from ..auth.users import ROLES
from ..db import get_db
from ..rules.common import OUTCOME_LABELS, OUTCOMES
from ..staff.queue import STATUS_NAMES, STATUSES
from . import bp, charts, metrics

DEFAULT_WEEKS = 8
MAX_WEEKS = 104
BLUE, GREEN, RED = "#0b4fa3", "#1e6b34", "#b10e1e"


@dataclass
class Range:
    first: date
    last: date
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def weeks(self) -> list[date]:
        return metrics.weeks_between(self.first, self.last)

    def as_args(self) -> dict[str, str]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


def read_range(args: Mapping[str, str], today: date) -> Range:
    """The weeks asked for (clinic dates, widened to whole weeks); by default the last eight, this one included."""
    this_monday = today - timedelta(days=today.weekday())
    chosen = Range(this_monday - timedelta(weeks=DEFAULT_WEEKS - 1), today)
    asked = params.date_range(args)
    chosen.first, chosen.last, chosen.errors = asked.start or chosen.first, asked.end or chosen.last, asked.errors
    if not chosen.errors:
        if chosen.first > chosen.last:
            chosen.errors["to"] = "The end date must be on or after the start date"
        elif len(chosen.weeks) > MAX_WEEKS:
            chosen.errors["from"] = f"Choose at most {MAX_WEEKS} weeks"
    return chosen


def request_rows(db: Database, weeks: list[date], zone: ZoneInfo) -> list[dict]:
    """Each request received in the weeks, with its outcome and the time a call first reached the patient."""
    start = clock.iso(datetime.combine(weeks[0], time.min, zone))
    end = clock.iso(datetime.combine(weeks[-1] + timedelta(weeks=1), time.min, zone))
    return list(
        db.query(
            """SELECT r.created_at, r.due_at, r.urgent, r.status, s.outcome,
                  (SELECT min(e.at) FROM request_events e
                    WHERE e.request_id = r.id AND e.kind = 'attempt' AND e.result = 'reached') AS first_contact_at
           FROM requests r JOIN screenings s ON s.id = r.screening_id
           WHERE r.created_at >= ? AND r.created_at < ?""",
            [start, end],
        )
    )


def _figures() -> tuple[Range, list[metrics.WeekFigures], ZoneInfo]:
    zone = promises.clinic().timezone
    now = clock.now()
    chosen = read_range(request.args, now.astimezone(zone).date())
    if chosen.errors:
        return chosen, [], zone
    weeks = metrics.by_week(request_rows(get_db(), chosen.weeks, zone), chosen.weeks, now, zone)
    return chosen, weeks, zone


def week_label(start: date) -> str:
    return f"{start:%b} {start.day}"


def _count(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def build_charts(weeks: list[metrics.WeekFigures]) -> list[charts.Chart]:
    labels = [week_label(w.start) for w in weeks]
    return [
        charts.bar_chart(
            "chart-received",
            "Requests received and booked, per week",
            "Bar chart of consultation requests received each week, and how many of them became bookings.",
            labels,
            [
                charts.Series("Received", [w.received for w in weeks], BLUE),
                charts.Series("Booked", [w.booked for w in weeks], GREEN),
            ],
            _count,
            counts=True,
        ),
        charts.bar_chart(
            "chart-promise",
            "First contact within the promise, per week",
            "Bar chart of the share of requests whose first successful call came by the promised time, for all "
            "requests and for urgent ones (a week with none decided yet has no bar).",
            labels,
            [
                charts.Series("All requests", [w.kept_share for w in weeks], BLUE),
                charts.Series("Urgent", [w.urgent_kept_share for w in weeks], RED),
            ],
            metrics.percent,
            maximum=1,
        ),
        charts.bar_chart(
            "chart-median",
            "Median time to first contact, per week",
            "Bar chart of the median time from a request to the first call that reached the patient, in hours.",
            labels,
            [
                charts.Series(
                    "Median", [None if w.median_minutes is None else w.median_minutes / 60 for w in weeks], BLUE
                )
            ],
            lambda hours: "–" if hours is None else metrics.duration_in_words(hours * 60),
        ),
    ]


@bp.get("/")
@roles_required(*ROLES)
def promise() -> ResponseReturnValue:
    chosen, weeks, zone = _figures()
    html = render_template(
        "dashboard/promise.html",
        chosen=chosen,
        weeks=weeks,
        total=metrics.totals(weeks) if weeks else None,
        charts=build_charts(weeks) if weeks else [],
        metrics=metrics,
        week_label=week_label,
        zone=zone,
        OUTCOMES=OUTCOMES,
        OUTCOME_LABELS=OUTCOME_LABELS,
        STATUSES=STATUSES,
        STATUS_NAMES=STATUS_NAMES,
    )
    return html, 400 if chosen.errors else 200


CSV_HEADER = [
    "Week starting",
    "Week ending",
    "Received",
    "Urgent",
    "Kept the promise",
    "Missed the promise",
    "Waiting, promise still ahead",
    "Share kept",
    "Urgent kept",
    "Urgent missed",
    "Urgent waiting",
    "Urgent share kept",
    "Reached",
    "Median minutes to first contact",
    "Booked",
    *(f"Outcome: {code}" for code in OUTCOMES),
    *(f"Status: {code}" for code in STATUSES),
]


def csv_row(week: metrics.WeekFigures) -> list:
    def share(value: float | None) -> str:
        return "" if value is None else f"{value:.3f}"

    median = week.median_minutes
    return [
        week.start.isoformat(),
        week.end.isoformat(),
        week.received,
        week.urgent,
        week.kept,
        week.missed,
        week.waiting,
        share(week.kept_share),
        week.urgent_kept,
        week.urgent_missed,
        week.urgent_waiting,
        share(week.urgent_kept_share),
        week.contacted,
        "" if median is None else round(median),
        week.booked,
        *(week.outcomes[code] for code in OUTCOMES),
        *(week.statuses[code] for code in STATUSES),
    ]


@bp.get("/promise.csv")
@roles_required(*ROLES)
def promise_csv() -> ResponseReturnValue:
    """The weekly figures (counts only: no patient in them) for a spreadsheet."""
    chosen, weeks, _zone = _figures()
    if chosen.errors:
        abort(400)
    filename = f"call-back-promise-{chosen.first.isoformat()}-to-{chosen.last.isoformat()}.csv"
    return Response(
        csv_export.stream(CSV_HEADER, (csv_row(w) for w in weeks)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
