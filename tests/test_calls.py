"""One call, one action: the call-outcome form, call-backs in the queue, notes entered in error, reviews."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from screening import clock
from screening.db import connect
from screening.notify import outbox
from screening.staff import calls

from .conftest import audit_rows, post_form
from .test_staff import references_in

P = pytest.param


def page_of(row):
    return f"/staff/requests/{row['reference']}"


def clinic_input(moment, app):
    """A moment as the call-back field takes it: clinic time, no zone."""
    return moment.astimezone(ZoneInfo(app.config["CLINIC_TIMEZONE"])).strftime("%Y-%m-%dT%H:%M")


def stored(app, row):
    return next(connect(app.config["DATABASE"]).query("SELECT * FROM requests WHERE id = ?", [row["id"]]))


def test_one_post_records_the_call_sets_status_call_back_and_note_and_stops_the_reminder(
    auth, app, client, make_request, monkeypatch
):
    app.config["FRONT_DESK_EMAILS"] = ["desk@clinic.test"]
    row = make_request(due_in_hours=2)
    make_request(due_in_hours=2)  # the same, not called: it is reminded about
    start = clock.now()
    call_back = (start + timedelta(days=1)).replace(second=0, microsecond=0)
    auth.login()
    response = post_form(
        client,
        page_of(row),
        page_of(row) + "/calls",
        {
            "outcome": "reached_call_back",
            "method": "phone",
            "call_back": clinic_input(call_back, app),
            "call_note": "Wants a morning call; checking her calendar.",
        },
    )
    assert response.status_code == 303 and response.headers["Location"] == page_of(row)

    after = stored(app, row)
    assert after["status"] == "contacted"  # reached: no longer New
    assert after["call_back_at"] == clock.iso(call_back) and after["last_outcome"] == "reached_call_back"
    assert after["attempts"] == 1
    db = connect(app.config["DATABASE"])
    events = list(db.query("SELECT kind, method, result, outcome, status, call_back_at, note FROM request_events"))
    # The contract the clinic's contact figures rely on: an attempt row, result 'reached'.
    assert events[0]["kind"] == "attempt" and events[0]["result"] == "reached"
    assert events[0]["outcome"] == "reached_call_back" and events[0]["note"].startswith("Wants a morning call")
    assert events[1]["kind"] == "status" and events[1]["status"] == "contacted"
    html = client.get(page_of(row)).get_data(as_text=True)
    assert "Phone call, reached: will call back" in html and "Wants a morning call" in html
    with app.app_context():
        assert outbox.enqueue_overdue(db, outbox.Settings.from_config(app.config)) == 0
        monkeypatch.setattr(clock, "now", lambda: start + timedelta(hours=3))  # past their due time
        assert outbox.enqueue_overdue(db, outbox.Settings.from_config(app.config)) == 1  # the other one only
        assert db["outbox"].count_where("kind = 'overdue_reminder' AND request_id = ?", [row["id"]]) == 0
    assert audit_rows(app, "contact_attempt")[-1]["detail"] == (
        '{"method": "phone", "outcome": "reached_call_back", "old": "new", "new": "contacted"}'
    )


def test_a_reminder_already_queued_is_withdrawn_when_the_patient_is_reached(auth, app, client, make_request):
    app.config["FRONT_DESK_EMAILS"] = ["desk@clinic.test"]
    row = make_request(due_in_hours=-1)  # overdue
    db = connect(app.config["DATABASE"])
    with app.app_context():
        assert outbox.enqueue_overdue(db, outbox.Settings.from_config(app.config)) == 1
    auth.login()
    post_form(client, page_of(row), page_of(row) + "/calls", {"outcome": "reached_booked", "method": "phone"})
    assert stored(app, row)["status"] == "scheduled"
    assert db["outbox"].count_where("kind = 'overdue_reminder' AND status = 'pending'") == 0


@pytest.mark.parametrize(
    "outcome, method, status, result",
    [
        P("reached_booked", "phone", "scheduled", "reached"),
        P("reached_declined", "email", "declined", "reached"),
        P("no_answer", "phone", "unable_to_reach", "no_answer"),
        P("voicemail", "phone", "unable_to_reach", "voicemail"),
        P("wrong_number", "text", "unable_to_reach", "wrong_number"),
        P("message_sent", "text", "unable_to_reach", "sent"),
    ],
)
def test_each_outcome_sets_its_status_and_keeps_the_coarse_result(
    auth, app, client, make_request, outcome, method, status, result
):
    row = make_request()
    auth.login()
    post_form(client, page_of(row), page_of(row) + "/calls", {"outcome": outcome, "method": method})
    assert stored(app, row)["status"] == status
    attempt = next(connect(app.config["DATABASE"]).query("SELECT * FROM request_events WHERE kind = 'attempt'"))
    assert attempt["result"] == result and attempt["outcome"] == outcome


def test_a_booked_patient_who_misses_a_reminder_call_stays_booked(auth, app, client, make_request):
    row = make_request(status="scheduled")
    auth.login()
    post_form(client, page_of(row), page_of(row) + "/calls", {"outcome": "no_answer", "method": "phone"})
    assert stored(app, row)["status"] == "scheduled" and stored(app, row)["attempts"] == 1


def test_an_unreached_patient_comes_back_to_the_top_of_the_queue_at_the_call_back_time(
    auth, app, client, make_request, monkeypatch
):
    called = make_request(due_in_hours=1)  # first in line, until it is called
    other = make_request(due_in_hours=10)
    start = clock.now()
    app.config["STAFF_IDLE_MINUTES"] = 24 * 60  # the desk stays signed in while the clock moves on
    auth.login()
    assert references_in(client.get("/staff/").get_data(as_text=True)) == [called["reference"], other["reference"]]
    call_back = (start + timedelta(hours=4)).replace(second=0, microsecond=0)
    post_form(
        client,
        page_of(called),
        page_of(called) + "/calls",
        {"outcome": "voicemail", "method": "phone", "call_back": clinic_input(call_back, app)},
    )

    html = client.get("/staff/").get_data(as_text=True)
    assert references_in(html) == [other["reference"], called["reference"]]  # waits for its time
    assert "call back in 3 h" in html  # 4 hours ahead, less the moments since
    monkeypatch.setattr(clock, "now", lambda: call_back + timedelta(minutes=1))
    html = client.get("/staff/").get_data(as_text=True)
    assert references_in(html) == [called["reference"], other["reference"]]  # its time has come: first again
    assert "call back now" in html


def test_the_call_back_time_is_read_in_clinic_time():
    now = clock.parse("2026-11-26T12:00:00+00:00")
    moment = calls.parse_call_back("2026-11-27T09:30", "America/New_York", now)
    assert clock.iso(moment) == "2026-11-27T14:30:00+00:00"  # EST is UTC-5
    with pytest.raises(ValueError, match="within 90 days"):
        calls.parse_call_back("2027-11-27T09:30", "America/New_York", now)


def test_a_note_entered_in_error_is_struck_by_a_new_event_not_changed(auth, app, client, make_request):
    row = make_request()
    auth.login()
    post_form(client, page_of(row), page_of(row) + "/notes", {"note": "Patient prefers Dr. Wrong"})
    db = connect(app.config["DATABASE"])
    note_id = next(db.query("SELECT id FROM request_events WHERE kind = 'note'"))["id"]
    response = post_form(client, page_of(row), page_of(row) + "/notes/entered-in-error", {"event": note_id})
    assert response.status_code == 303
    html = client.get(page_of(row)).get_data(as_text=True)
    assert "<del>Patient prefers Dr. Wrong</del>" in html
    assert re.search(r"Entered in error: marked by Test front_desk, <time", html)
    rows = list(db.query("SELECT id, kind, strikes, note FROM request_events ORDER BY id"))
    assert rows[0]["note"] == "Patient prefers Dr. Wrong"  # the old note is kept as it was
    assert rows[1]["strikes"] == note_id
    # Twice, or a note of another request: nothing more
    again = post_form(client, page_of(row), page_of(row) + "/notes/entered-in-error", {"event": note_id})
    assert again.status_code == 404
    other = make_request()
    assert (
        post_form(client, page_of(other), page_of(other) + "/notes/entered-in-error", {"event": note_id}).status_code
        == 404
    )
    assert db["request_events"].count == 2
    assert audit_rows(app, "note_struck")[-1]["object_id"] == row["reference"]


def test_mark_reviewed_twice_records_one_review_and_a_changed_note_adds_one(auth, app, client, make_request):
    row = make_request()
    auth.login("physician")
    intake = page_of(row) + "/intake"
    for _ in range(2):
        post_form(client, intake, page_of(row) + "/review", {"note": "Hold apixaban 3 days before the block."})
    db = connect(app.config["DATABASE"])
    assert db["reviews"].count == 1
    assert "nothing added" in client.get(intake).get_data(as_text=True)
    post_form(client, intake, page_of(row) + "/review", {"note": "Hold apixaban 2 days (renal function fine)."})
    assert db["reviews"].count == 2
    # The front desk sees the physician's note where they schedule
    auth.logout()
    auth.login()
    html = client.get(page_of(row)).get_data(as_text=True)
    scheduling = html[html.index("For scheduling") : html.index("Criteria")]
    assert "Hold apixaban 2 days (renal function fine)." in scheduling and "From Test physician" in scheduling


def test_next_unreviewed_goes_through_the_unreviewed_in_a_row(auth, app, client, make_request):
    from .answers import URGENT

    first, second = make_request(), make_request()
    urgent = make_request(URGENT)
    reviewed = make_request()
    db = connect(app.config["DATABASE"])
    db.execute(
        "INSERT INTO reviews (request_id, user_id, at) VALUES (?, 2, ?)", [reviewed["id"], clock.iso(clock.now())]
    )
    auth.login("physician")
    seen, reference = [], urgent["reference"]
    for _ in range(4):
        response = client.get(f"/staff/requests/{reference}/next-unreviewed")
        reference = re.fullmatch(r"/staff/requests/([0-9A-Z]{8})/intake", response.headers["Location"]).group(1)
        seen.append(reference)
    assert seen == [first["reference"], second["reference"], urgent["reference"], first["reference"]]
    html = client.get(f"/staff/requests/{first['reference']}/intake").get_data(as_text=True)
    assert "Next unreviewed" in html


def test_the_call_outcome_codes_match_the_schema(db):
    for table, column in (("request_events", "outcome"), ("requests", "last_outcome")):
        sql = next(db.query("SELECT sql FROM sqlite_master WHERE name = ?", [table]))["sql"]
        found = re.search(rf"\b{column}\b[^\n]*\n?[^\n]*?\bIN\s*\(([^)]*)\)", sql)
        assert set(re.findall(r"'([^']+)'", found.group(1))) == set(calls.OUTCOMES), table
    assert {o.result for o in calls.OUTCOMES.values()} <= set(calls.RESULTS)


def test_the_reminder_email_links_to_the_request_page_under_the_public_base_url(app, make_request):
    app.config["PUBLIC_BASE_URL"] = "https://clinic.example/screening/"
    with app.app_context():
        link = outbox.Settings.from_config(app.config).request_link("ABCD1234")
    assert link == "https://clinic.example/screening/staff/requests/ABCD1234"
