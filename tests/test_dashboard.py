"""The call-back promise, measured: figures by hand, the pure module alone, and the page, charts and CSV."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from screening import clock
from screening.dashboard import charts, metrics

from .answers import LIKELY, POSSIBLE, UNLIKELY, URGENT
from .conftest import request_details

NEW_YORK = ZoneInfo("America/New_York")


def local(day, hour, minute=0):
    """A moment in clinic time (the test clinic is in New York)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=NEW_YORK)


# The pure module, on rows written by hand


def row(created, due, contact=None, urgent=False, status="new", outcome="likely"):
    return {
        "created_at": clock.iso(created),
        "due_at": clock.iso(due),
        "urgent": int(urgent),
        "status": status,
        "outcome": outcome,
        "first_contact_at": clock.iso(contact) if contact else None,
    }


def test_kept_missed_and_waiting_follow_the_promised_time():
    now = local(20, 12)
    monday = date(2026, 11, 16)
    rows = [
        row(local(16, 9), local(17, 9), contact=local(17, 9)),  # reached exactly at the time: kept
        row(local(16, 9), local(17, 9), contact=local(17, 9, 1)),  # a minute late: missed
        row(local(18, 9), local(19, 9)),  # nobody reached, time passed: missed
        row(local(20, 9), local(21, 9)),  # time still ahead: waiting
        row(local(20, 10), local(20, 11, 59), urgent=True),  # urgent, a minute overdue: missed
    ]
    [week] = metrics.by_week(rows, [monday], now, NEW_YORK)
    assert (week.received, week.kept, week.missed, week.waiting) == (5, 1, 3, 1)
    assert week.kept_share == 1 / 4  # the waiting one is not judged yet
    assert (week.urgent, week.urgent_kept, week.urgent_missed, week.urgent_kept_share) == (1, 0, 1, 0)
    assert week.median_minutes == (24 * 60 + 24 * 60 + 1) / 2


def test_weeks_are_clinic_weeks_from_monday_and_empty_weeks_are_zero():
    weeks = metrics.weeks_between(date(2026, 11, 4), date(2026, 11, 23))
    assert weeks == [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]
    sunday_night = local(22, 23, 30)  # already Monday in UTC
    assert sunday_night.astimezone(UTC).date() == date(2026, 11, 23)
    figures = metrics.by_week([row(sunday_night, sunday_night + timedelta(hours=24))], weeks, local(25, 9), NEW_YORK)
    assert [w.received for w in figures] == [0, 0, 1, 0]
    empty = figures[0]
    assert empty.kept_share is None and empty.median_minutes is None and metrics.percent(None) == "–"


def test_totals_take_the_median_of_every_contact_not_of_the_weekly_medians():
    weeks = [
        metrics.WeekFigures(date(2026, 11, 9), minutes_to_contact=[10]),
        metrics.WeekFigures(date(2026, 11, 16), minutes_to_contact=[20, 30, 40]),
    ]
    assert metrics.totals(weeks).median_minutes == 25


@pytest.mark.parametrize(
    "minutes, words", [(None, "–"), (45, "45 min"), (60, "1 h"), (210, "3 h 30 min"), (2880, "2 d"), (3000, "2 d 2 h")]
)
def test_durations_in_words(minutes, words):
    assert metrics.duration_in_words(minutes) == words


def test_a_chart_scales_its_bars_and_describes_every_value():
    chart = charts.bar_chart(
        "c",
        "Received",
        "Requests per week.",
        ["Nov 9", "Nov 16"],
        [charts.Series("Received", [0, 5], "#000"), charts.Series("Booked", [None, 2], "#111")],
        lambda v: "–" if v is None else f"{v:g}",
    )
    assert [b.label for b in chart.bars] == ["0", "5", "2"]  # no bar for a missing value
    plot_height = chart.plot_bottom - chart.plot_top
    assert [b.height for b in chart.bars] == [0, plot_height, round(plot_height * 2 / 5, 1)]
    assert chart.description == "Requests per week. Nov 9: received 0, booked –; Nov 16: received 5, booked 2."
    assert charts.nice_maximum(0) == 1 and charts.nice_maximum(7) == 10 and charts.nice_maximum(0.4) == 0.5


