"""The front-desk queue, request handling, the CSV export and the audit trail."""

import csv
import io
import json
import re
import sqlite3
from datetime import datetime, timedelta

import pytest

from screening.db import connect
from screening.references import format_reference

from .answers import LIKELY, POSSIBLE, UNLIKELY, URGENT, likely
from .conftest import audit_rows, post_form

P = pytest.param


def references_in(html):
    """The requests a queue page lists, in order (the name links to the request page, or the intake)."""
    return [m.replace("-", "") for m in re.findall(r'<td><a href="/staff/requests/([0-9A-Z]{8})(?:/intake)?"', html)]


# The queue


def test_queue_order_urgent_then_overdue_then_soonest_due(auth, client, make_request):
    later = make_request(due_in_hours=20)["reference"]
    contacted = make_request(status="contacted", due_in_hours=-50)["reference"]
    overdue = make_request(due_in_hours=-2)["reference"]
    soon = make_request(due_in_hours=3)["reference"]
    urgent = make_request(URGENT, due_in_hours=23)["reference"]
    auth.login()
    html = client.get("/staff/").get_data(as_text=True)
    assert references_in(html) == [urgent, overdue, soon, later, contacted]
    assert "overdue by 2 h" in html and "due in 2 h" in html  # 3 hours ahead, less the moments since
    assert "Urgent" in html


def test_closed_requests_hidden_unless_asked(auth, client, make_request):
    open_ref = make_request()["reference"]
    closed = make_request(status="closed")["reference"]
    declined = make_request(status="declined")["reference"]
    auth.login()
    assert references_in(client.get("/staff/").get_data(as_text=True)) == [open_ref]
    assert references_in(client.get("/staff/?status=closed").get_data(as_text=True)) == [closed]
    assert set(references_in(client.get("/staff/?status=all").get_data(as_text=True))) == {open_ref, closed, declined}


@pytest.mark.parametrize(
    "query, expected",
    [
        P("status=contacted", {"contacted"}, id="status"),
        P("outcome=possible", {"possible"}, id="outcome"),
        P("outcome=unlikely", {"unlikely"}, id="outcome-unlikely"),
        P("flag=bleeding_risk", {"possible"}, id="flag"),
        P("flag=urgent_red_flag", {"urgent"}, id="flag-urgent"),
        P("location=Northside", {"northside"}, id="location"),
        P(
            "status=all&outcome=nonsense",
            {"likely", "possible", "unlikely", "urgent", "contacted", "northside"},
            id="unknown-filter-ignored",
        ),
    ],
)
def test_queue_filters(auth, client, make_request, query, expected):
    made = {
        "likely": make_request(LIKELY),
        "possible": make_request(POSSIBLE),
        "unlikely": make_request(UNLIKELY),
        "urgent": make_request(URGENT),
        "contacted": make_request(LIKELY, status="contacted"),
        "northside": make_request(LIKELY, location="Northside"),
    }
    auth.login()
    shown = set(references_in(client.get(f"/staff/?{query}").get_data(as_text=True)))
    assert shown == {made[name]["reference"] for name in expected}


@pytest.mark.parametrize(
    "term",
    [
        P("Quartz", id="name-part"),
        P("zelda quartz", id="name-any-case"),
        P("(202) 555-0777", id="phone-as-typed"),
        P("zq@example", id="email"),
        P(None, id="reference-with-hyphen"),
    ],
)
def test_search_finds_one_request_and_keeps_the_term_out_of_urls(auth, client, make_request, term):
    wanted = make_request(name="Zelda Quartz", phone="+12025550777", email="zq@example.org")
    make_request(name="Other Person")
    term = term or format_reference(wanted["reference"])
    auth.login()
    response = post_form(client, "/staff/", "/staff/search", {"q": term, "action": "search"})
    assert response.status_code == 303
    assert term not in response.headers["Location"] and "Zelda" not in response.headers["Location"]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert references_in(html) == [wanted["reference"]]
    # Nor in the session cookie: it is signed, not encrypted, so anyone holding it could read it.
    app = client.application
    session = app.session_interface.get_signing_serializer(app).loads(client.get_cookie("session").value)
    assert term.lower() not in json.dumps(session).lower() and "quartz" not in json.dumps(session).lower()
    response = post_form(client, "/staff/", "/staff/search", {"q": "", "action": "clear"})
    assert len(references_in(client.get("/staff/").get_data(as_text=True))) == 2


