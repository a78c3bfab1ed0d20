"""The queue a front desk works from: columns, search, filters, duplicates, assignment, live updates, exports."""

import re
from datetime import timedelta

import pytest

from screening import clock
from screening.db import connect
from screening.references import format_reference
from screening.staff import queue

from .answers import URGENT, likely
from .conftest import post_form
from .test_staff import references_in

P = pytest.param


def search(client, term, **filters):
    """Search as the form does; returns the queue page it leads to."""
    response = post_form(client, "/staff/", "/staff/search", {"q": term, "action": "search", **filters})
    assert response.status_code == 303
    return response.headers["Location"], client.get(response.headers["Location"]).get_data(as_text=True)


# Search


@pytest.mark.parametrize(
    "term",
    [
        P("Urgentman, Walter", id="surname-first-with-comma"),
        P("Walter Urgentman", id="given-name-first"),
        P("urgentman walt", id="lowercase-and-a-prefix"),
        P("Wálter Úrgentman", id="accents-ignored"),
        P("(202) 555-0104", id="phone-national"),
        P("202.555.0104", id="phone-dots"),
        P("+1 202 555 0104", id="phone-international"),
        P("12025550104", id="phone-digits"),
        P("555-0104", id="phone-local-part"),
        P("walter@mail.example", id="email"),
        P("{ref_spaced}", id="reference-with-a-space"),
        P("{ref_lower}", id="reference-lowercase"),
        P("{ref_lookalike}", id="reference-crockford-look-alikes"),
    ],
)
def test_search_finds_the_request_however_it_is_typed(auth, client, make_request, monkeypatch, term):
    from screening.patient import submissions

    monkeypatch.setattr(submissions, "new_reference", lambda: "YZP0Y1H5")
    wanted = make_request(name="Walter Urgentman", phone="+12025550104", email="walter@mail.example")
    monkeypatch.undo()
    make_request(name="Walter Other", phone="+12025550999", email="other@mail.example")
    make_request(name="Nina Urgent", phone="+13034440104")  # the same last four digits, another number
    term = term.format(ref_spaced="YZP0 Y1H5", ref_lower="yzp0-y1h5", ref_lookalike="YZPO-YIH5")
    auth.login()
    location, html = search(client, term)
    assert references_in(html) == [wanted["reference"]]
    assert "Walter" not in location and "0104" not in location  # only the search's random id


def test_a_local_part_of_a_number_can_match_several(auth, client, make_request):
    first = make_request(phone="+12025550104")
    second = make_request(phone="+13035550104")
    make_request(phone="+12025550999")
    auth.login()
    _, html = search(client, "0104")
    assert set(references_in(html)) == {first["reference"], second["reference"]}


def test_search_uses_the_index_and_never_scans_the_requests(app, make_request):
    for n in range(30):
        make_request(name=f"Person {n}")
    db = connect(app.config["DATABASE"])
    db.execute("ANALYZE")
    for text in ("Urgentman, Walter", "(202) 555-0104", "walt"):
        filters = queue.Filters(search=text)
        page_sql, page_values = filters.query(queue.QUEUE_COLUMNS, queue.QUEUE_JOINS, queue.QUEUE_ORDER + " LIMIT 50")
        for sql, params in (
            (page_sql, [*page_values, clock.iso(clock.now())]),
            filters.query("count(*)", ""),
        ):
            plan = " | ".join(row["detail"] for row in db.query("EXPLAIN QUERY PLAN " + sql, params))
            assert "requests_search VIRTUAL TABLE" in plan, plan
            assert not re.search(r"\bSCAN (r|requests)\b(?! USING INTEGER)", plan), plan


def test_the_duplicate_check_looks_up_by_index_and_never_reads_every_request(app, make_request):
    rows = [make_request(name=f"Person {n}") for n in range(30)]
    db = connect(app.config["DATABASE"])
    db.execute("ANALYZE")
    executed = []
    db.conn.set_trace_callback(executed.append)
    queue.duplicates(db, [queue.get_request(db, row["reference"]) for row in rows[:5]])
    db.conn.set_trace_callback(None)
    (sql,) = [text for text in executed if "JOIN requests d" in text]
    plan = " | ".join(row["detail"] for row in db.query("EXPLAIN QUERY PLAN " + sql))
    assert "requests_phone" in plan and "requests_date_of_birth" in plan, plan
    assert not re.search(r"\bSCAN (d|r)\b", plan), plan


