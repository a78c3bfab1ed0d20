"""Account administration and the audit trail page."""

import json
import re

import pytest

from screening.auth import users as accounts
from screening.db import connect

from .conftest import PASSWORDS, AuthActions, audit_rows, csrf_token, post_form

P = pytest.param


NEW_USER = {
    "username": "nina",
    "display_name": "Dr Nina Ortiz",
    "role": "physician",
    "password": "calm-orchid-saddle-31",
    "confirm": "calm-orchid-saddle-31",
}


def test_admin_creates_an_account_that_can_sign_in(auth, app, client):
    auth.login("admin")
    response = post_form(client, "/admin/users/new", "/admin/users/new", NEW_USER)
    assert response.headers["Location"] == "/admin/users"
    assert "nina" in client.get("/admin/users").get_data(as_text=True)
    assert AuthActions(app.test_client()).login(username="nina", password=NEW_USER["password"]).status_code == 303
    row = next(connect(app.config["DATABASE"]).query("SELECT * FROM audit_log WHERE action = 'user_created'"))
    assert row["user_id"] == 3 and row["object_id"] == "4"  # ada created account 4


@pytest.mark.parametrize(
    "changes, message",
    [
        P({"password": "short", "confirm": "short"}, "at least 12", id="short-password"),
        P({"password": "passwordpassword", "confirm": "passwordpassword"}, "too common", id="common-password"),
        P({"confirm": "something-else-entirely"}, "do not match", id="mismatch"),
        P({"username": "frida"}, "That username is taken", id="taken"),
        P({"username": "no spaces"}, "Use letters, digits", id="bad-username"),
        P({"role": "superuser"}, "Choose one of the answers shown", id="bad-role"),
    ],
)
def test_create_account_validation(auth, app, client, changes, message):
    auth.login("admin")
    response = post_form(client, "/admin/users/new", "/admin/users/new", {**NEW_USER, **changes})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and message in html
    assert NEW_USER["password"] not in html  # passwords are never echoed back
    assert connect(app.config["DATABASE"])["users"].count == 3


def test_admin_deactivates_and_resets_password(auth, app, client, staff):
    auth.login("admin")
    frida = staff["front_desk"]
    post_form(client, "/admin/users", f"/admin/users/{frida.id}/deactivate", {})
    assert AuthActions(app.test_client()).login().status_code == 200  # refused
    doctor = staff["physician"]
    response = post_form(
        client,
        f"/admin/users/{doctor.id}/password",
        f"/admin/users/{doctor.id}/password",
        {"password": "new-harbor-lantern-12", "confirm": "new-harbor-lantern-12"},
    )
    assert response.headers["Location"] == "/admin/users"
    assert AuthActions(app.test_client()).login("physician", password="new-harbor-lantern-12").status_code == 303
    actions = [r["action"] for r in connect(app.config["DATABASE"]).query("SELECT action FROM audit_log")]
    assert "user_deactivated" in actions and "password_reset" in actions


def test_admin_cannot_deactivate_themselves(auth, app, client, staff):
    auth.login("admin")
    post_form(client, "/admin/users", f"/admin/users/{staff['admin'].id}/deactivate", {})
    assert accounts.by_id(connect(app.config["DATABASE"]), staff["admin"].id).active == 1


@pytest.mark.parametrize(
    "query, expected",
    [
        P("", {"login_ok", "view_queue", "login_failed"}, id="all"),
        P("action=login_failed", {"login_failed"}, id="by-action"),
        P("user=1", {"login_ok", "view_queue", "login_failed"}, id="by-user"),  # frida's own failed try
        P("user=2", set(), id="other-user"),
        P("record=frida", {"login_ok", "login_failed"}, id="by-username"),
        P("from=2000-01-01&to=2000-01-02", set(), id="by-date-none"),
    ],
)
def test_audit_page_filters(auth, app, client, staff, query, expected):
    AuthActions(other := app.test_client()).login()
    other.get("/staff/")
    AuthActions(app.test_client()).login(password="wrong-wrong-wrong")
    auth.login("admin")
    html = client.get(f"/admin/audit?{query}").get_data(as_text=True)
    shown = {
        a for a in ("login_ok", "view_queue", "login_failed") if f"<td>{a.replace('_', ' ').capitalize()}</td>" in html
    }
    assert shown == expected