def test_search_text_with_sql_wildcards_is_literal(auth, client, make_request):
    make_request(name="Percy Percent")
    auth.login()
    response = post_form(client, "/staff/", "/staff/search", {"q": "%", "action": "search"})
    assert references_in(client.get(response.headers["Location"]).get_data(as_text=True)) == []


def test_counts_per_status(auth, client, make_request):
    for status in ("new", "new", "contacted", "closed"):
        make_request(status=status)
    auth.login()
    html = client.get("/staff/").get_data(as_text=True)
    assert re.search(r'New <span class="count">2</span>', html)
    assert re.search(r'Contacted <span class="count">1</span>', html)
    assert re.search(r'Closed <span class="count">1</span>', html)
    assert re.search(r'Open <span class="count">3</span>', html)


def test_pagination(auth, app, client, make_request):
    db = connect(app.config["DATABASE"])
    first = make_request(due_in_hours=1)
    screening_id = first["screening_id"]
    # 119 more requests, fast: copies of the first with their own screening rows
    for n in range(119):
        db.execute(
            "INSERT INTO screenings (submission_key, created_at, updated_at, questionnaire_version,"
            " rules_version, answers, outcome, flags, criteria, peg_score)"
            " SELECT ?, created_at, updated_at, questionnaire_version, rules_version, answers, outcome,"
            " flags, criteria, peg_score FROM screenings WHERE id = ?",
            [f"k{n}", screening_id],
        )
        db.execute(
            "INSERT INTO requests (reference, screening_id, full_name, phone, date_of_birth,"
            " preferred_contact, best_time, location, patient_status, urgent, created_at, due_at)"
            " SELECT ?, last_insert_rowid(), full_name || ?, ?, date_of_birth, preferred_contact, best_time,"
            " location, patient_status, urgent, created_at,"
            " strftime('%Y-%m-%dT%H:%M:%S+00:00', due_at, ?) FROM requests WHERE id = ?",
            [f"P{n:07d}", f" {n}", f"+1303555{n:04d}", f"+{n + 1} minutes", first["id"]],
        )
    auth.login()
    page1 = client.get("/staff/").get_data(as_text=True)
    page3 = client.get("/staff/?page=3").get_data(as_text=True)
    assert len(references_in(page1)) == 50 and references_in(page1)[0] == first["reference"]
    assert len(references_in(page3)) == 20
    assert "Page 1 of 3" in page1 and 'href="/staff/?page=2"' in page1
    assert "120 requests" in page1
    assert client.get("/staff/?page=abc").status_code == 200


# The request page


def test_request_page_shows_what_a_scheduler_needs_and_no_clinical_answers(auth, app, client, make_request):
    row = make_request(
        likely(blood_thinners=["warfarin"], allergies=["contrast"]), name="Zelda Quartz", message="Afternoons are best."
    )
    auth.login()
    html = client.get(f"/staff/requests/{row['reference']}").get_data(as_text=True)
    for shown in (
        "Zelda Quartz",
        "+12025550",
        "Afternoons are best.",
        "Possibly a fit",
        "Bleeding risk",
        "Allergy: iodinated contrast",
        "Pain for 3 months or more",
        "age ",
    ):
        assert shown in html, shown
    for hidden in (
        "Warfarin",
        "Coumadin",
        "describes your pain on average",
        "7 out of 10",
        "How long have you had this pain",
    ):
        assert hidden not in html, hidden
    assert audit_rows(app, "view_request")[-1]["object_id"] == row["reference"]


def test_unknown_reference_is_404(auth, client):
    auth.login()
    assert client.get("/staff/requests/ZZZZZZZZ").status_code == 404