@pytest.mark.parametrize("term", ['"', "@", "*", "a OR b NOT c", "NEAR(a b)", "^x", "-1", "' OR 1=1 --", "_", "qq@"])
def test_search_syntax_in_the_text_is_just_text(auth, client, make_request, term):
    make_request(name="Zelda Quartz")
    auth.login()
    location, html = search(client, term)
    assert "Zelda Quartz" not in html


def test_the_search_index_follows_a_corrected_phone_or_name(app, auth, client, make_request):
    row = make_request(name="Pat Before", phone="+12025550104")
    db = connect(app.config["DATABASE"])
    db.execute("UPDATE requests SET full_name = 'Pat After', phone = '+12025550777' WHERE id = ?", [row["id"]])
    auth.login()
    assert references_in(search(client, "Pat After")[1]) == [row["reference"]]
    assert references_in(search(client, "555 0777")[1]) == [row["reference"]]
    assert references_in(search(client, "Before")[1]) == []


def test_leaving_the_queue_ends_the_search_and_tabs_count_the_matches(auth, client, make_request):
    wanted = make_request(name="Zelda Quartz")
    for _ in range(3):
        make_request()
    auth.login()
    location, html = search(client, "Quartz")
    assert re.search(r'Open <span class="count">1</span>', html)  # not "Open 4" above one match
    assert "matching “Quartz”" in html
    # The status tabs keep the search; the request page's way back does not.
    tabs = re.findall(r'<a href="(/staff/\?[^"]*)"', html.split('class="status-tabs"')[1].split("</nav>")[0])
    assert all("search_id=" in href for href in tabs)
    request_page = client.get(f"/staff/requests/{wanted['reference']}").get_data(as_text=True)
    assert 'href="/staff/">Back to requests' in request_page
    assert len(references_in(client.get("/staff/").get_data(as_text=True))) == 4


def test_searching_keeps_every_filter_from_the_one_list(auth, client, make_request):
    make_request(name="Zelda Quartz")
    auth.login("physician")
    location, _ = search(client, "Quartz", review="pending", location="Main office", mine="1", status="all")
    for name, value in (("review", "pending"), ("location", "Main+office"), ("mine", "1"), ("status", "all")):
        assert f"{name}={value}" in location, name
    html = client.get(location).get_data(as_text=True)
    # The search form on that page carries the same filters on to the next search
    form = html.split('action="/staff/search"')[1].split("</form>")[0]
    for name in ("review", "location", "mine", "status"):
        assert f'name="{name}"' in form, name


# Columns


@pytest.mark.parametrize(
    "stored, shown",
    [("es", "Spanish"), ("Spanish", "Spanish"), ("Tagalog", "Tagalog"), ("en", None), ("English", None)],
)
def test_the_language_to_call_in_is_named_and_english_needs_no_note(auth, client, make_request, stored, shown):
    """The request form stores "en" or "es" (or what the patient typed): staff read a language's name."""
    row = make_request(name="Lena Lingua", language=stored)
    auth.login()
    for url in ("/staff/", f"/staff/requests/{row['reference']}"):
        html = client.get(url).get_data(as_text=True)
        needs = re.findall(r'<span class="language-need">([^<·]*)', html)
        assert {need.strip() for need in needs} == ({shown} if shown else set()), (url, needs)