@pytest.mark.parametrize(
    "largest, gridlines",
    [
        (0, ["0", "1"]),
        (2, ["0", "1", "2"]),
        (7, ["0", "2", "4", "6", "8", "10"]),
        (30, ["0", "10", "20", "30", "40", "50"]),
    ],
)
def test_a_chart_of_counts_has_whole_number_gridlines(largest, gridlines):
    chart = charts.bar_chart(
        "c", "Received", "", ["Nov 9"], [charts.Series("Received", [largest], "#000")], lambda v: f"{v:g}", counts=True
    )
    assert [label for _y, label in chart.gridlines] == gridlines


# The app: a week seeded through the app's own functions, the clock moved along

SETTINGS = {"CONTACT_SLA_HOURS": 24, "URGENT_CONTACT_HOURS": 2}  # open around the clock (tests/conftest.py)


@pytest.fixture
def seed(app, staff, monkeypatch):
    """Send a request at a clinic time and log calls on it, each at its own time, through the app's functions."""
    from screening import promises
    from screening.assessment import assess
    from screening.db import get_db
    from screening.patient import drafts, submissions
    from screening.staff import queue

    app.config.update(SETTINGS)
    frida = staff["front_desk"].id
    counter = iter(range(1, 1000))

    def at(moment):
        monkeypatch.setattr(clock, "now", lambda: moment.astimezone(UTC))

    def send(sent, answers=LIKELY, calls=(), status=None):
        n = next(counter)
        with app.app_context():
            db = get_db()
            at(sent)
            assessment = assess(answers)
            urgent = assessment.outcome == "urgent"
            reference, _ = submissions.submit_request(
                db,
                drafts.new_token(),
                assessment,
                request_details(f"Patient {n}", f"+1202555{n:04d}"),
                lambda now: promises.due_at(urgent, now),
            )
            for when, result in calls:
                at(when)
                request = queue.get_request(db, reference)
                outcome = "reached_call_back" if result == "reached" else result  # the finer outcome of the call
                queue.record_call(db, request, frida, outcome, "phone", None)
            request = queue.get_request(db, reference)
            if status and request["status"] != status:
                queue.change_status(db, request, frida, status)
            return reference

    send.at = at
    return send


@pytest.fixture
def seeded_week(seed):
    """The week of Monday, November 16 (clinic time), counted by hand below; one request the week after."""
    seed(local(16, 9), calls=[(local(16, 13), "reached")], status="scheduled")  # A: 4 h, kept
    seed(
        local(17, 10),
        POSSIBLE,
        calls=[(local(17, 12), "no_answer"), (local(19, 10), "reached"), (local(19, 11), "reached")],
        status="contacted",
    )  # B: 48 h, missed
    seed(local(18, 8), URGENT, calls=[(local(18, 9), "reached")], status="scheduled")  # C: urgent 1 h, kept
    seed(
        local(19, 14), URGENT, calls=[(local(19, 15), "voicemail"), (local(19, 17), "reached")], status="contacted"
    )  # D: urgent 3 h, missed
    seed(local(22, 23, 30), UNLIKELY, calls=[(local(23, 9), "no_answer")])  # E: Sunday night, never
    seed(local(24, 9))  # F: next week, waiting
    seed.at(local(24, 12))  # now: Tuesday, November 24, noon