def test_calls_status_change_and_note_with_author(auth, app, client, make_request):
    row = make_request()
    page = f"/staff/requests/{row['reference']}"
    auth.login()
    assert post_form(client, page, page + "/calls", {"method": "phone", "outcome": "no_answer"}).status_code == 303
    post_form(client, page, page + "/calls", {"method": "phone", "outcome": "voicemail", "call_note": "Left number"})
    post_form(client, page, page + "/notes", {"note": "Try again after 5pm"})
    response = post_form(client, page, page + "/status", {"status": "contacted", "status_note": "Booked a call back"})
    assert response.headers["Location"] == page

    db = connect(app.config["DATABASE"])
    stored = next(db.query("SELECT status, attempts, last_attempt_at FROM requests WHERE id = ?", [row["id"]]))
    assert stored["status"] == "contacted" and stored["attempts"] == 2 and stored["last_attempt_at"]
    events = list(db.query("SELECT kind, status, method, result, note, user_id FROM request_events ORDER BY id"))
    assert [(e["kind"], e["status"] or e["result"]) for e in events] == [
        ("attempt", "no_answer"),
        ("status", "unable_to_reach"),
        ("attempt", "voicemail"),
        ("note", None),
        ("status", "contacted"),
    ]
    assert {e["user_id"] for e in events} == {1}  # frida, the front desk account
    html = client.get(page).get_data(as_text=True)
    assert "Test front_desk" in html and "Left number" in html and "Try again after 5pm" in html
    assert "Phone call, left a voicemail" in html
    assert [r["action"] for r in audit_rows(app)] == [
        "login_ok",
        "view_request",
        "contact_attempt",
        "view_request",
        "contact_attempt",
        "view_request",
        "note_added",
        "view_request",
        "status_change",
        "view_request",
    ]
    change = audit_rows(app, "status_change")[-1]
    assert change["object_id"] == row["reference"] and '"new": "contacted"' in change["detail"]


def test_unreached_calls_are_counted_in_the_queue_and_suggest_closing(auth, app, client, make_request):
    row = make_request()
    page = f"/staff/requests/{row['reference']}"
    auth.login()
    for n in range(3):
        post_form(client, page, page + "/calls", {"method": "phone", "outcome": "no_answer"})
        queue_html = client.get("/staff/").get_data(as_text=True)
        assert f'Unable to reach · No answer <span class="muted">({n + 1} call' in queue_html
        assert ("Consider closing" in queue_html) == (n == 2)  # MAX_CALL_ATTEMPTS is 3
    html = client.get(page).get_data(as_text=True)
    assert "3 calls without reaching the patient" in html
    post_form(
        client, page, page + "/status", {"status": "closed", "status_note": "Closed: unable to reach after 3 calls."}
    )
    assert references_in(client.get("/staff/").get_data(as_text=True)) == []