def test_queue_columns_name_phone_call_by_language_flags_and_title(auth, app, client, make_request):
    flagged = make_request(
        likely(allergies=["contrast"], infection="yes", pregnant="not_sure"),
        name="Flora Flags",
        phone="+12025550143",
        language="Spanish",
        interpreter=1,
    )
    make_request(URGENT, name="Ursula Urgent")
    auth.login()
    html = client.get("/staff/").get_data(as_text=True)
    row = re.search(
        r'<tr[^>]*>\s*<td><a href="/staff/requests/' + flagged["reference"] + r'">Flora Flags</a>'
        r".*?</tr>",
        html,
        re.S,
    ).group(0)
    assert "(202) 555-0143" in row
    assert "Spanish · <strong>interpreter</strong>" in row
    with app.app_context():
        from screening.formatting import staff_time

        assert staff_time(flagged["due_at"]) in row  # the call-by time itself, in clinic time
    assert "Check 3 flags" in row  # allergy, infection and pregnancy all count
    urgent_row = html.split("Ursula Urgent")[1].split("</tr>")[0]
    flags = re.findall(r'<span class="flag-(urgent|review|contraindication|precaution)">', urgent_row)
    assert flags and flags[0] == "urgent"  # the most serious first
    assert "<title>(1 urgent) Consultation requests" in html


def test_the_name_opens_the_intake_for_physicians_and_the_request_page_for_the_front_desk(auth, client, make_request):
    row = make_request(name="Zelda Quartz")
    auth.login("physician")
    assert f'href="/staff/requests/{row["reference"]}/intake">Zelda Quartz</a>' in client.get("/staff/").get_data(
        as_text=True
    )
    auth.logout()
    auth.login()
    assert f'href="/staff/requests/{row["reference"]}">Zelda Quartz</a>' in client.get("/staff/").get_data(as_text=True)


def test_intake_and_its_printout_show_date_of_birth_phone_and_language(auth, client, make_request):
    row = make_request(date_of_birth="1961-07-04", phone="+12025550143", language="Spanish", interpreter=1)
    auth.login("physician")
    html = client.get(f"/staff/requests/{row['reference']}/intake").get_data(as_text=True)
    header = html.split('class="intake-header"')[1].split("</header>")[0]
    assert "1961-07-04" in header and "(202) 555-0143" in header and "Spanish" in header
    assert "no-print" not in header.split("intake-summary")[1].split("</dl>")[0]


# Possible duplicates


def test_possible_duplicates_are_marked_and_linked(auth, app, client, make_request):
    first = make_request(name="Ann Twice", phone="+12025550101", date_of_birth="1970-01-01")
    same_phone = make_request(name="Ann T.", phone="+12025550101")
    same_person = make_request(name="ann twice ", phone="+12025550102", date_of_birth="1970-01-01")
    stranger = make_request(name="Ann Twice", phone="+12025550103", date_of_birth="1980-01-01")
    old = make_request(name="Bo Old", phone="+12025550104")
    later = make_request(name="Bo Later", phone="+12025550104")
    db = connect(app.config["DATABASE"])
    db.execute(
        "UPDATE requests SET created_at = ? WHERE id = ?", [clock.iso(clock.now() - timedelta(days=40)), old["id"]]
    )
    auth.login()
    html = client.get("/staff/?status=all").get_data(as_text=True)

    def marked(row):
        cell = html.split(f'<td><a href="/staff/requests/{row["reference"]}">')[1].split("</td>")[0]
        return re.findall(r'href="/staff/requests/([0-9A-Z]{8})">[0-9A-Z]{4}-', cell)

    assert set(marked(first)) == {same_phone["reference"], same_person["reference"]}
    assert marked(same_phone) == [first["reference"]] and marked(same_person) == [first["reference"]]
    assert marked(stranger) == [] and marked(later) == []  # another birth date; 40 days apart
    page = client.get(f"/staff/requests/{same_phone['reference']}").get_data(as_text=True)
    assert (
        f'Possible duplicate of <a href="/staff/requests/{first["reference"]}">'
        f"{format_reference(first['reference'])}</a>" in page
    )


# Assignment