def test_the_dashboard_equals_a_hand_count_of_a_seeded_week(auth, client, seeded_week):
    auth.login("front_desk")
    response = client.get("/staff/dashboard/?from=2026-11-09&to=2026-11-24")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    # Received, urgent, booked: A to E fall in the week of the 16th (E on Sunday 11:30 p.m., Monday in UTC).
    assert html.count('<th scope="row">Nov 16</th>') == 4
    tables = re.findall(r"<tbody>(.*?)</tbody>", html, re.S)
    received, promise, median, outcomes = (
        {
            m.group(1): re.findall(r"<td>([^<]*)</td>", m.group(2))
            for m in re.finditer(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', table, re.S)
        }
        for table in tables
    )
    assert received == {"Nov 9": ["0", "0", "0"], "Nov 16": ["5", "2", "2"], "Nov 23": ["1", "0", "0"]}
    # Kept: A, C. Missed: B (reached after 48 h), D (urgent, 3 h against 2), E (never reached). F still waiting.
    assert promise["Nov 16"] == ["2", "3", "0", "40%", "1", "1", "0", "50%"]
    assert promise["Nov 23"] == ["0", "0", "1", "–", "0", "0", "0", "–"]
    assert promise["Nov 9"] == ["0", "0", "0", "–", "0", "0", "0", "–"]
    # First contact: A 4 h, B 48 h, C 1 h, D 3 h: the median is 3 h 30 min (B's second "reached" changes nothing).
    assert median["Nov 16"] == ["4", "3 h 30 min"] and median["Nov 23"] == ["0", "–"]
    # Outcomes likely, possible, unlikely, urgent; then statuses new, contacted, scheduled, unable to reach,
    # declined, closed (E's unanswered call made it "unable to reach")
    assert outcomes["Nov 16"] == ["1", "1", "1", "2", "0", "2", "2", "1", "0", "0"]
    assert "<strong>6</strong> requests received (2 urgent)" in html
    assert "<strong>40%</strong> first contacted within the promise (2 kept, 3 missed, 1 waiting)" in html
    assert "<strong>2</strong> became bookings" in html


def test_each_chart_is_an_image_with_a_text_alternative_and_its_numbers(auth, client, seeded_week):
    auth.login("physician")
    html = client.get("/staff/dashboard/?from=2026-11-09&to=2026-11-24").get_data(as_text=True)
    svgs = re.findall(r"<svg .*?</svg>", html, re.S)
    assert len(svgs) == 3
    for svg in svgs:
        labelled_by = re.search(r'role="img" aria-labelledby="([^"]+)"', svg).group(1).split()
        for part in labelled_by:
            assert re.search(rf'<(title|desc) id="{part}">[^<]+</(title|desc)>', svg)
        assert "<script" not in svg and "style=" not in svg
    promise = svgs[1]
    assert "Nov 16: all requests 40%, urgent 50%; Nov 23: all requests –, urgent –" in promise
    assert "Nov 9: received 0, booked 0; Nov 16: received 5, booked 2; Nov 23: received 1, booked 0." in svgs[0]
    assert "Nov 16: median 3 h 30 min" in svgs[2]


def test_the_default_range_is_the_last_eight_weeks_this_one_included(auth, client, staff, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: local(24, 12).astimezone(UTC))
    auth.login("admin")
    html = client.get("/staff/dashboard/").get_data(as_text=True)
    weeks = re.findall(r'<tr><th scope="row">([^<]+)</th>', html)
    assert weeks[:8] == ["Oct 5", "Oct 12", "Oct 19", "Oct 26", "Nov 2", "Nov 9", "Nov 16", "Nov 23"]
    assert 'value="2026-10-05"' in html and 'value="2026-11-24"' in html
    assert "<strong>0</strong> requests received" in html  # no requests at all: zeros, not an error


@pytest.mark.parametrize(
    "query, field, message",
    [
        ("from=garbage", "from", "Enter a date as year-month-day"),
        ("from=2026-11-20&to=2026-11-01", "to", "on or after the start date"),
        ("from=2020-01-01&to=2026-11-01", "from", "at most 104 weeks"),
    ],
)
def test_a_bad_range_is_a_400_with_a_message(auth, client, query, field, message):
    auth.login("front_desk")
    response = client.get(f"/staff/dashboard/?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and re.search(rf'id="{field}-error".*{message}', html)
    assert "<svg" not in html
    assert client.get(f"/staff/dashboard/promise.csv?{query}").status_code == 400


def test_the_csv_holds_the_same_weekly_figures(auth, client, seeded_week):
    auth.login("front_desk")
    response = client.get("/staff/dashboard/promise.csv?from=2026-11-09&to=2026-11-24")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["Week starting"] for r in table] == ["2026-11-09", "2026-11-16", "2026-11-23"]
    week = table[1]
    assert (
        week["Received"],
        week["Kept the promise"],
        week["Missed the promise"],
        week["Share kept"],
        week["Urgent share kept"],
        week["Median minutes to first contact"],
        week["Booked"],
    ) == ("5", "2", "3", "0.400", "0.500", "210", "2")
    assert table[0]["Share kept"] == "" and table[2]["Waiting, promise still ahead"] == "1"
    assert "Patient" not in response.get_data(as_text=True)  # counts only


def test_every_staff_role_sees_the_dashboard_from_the_navigation(app, staff):
    from .conftest import AuthActions

    for role in ("front_desk", "physician", "admin"):
        client = app.test_client()
        AuthActions(client).login(role)
        home = client.get("/admin/users" if role == "admin" else "/staff/").get_data(as_text=True)
        assert 'href="/staff/dashboard/">Promise dashboard</a>' in home
        assert client.get("/staff/dashboard/").status_code == 200
    assert app.test_client().get("/staff/dashboard/").headers["Location"].startswith("/staff/login")