@pytest.mark.parametrize(
    "path, data, field, message",
    [
        P("/status", {"status": "new"}, "status", "Choose one of the answers shown", id="not-allowed-transition"),
        P("/status", {}, "status", "Choose the new status", id="no-status"),
        P(
            "/calls",
            {"method": "pigeon", "outcome": "reached_booked"},
            "method",
            "Choose one of the answers shown",
            id="bad-method",
        ),
        P("/calls", {"method": "phone"}, "outcome", "Choose what happened", id="no-outcome"),
        P(
            "/calls",
            {"method": "phone", "outcome": "message_sent"},
            "method",
            "“Message sent” goes with a text message or an email, not a phone call",
            id="message-sent-by-phone",
        ),
        P("/calls", {"method": "email", "outcome": "voicemail"}, "method", "not an email", id="voicemail-by-email"),
        P(
            "/calls",
            {"method": "phone", "outcome": "reached_booked", "call_back": "2099-01-01T10:00"},
            "call_back",
            "needs no call-back",
            id="booked-with-call-back",
        ),
        P(
            "/calls",
            {"method": "phone", "outcome": "no_answer", "call_back": "2020-01-01T10:00"},
            "call_back",
            "The call-back time has passed",
            id="call-back-in-the-past",
        ),
        P(
            "/calls",
            {"method": "phone", "outcome": "no_answer", "call_back": "tomorrow"},
            "call_back",
            "Enter the call-back date and time",
            id="call-back-not-a-time",
        ),
        P(
            "/calls",
            {"method": "phone", "outcome": "no_answer", "call_back": "9999-12-31T23:59"},
            "call_back",
            "within 90 days",
            id="call-back-at-the-end-of-time",
        ),
        P("/notes", {"note": "  "}, "note", "Write the note first", id="empty-note"),
        P("/notes", {"note": "x" * 2001}, "note", "2000", id="long-note"),
    ],
)
def test_bad_actions_show_errors_and_change_nothing(auth, app, client, make_request, path, data, field, message):
    row = make_request()
    page = f"/staff/requests/{row['reference']}"
    auth.login()
    response = post_form(client, page, page + path, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in html
    error = re.search(rf'<p class="error-message" id="{field}-error">(.*?)</p>', html, re.S)
    assert error and message in error.group(1)  # next to the field it is about
    db = connect(app.config["DATABASE"])
    assert db["request_events"].count == 0
    assert next(db.query("SELECT status FROM requests"))["status"] == "new"


def test_closed_request_cannot_jump_to_scheduled(auth, client, make_request):
    row = make_request(status="closed")
    page = f"/staff/requests/{row['reference']}"
    auth.login()
    response = post_form(client, page, page + "/status", {"status": "scheduled"})
    assert "There is a problem" in response.get_data(as_text=True)


def test_physician_can_work_the_queue_too(auth, client, make_request):
    row = make_request()
    auth.login("physician")
    assert row["reference"] in "".join(references_in(client.get("/staff/").get_data(as_text=True)))


def test_admin_sees_no_patient_data(auth, app, client, make_request):
    row = make_request(name="Zelda Quartz")
    auth.login("admin")
    for url in ("/staff/", f"/staff/requests/{row['reference']}", "/staff/export.csv"):
        response = client.get(url)
        assert response.status_code == 403 and "Zelda" not in response.get_data(as_text=True)
    for url in ("/admin/users", "/admin/audit"):
        assert "Zelda" not in client.get(url).get_data(as_text=True)
    assert len(audit_rows(app, "access_denied")) == 3


# CSV export


def test_csv_export_lists_flags_most_serious_first(auth, client, make_request):
    from screening.assessment import FLAGS, assess

    answers = likely(red_flags=["bladder_bowel"], blood_thinners=["doac"], allergies=["contrast"])
    make_request(answers, location="Northside")
    auth.login()
    rows = list(csv.DictReader(io.StringIO(client.get("/staff/export.csv?location=Northside").get_data(as_text=True))))
    flags = rows[0]["flags"].split(";")
    assert set(flags) == set(assess(answers).flags) and len(flags) > 2
    assert FLAGS[flags[0]].kind == "urgent"
    kinds = [FLAGS[f].kind for f in flags]
    assert kinds.index("urgent") < min(i for i, k in enumerate(kinds) if k != "urgent")


def test_csv_export_streams_the_filtered_queue_with_formulas_escaped(auth, app, client, make_request):
    wanted = make_request(POSSIBLE, name='=HYPERLINK("http://evil")', email="@evil.example", location="Northside")
    make_request(LIKELY, location="Main office")
    auth.login()
    response = client.get("/staff/export.csv?location=Northside")
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == [
        "reference",
        "name",
        "phone",
        "email",
        "location",
        "outcome",
        "flags",
        "status",
        "submitted",
        "due",
    ]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["reference"] == format_reference(wanted["reference"])
    assert row["name"] == '\'=HYPERLINK("http://evil")'
    assert row["email"] == "'@evil.example"
    assert row["phone"] == wanted["phone"]  # a phone number in E.164 is written as it is, not as a formula
    assert row["outcome"] == "possible" and row["flags"] == "bleeding_risk" and row["status"] == "new"
    # Times in clinic time, with their offset (New York: -05:00 or -04:00)
    due = datetime.fromisoformat(row["due"])
    assert due == datetime.fromisoformat(wanted["due_at"]) and due.utcoffset() in (
        timedelta(hours=-5),
        timedelta(hours=-4),
    )
    export = audit_rows(app, "export_queue")[-1]
    assert '"location": "Northside"' in export["detail"]


@pytest.mark.parametrize(
    "value, written",
    [
        P("=1+1", "'=1+1"),
        P("+1", "'+1"),
        P("-1", "'-1"),
        P("@SUM(A1)", "'@SUM(A1)"),
        P("\tx", "'\tx"),
        P("plain", "plain"),
        P(None, ""),
        P(3, "3"),
        P("+12025550104", "+12025550104", id="phone-e164-kept"),
        P("+1 202 555", "'+1 202 555", id="not-e164"),
        P("+1202555010412345", "'+1202555010412345", id="too-long-for-e164"),
    ],
)
def test_formula_cells_are_neutralised(value, written):
    from screening.csv_export import cell

    assert cell(value) == written


# Audit trail


def test_audit_log_is_append_only(app, auth, client):
    auth.login()
    db = connect(app.config["DATABASE"])
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE audit_log SET action = 'nothing'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM audit_log")
    assert db["audit_log"].count >= 1


def test_request_events_are_append_only(app, auth, client, make_request):
    row = make_request()
    page = f"/staff/requests/{row['reference']}"
    auth.login()
    post_form(client, page, page + "/notes", {"note": "hello"})
    db = connect(app.config["DATABASE"])
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE request_events SET note = 'rewritten'")
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("DELETE FROM request_events")


def test_audit_rows_name_who_what_which_when_and_where_but_no_health_data(app, auth, client, make_request):
    row = make_request(likely(blood_thinners=["warfarin"]), name="Zelda Quartz")
    page = f"/staff/requests/{row['reference']}"
    auth.login()
    post_form(client, page, page + "/notes", {"note": "Patient mentioned warfarin"})
    rows = audit_rows(app)
    view = [r for r in rows if r["action"] == "view_request"][0]
    assert view["user_id"] == 1 and view["role"] == "front_desk"
    assert view["object_type"] == "request" and view["object_id"] == row["reference"]
    assert view["at"].endswith("+00:00") and view["address"] == "127.0.0.1"
    dump = repr(rows).lower()
    assert "warfarin" not in dump and "zelda" not in dump


def test_request_page_shows_best_times_voicemail_language_interpreter_and_access_needs(auth, client, make_request):
    row = make_request(
        best_times='["morning", "afternoon"]',
        voicemail_ok=0,
        language="Spanish",
        interpreter=1,
        accessibility_needs="Uses a wheelchair",
    )
    auth.login()
    html = client.get(f"/staff/requests/{row['reference']}").get_data(as_text=True)
    assert "Mornings; Afternoons" in html
    assert "No voicemail: call again" in html and "Spanish · <strong>interpreter</strong>" in html
    assert "Uses a wheelchair" in html


@pytest.mark.parametrize(
    "typed",
    [
        P("{a}-{b}", id="as-printed"),
        P("{a} {b}", id="with-a-space"),
        P("{la}{lb}", id="lowercase-run-together"),
        P("{oa}-{ob}", id="look-alikes-O-I-L"),
    ],
)
def test_a_reference_is_found_however_it_is_read_out(auth, client, make_request, typed, monkeypatch):
    from screening.patient import submissions

    monkeypatch.setattr(submissions, "new_reference", lambda: "AB01CD1E")
    wanted = make_request(name="Zelda Quartz")
    monkeypatch.undo()
    make_request(name="Other Person")  # a second reference, so the search must choose
    assert wanted["reference"] == "AB01CD1E"
    term = typed.format(a="AB01", b="CD1E", la="ab01", lb="cd1e", oa="ABOI", ob="CDLE")
    auth.login()
    response = post_form(client, "/staff/", "/staff/search", {"q": term, "action": "search"})
    assert references_in(client.get(response.headers["Location"]).get_data(as_text=True)) == ["AB01CD1E"]