def test_assign_to_me_and_the_mine_filter(auth, app, client, make_request):
    mine, other = make_request(name="Mine Patient"), make_request(name="Other Patient")
    auth.login()
    response = post_form(
        client, "/staff/", f"/staff/requests/{mine['reference']}/assign", {"back": "queue", "status": "all"}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/staff/?status=all"
    html = client.get("/staff/?mine=1").get_data(as_text=True)
    assert references_in(html) == [mine["reference"]] and "assigned to you" in html
    everyone = client.get("/staff/").get_data(as_text=True)
    assert set(references_in(everyone)) == {mine["reference"], other["reference"]}
    # A colleague sees who has it
    auth.logout()
    auth.login("physician")
    assert "Test front_desk" in client.get("/staff/").get_data(as_text=True)
    assert references_in(client.get("/staff/?mine=1").get_data(as_text=True)) == []
    auth.logout()
    auth.login()
    page = f"/staff/requests/{mine['reference']}"
    post_form(client, page, page + "/assign", {})  # "Give back"
    assert connect(app.config["DATABASE"])["requests"].get(mine["id"])["assigned_to"] is None


# Live arrivals


def test_the_live_endpoint_gives_counts_and_a_version_only(auth, client, make_request):
    make_request(name="Zelda Quartz")
    auth.login()
    first = client.get("/staff/queue/live.json")
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    state = first.get_json()
    assert set(state) == {"version", "new", "urgent_new"} and state["new"] == 1 and state["urgent_new"] == 0
    assert "Zelda" not in first.get_data(as_text=True)
    make_request(URGENT)
    second = client.get("/staff/queue/live.json").get_json()
    assert second["version"] != state["version"] and second["urgent_new"] == 1
    html = client.get("/staff/").get_data(as_text=True)
    assert f'data-version="{second["version"]}"' in html and "queue-live.js" in html
    assert re.search(r'Updated <time datetime="[^"]+" data-updated>', html) and ">Refresh</a>" in html


def test_polling_does_not_keep_an_unattended_queue_signed_in(auth, app, client, make_request, monkeypatch):
    make_request()
    auth.login()
    client.get("/staff/")
    start = clock.now()
    for minutes in (5, 10, 14):
        monkeypatch.setattr(clock, "now", lambda m=minutes: start + timedelta(minutes=m))
        assert client.get("/staff/queue/live.json").status_code == 200
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(minutes=16))
    response = client.get("/staff/queue/live.json")
    assert response.status_code == 302 and response.headers["Location"].startswith("/staff/login")
    login = client.get("/staff/login").get_data(as_text=True)
    assert "signed out after a period of inactivity" in login


def test_the_poll_script_is_static_and_allowed_by_the_content_security_policy(auth, client):
    auth.login()
    response = client.get("/staff/")
    html = response.get_data(as_text=True)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script
    assert client.get("/static/js/queue-live.js").status_code == 200


# Exports


@pytest.mark.parametrize(
    "url, message",
    [
        P("/staff/screenings.csv?from=garbage", "“from”: Enter a date as year-month-day", id="screenings-from"),
        P("/staff/screenings.csv?to=2026-13-45", "“to”: Enter a date as year-month-day", id="screenings-to"),
        P(
            "/staff/screenings.csv?from=2026-05-01&to=2026-04-01",
            "on or after the start date",
            id="screenings-reversed",
        ),
        P("/staff/export.csv?status=garbage", "“status” must be one of", id="queue-status"),
        P("/staff/export.csv?flag=nonsense", "“flag” must be one of", id="queue-flag"),
    ],
)
def test_exports_refuse_bad_filters_with_a_message(auth, client, url, message):
    auth.login("physician")
    response = client.get(url)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_exports_with_good_dates_still_work(auth, client, make_request):
    make_request()
    auth.login("physician")
    assert client.get("/staff/screenings.csv?from=2020-01-01&to=2099-12-31").status_code == 200
    assert client.get("/staff/export.csv?status=all").status_code == 200


def test_the_live_json_is_staff_only(client, make_request, staff, auth):
    assert client.get("/staff/queue/live.json").status_code == 302
    auth.login("admin")
    assert client.get("/staff/queue/live.json").status_code == 403