@pytest.mark.parametrize(
    "query, field, message",
    [
        P("from=not-a-date", "from", "Enter a date as year-month-day", id="garbage"),
        P("to=2026-02-30", "to", "Enter a date as year-month-day", id="no-such-day"),
        P("from=2026-11-27&to=2026-11-01", "to", "on or after the start date", id="backwards"),
    ],
)
def test_a_bad_date_is_a_400_with_a_message_never_everything(auth, client, query, field, message):
    auth.login("admin")
    response = client.get(f"/admin/audit?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(rf'id="{field}-error".*{message}', html) and f'href="#{field}"' in html
    assert "<td>Login ok</td>" not in html  # no entries shown: not a silent "no filter"
    assert client.get(f"/admin/audit.csv?{query}").status_code == 400


def test_audit_page_filters_by_record_and_shows_the_reference_with_its_dash(auth, app, client, make_request):
    row = make_request()
    AuthActions(frontdesk := app.test_client()).login()
    frontdesk.get(f"/staff/requests/{row['reference']}")
    auth.login("admin")
    formatted = f"{row['reference'][:4]}-{row['reference'][4:]}"
    for typed in (formatted, row["reference"].lower(), f"{row['reference'][:4]} {row['reference'][4:]}"):
        html = client.get("/admin/audit", query_string={"record": typed}).get_data(as_text=True)
        assert f"<td>Request {formatted}</td>" in html and "<td>View request</td>" in html
        assert "<td>Login ok</td>" not in html


def test_audit_times_are_clinic_time_and_dates_are_clinic_days(auth, app, client, staff, monkeypatch):
    from datetime import UTC, datetime

    from screening import clock

    late_evening = datetime(2026, 11, 27, 3, 30, 5, tzinfo=UTC)  # 10:30 p.m. on the 26th in New York
    monkeypatch.setattr(clock, "now", lambda: late_evening)
    auth.login("admin")
    html = client.get("/admin/audit?action=login_ok").get_data(as_text=True)
    assert "Nov 26, 2026, 10:30:05 p.m. EST" in html and "America/New_York" in html
    assert "2026-11-27T03:30:05+00:00</time>" not in html  # the raw UTC text is only in the datetime attribute
    assert "<td>Login ok</td>" in client.get("/admin/audit?action=login_ok&from=2026-11-26&to=2026-11-26").get_data(
        as_text=True
    )
    assert "<td>Login ok</td>" not in client.get("/admin/audit?action=login_ok&from=2026-11-27").get_data(as_text=True)


def test_audit_details_are_labelled_words_not_json(auth, app, client, staff):
    auth.login("admin")
    html = client.get("/admin/audit?action=login_ok").get_data(as_text=True)
    assert "<li><strong>Known device:</strong> no</li>" in html
    assert "{&#34;" not in html and '{"' not in html and "known_device" not in html


def test_audit_page_is_paginated(auth, app, client, staff, monkeypatch):
    from screening.admin import routes

    monkeypatch.setattr(routes, "AUDIT_PAGE", 2)
    auth.login("admin")
    for _ in range(3):
        client.get("/admin/audit")  # each view is an entry
    first = client.get("/admin/audit").get_data(as_text=True)  # 4 entries: the sign-in and 3 views
    assert first.count("<tr><td><time") == 2 and "Older entries" in first and "Newer entries" not in first
    second = client.get("/admin/audit?page=2").get_data(as_text=True)
    assert "Newer entries" in second and "Page 2" in second


def test_audit_csv_export_is_filtered_readable_and_itself_audited(auth, app, client, make_request):
    import csv
    import io

    row = make_request()
    AuthActions(frontdesk := app.test_client()).login()
    frontdesk.get(f"/staff/requests/{row['reference']}")
    auth.login("admin")
    response = client.get(f"/admin/audit.csv?record={row['reference']}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert table[0][:5] == ["When (clinic time)", "When (UTC)", "Who", "Role", "Action"]
    assert [(r[2], r[4], r[5]) for r in table[1:]] == [
        ("frida", "View request", f"Request {row['reference'][:4]}-{row['reference'][4:]}")
    ]
    [export] = audit_rows(app, "export_audit")
    assert export["user_id"] == 3 and json.loads(export["detail"]) == {"filters": {"record": row["reference"]}}
    # Free text typed into the record box is not copied into the trail (it could be a patient's name).
    client.get("/admin/audit.csv?record=Pat+Example")
    assert json.loads(audit_rows(app, "export_audit")[-1]["detail"]) == {"filters": {"record": "(other text)"}}


# Account actions: each audited, each refusing to leave the clinic without an active administrator


def signed_in_as(app, role):
    """Another browser, signed in: shows whether a change ended that user's sessions."""
    other = app.test_client()
    assert AuthActions(other).login(role).status_code == 303
    return other


def still_signed_in(client, url="/staff/"):
    return client.get(url).status_code == 200


def edit(client, user_id, **changes):
    page = f"/admin/users/{user_id}/edit"
    form = csrf_token(client.get(page).get_data(as_text=True))
    user = accounts.by_id(connect(client.application.config["DATABASE"]), user_id)
    data = {"username": user.username, "display_name": user.display_name, "role": user.role, **changes}
    return client.post(page, data={"csrf_token": form, **data})


def test_admin_reactivates_an_account(auth, app, client, staff):
    frida = staff["front_desk"]
    auth.login("admin")
    post_form(client, "/admin/users", f"/admin/users/{frida.id}/deactivate", {})
    assert "Reactivate" in client.get("/admin/users").get_data(as_text=True)
    response = post_form(client, "/admin/users", f"/admin/users/{frida.id}/reactivate", {})
    assert response.status_code == 303
    page = client.get("/admin/users").get_data(as_text=True)
    assert "“frida” can sign in again." in page and "sessions have ended" not in page
    assert AuthActions(app.test_client()).login().status_code == 303  # signs in again
    [row] = audit_rows(app, "user_reactivated")
    assert row["object_id"] == str(frida.id) and row["user_id"] == staff["admin"].id


def test_a_role_change_ends_the_users_sessions_and_is_audited(auth, app, client, staff):
    frida = staff["front_desk"]
    her_browser = signed_in_as(app, "front_desk")
    auth.login("admin")
    response = edit(client, frida.id, role="physician")
    assert response.headers["Location"] == "/admin/users"
    assert accounts.by_id(connect(app.config["DATABASE"]), frida.id).role == "physician"
    assert not still_signed_in(her_browser)  # her old cookie carries the old role: it no longer works
    [row] = audit_rows(app, "role_changed")
    assert row["object_id"] == str(frida.id)
    assert json.loads(row["detail"]) == {
        "username": "frida",
        "change": "role",
        "before": "front_desk",
        "after": "physician",
    }
    html = client.get("/admin/audit?action=role_changed").get_data(as_text=True)
    assert "<li><strong>Before:</strong> Front desk</li><li><strong>After:</strong> Physician</li>" in html


def test_a_new_display_name_keeps_sessions_but_a_new_username_ends_them(auth, app, client, staff):
    frida = staff["front_desk"]
    her_browser = signed_in_as(app, "front_desk")
    auth.login("admin")
    edit(client, frida.id, display_name="Frida Kahlo")
    assert still_signed_in(her_browser)
    assert "Frida Kahlo" in her_browser.get("/staff/").get_data(as_text=True)
    edit(client, frida.id, username="frida.k")
    assert not still_signed_in(her_browser)
    assert AuthActions(app.test_client()).login(username="frida").status_code == 200  # the old name is gone
    assert AuthActions(app.test_client()).login(username="frida.k", password=PASSWORDS["front_desk"]).status_code == 303
    changes = [json.loads(r["detail"])["change"] for r in audit_rows(app, "user_renamed")]
    assert changes == ["display_name", "username"]


def test_a_rename_to_a_taken_username_is_refused_next_to_the_field(auth, app, client, staff):
    auth.login("admin")
    response = edit(client, staff["front_desk"].id, username="DR_PATEL")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="username-error"' in html and "That username is taken" in html
    assert accounts.by_id(connect(app.config["DATABASE"]), staff["front_desk"].id).username == "frida"


def test_admin_unlocks_an_account_slowed_by_failed_sign_ins(auth, app, client, staff):
    outsider = app.test_client()
    outsider.environ_base["REMOTE_ADDR"] = "203.0.113.5"
    for _ in range(6):
        AuthActions(outsider).login(password="wrong-wrong-wrong")
    auth.login("admin")
    page = client.get("/admin/users").get_data(as_text=True)
    assert re.search(r'Unlock<span class="visually-hidden"> frida</span> \(5 failed sign-ins\)', page)
    assert page.count(">Unlock<") == 1  # only the account with failures
    response = post_form(client, "/admin/users", f"/admin/users/{staff['front_desk'].id}/unlock", {})
    assert response.status_code == 303
    keys = [r["key"] for r in connect(app.config["DATABASE"]).query("SELECT key FROM sign_in_throttle")]
    assert "account:frida" not in keys
    [row] = audit_rows(app, "sign_in_cleared")
    assert row["object_id"] == str(staff["front_desk"].id) and json.loads(row["detail"])["cleared"] == 1


def test_admin_clears_an_offices_address(auth, app, client, staff):
    office = app.test_client()
    office.environ_base["REMOTE_ADDR"] = "198.51.100.40"
    for n in range(4):
        AuthActions(office).login(username=f"typo{n}", password="wrong-wrong-wrong")
    auth.login("admin")
    post_form(client, "/admin/users", "/admin/sign-in-failures/clear", {"address": "198.51.100.40"})
    keys = [r["key"] for r in connect(app.config["DATABASE"]).query("SELECT key FROM sign_in_throttle")]
    assert "address:198.51.100.40" not in keys
    [row] = audit_rows(app, "sign_in_cleared")
    assert row["object_type"] == "address" and row["object_id"] == "198.51.100.40"


def test_the_last_administrator_cannot_be_demoted_even_by_themselves(auth, app, client, staff):
    ada = staff["admin"]
    auth.login("admin")
    response = edit(client, ada.id, role="front_desk")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="role-error"' in html and "at least one active administrator" in html
    assert accounts.by_id(connect(app.config["DATABASE"]), ada.id).role == "admin"
    assert still_signed_in(client, "/admin/users")
    assert audit_rows(app, "role_changed") == []


def test_a_deactivated_administrator_does_not_count(auth, app, client, staff):
    db = connect(app.config["DATABASE"])
    db.execute("UPDATE users SET role = 'admin', active = 0 WHERE id = ?", [staff["physician"].id])
    db.conn.commit()
    auth.login("admin")
    edit(client, staff["admin"].id, role="physician")
    assert accounts.by_id(db, staff["admin"].id).role == "admin"
    # Reactivated, the other administrator counts: now ada may step down (and is signed out by it).
    post_form(client, "/admin/users", f"/admin/users/{staff['physician'].id}/reactivate", {})
    assert edit(client, staff["admin"].id, role="physician").headers["Location"] == "/admin/users"
    assert accounts.by_id(db, staff["admin"].id).role == "physician"
    assert not still_signed_in(client, "/admin/users")
    assert "Your own account changed: please sign in again." in client.get("/staff/login").get_data(as_text=True)


def test_the_last_administrator_cannot_be_deactivated_from_the_command_line(runner, app, staff):
    result = runner.invoke(args=["deactivate-user", "ada"])
    assert result.exit_code != 0 and "at least one active administrator" in result.output
    assert accounts.by_username(connect(app.config["DATABASE"]), "ada").active == 1


def test_account_changes_need_an_administrator_and_a_post(auth, app, client, staff):
    frida = staff["front_desk"]
    auth.login("front_desk")
    assert client.post(f"/admin/users/{frida.id}/unlock", data={"csrf_token": auth.token()}).status_code == 403
    client = app.test_client()
    AuthActions(client).login("admin")
    for action in ("reactivate", "unlock", "deactivate"):
        assert client.get(f"/admin/users/{frida.id}/{action}").status_code == 405
        assert client.post(f"/admin/users/{frida.id}/{action}").status_code == 400  # no CSRF token
    assert accounts.by_id(connect(app.config["DATABASE"]), frida.id).active == 1


@pytest.mark.parametrize("page", ["/admin/users/new", "/admin/users/{id}/password"])
def test_a_password_built_from_the_persons_own_name_is_refused_next_to_the_field(auth, app, client, page):
    auth.login("admin")
    db = connect(app.config["DATABASE"])
    nina = accounts.create(db, "nina.park", "Nina Park", "physician", "calm-orchid-saddle-31")
    url = page.format(id=nina.id)
    data = {"password": "ninapark2024!", "confirm": "ninapark2024!"}
    if page.endswith("new"):
        data.update(username="nina.park2", display_name="Nina Park", role="physician")
    response = post_form(client, url, url, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'id="password-error".*name or username', html)
    assert 'href="#password"' in html  # the error summary links to the field