def test_requests_stored_before_the_search_index_are_found_after_the_upgrade(tmp_path):
    from screening.db import connect as open_db
    from screening.migrations import migrations

    db = open_db(tmp_path / "old.db")
    migrations.apply(db, stop_before="m012_call_outcomes_assignment_corrections")
    db.execute(
        "INSERT INTO screenings (submission_key, created_at, updated_at, questionnaire_version,"
        " rules_version, answers, outcome, flags, criteria) VALUES ('k', 'x', 'x', '2.0.0', '2.0.0',"
        " '{}', 'likely', '[]', '{}')"
    )
    db.execute(
        "INSERT INTO requests (reference, screening_id, full_name, phone, date_of_birth, preferred_contact,"
        " best_time, location, patient_status, urgent, created_at, due_at) VALUES ('ABCD1234', 1,"
        " 'Olga Older', '+12025550188', '1950-01-01', 'phone', 'morning', 'Main office', 'new', 0,"
        " '2026-01-01T00:00:00+00:00', '2026-01-02T00:00:00+00:00')"
    )
    migrations.apply(db)
    for text in ("older olga", "202-555-0188"):
        source, values = queue.Filters(status="all", search=text).source()
        assert [r["id"] for r in db.query(f"SELECT r.id {source}", values)] == [1], text
    db.close()


def _status_counts(db) -> tuple[dict, dict]:
    kept = {r["status"]: r["n"] for r in db.query("SELECT status, n FROM request_status_counts") if r["n"]}
    real = {r["status"]: r["n"] for r in db.query("SELECT status, count(*) AS n FROM requests GROUP BY status")}
    return kept, real


def test_the_counts_per_status_follow_every_change(app, make_request, staff):
    """The tabs read counts kept by triggers (no scan of the requests): they stay equal to a real count as
    requests arrive, change status, are corrected and are removed."""
    rows = [make_request() for _ in range(4)] + [make_request(status="scheduled")]
    db = connect(app.config["DATABASE"])
    assert _status_counts(db)[0] == {"new": 4, "scheduled": 1}
    queue.change_status(db, rows[0], staff["front_desk"].id, "contacted")
    queue.change_status(db, rows[1], staff["front_desk"].id, "closed")
    db.execute("UPDATE requests SET full_name = 'Corrected' WHERE id = ?", [rows[2]["id"]])  # not a status change
    db.execute("UPDATE requests SET status = status WHERE id = ?", [rows[3]["id"]])
    kept, real = _status_counts(db)
    assert kept == real == {"new": 2, "contacted": 1, "closed": 1, "scheduled": 1}
    db.execute("DELETE FROM request_events WHERE request_id = ?", [rows[4]["id"]])
    db.execute("DELETE FROM requests WHERE id = ?", [rows[4]["id"]])
    kept, real = _status_counts(db)
    assert kept == real and "scheduled" not in kept


def test_the_counts_per_status_start_from_the_requests_already_stored(app, make_request):
    """A clinic upgrading its database gets counts of the requests it already has."""
    from screening.db import init_db

    for status in ("new", "new", "contacted"):
        make_request(status=status)
    db = connect(app.config["DATABASE"])
    db.executescript(
        """DROP TABLE request_status_counts; DROP TRIGGER request_status_counts_insert;
           DROP TRIGGER request_status_counts_update; DROP TRIGGER request_status_counts_delete;
           DELETE FROM _sqlite_migrations WHERE name = 'm025_request_status_counts';"""
    )
    assert init_db(app.config["DATABASE"]) == ["m025_request_status_counts"]
    kept, real = _status_counts(db)
    assert kept == real == {"new": 2, "contacted": 1}


def test_tabs_and_totals_match_the_requests_shown(auth, client, make_request):
    for status in ("new", "new", "contacted", "closed"):
        make_request(status=status)
    auth.login("front_desk")
    html = client.get("/staff/").get_data(as_text=True)
    assert len(references_in(html)) == 3  # open: new and contacted
    assert re.search(r"\b3 requests?\b", html), "the open list's total"
    html = client.get("/staff/?status=all").get_data(as_text=True)
    assert len(references_in(html)) == 4 and re.search(r"\b4 requests\b", html)


def test_the_location_filter_lists_each_location_once_by_index(app, make_request):
    for location in ("North clinic", "Main office", "North clinic", "Annex"):
        make_request(location=location)
    db = connect(app.config["DATABASE"])
    assert queue.locations(db) == ["Annex", "Main office", "North clinic"]
    plan = [row["detail"] for row in db.query("EXPLAIN QUERY PLAN " + queue.LOCATIONS_SQL)]
    assert not any(step.startswith("SCAN requests") for step in plan), plan  # never the whole index
