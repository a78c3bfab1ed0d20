"""Account administration and the audit trail page."""
import pytest

from screening.auth import users as accounts
from screening.db import connect

from .conftest import AuthActions, csrf_token

P = pytest.param


def post(client, page, action, data):
    return client.post(action, data={"csrf_token": csrf_token(client.get(page).get_data(as_text=True)), **data})


NEW_USER = {"username": "nina", "display_name": "Dr Nina Ortiz", "role": "physician",
            "password": "calm-orchid-saddle-31", "confirm": "calm-orchid-saddle-31"}


def test_admin_creates_an_account_that_can_sign_in(auth, app, client):
    auth.login("admin")
    response = post(client, "/admin/users/new", "/admin/users/new", NEW_USER)
    assert response.headers["Location"] == "/admin/users"
    assert "nina" in client.get("/admin/users").get_data(as_text=True)
    assert AuthActions(app.test_client()).login(username="nina", password=NEW_USER["password"]).status_code == 303
    row = next(connect(app.config["DATABASE"]).query("SELECT * FROM audit_log WHERE action = 'user_created'"))
    assert row["user_id"] == 3 and row["object_id"] == "4"  # ada created account 4


@pytest.mark.parametrize("changes, message", [
    P({"password": "short", "confirm": "short"}, "at least 12", id="short-password"),
    P({"password": "passwordpassword", "confirm": "passwordpassword"}, "too common", id="common-password"),
    P({"confirm": "something-else-entirely"}, "do not match", id="mismatch"),
    P({"username": "frida"}, "That username is taken", id="taken"),
    P({"username": "no spaces"}, "Use letters, digits", id="bad-username"),
    P({"role": "superuser"}, "Choose one of the answers shown", id="bad-role"),
])
def test_create_account_validation(auth, app, client, changes, message):
    auth.login("admin")
    response = post(client, "/admin/users/new", "/admin/users/new", {**NEW_USER, **changes})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and message in html
    assert NEW_USER["password"] not in html  # passwords are never echoed back
    assert connect(app.config["DATABASE"])["users"].count == 3


def test_admin_deactivates_and_resets_password(auth, app, client, staff):
    auth.login("admin")
    frida = staff["front_desk"]
    post(client, "/admin/users", f"/admin/users/{frida.id}/deactivate", {})
    assert AuthActions(app.test_client()).login().status_code == 200  # refused
    doctor = staff["physician"]
    response = post(client, f"/admin/users/{doctor.id}/password", f"/admin/users/{doctor.id}/password",
                    {"password": "new-harbor-lantern-12", "confirm": "new-harbor-lantern-12"})
    assert response.headers["Location"] == "/admin/users"
    assert AuthActions(app.test_client()).login("physician", password="new-harbor-lantern-12").status_code == 303
    actions = [r["action"] for r in connect(app.config["DATABASE"]).query("SELECT action FROM audit_log")]
    assert "user_deactivated" in actions and "password_reset" in actions


def test_admin_cannot_deactivate_themselves(auth, app, client, staff):
    auth.login("admin")
    post(client, "/admin/users", f"/admin/users/{staff['admin'].id}/deactivate", {})
    assert accounts.by_id(connect(app.config["DATABASE"]), staff["admin"].id).active == 1


@pytest.mark.parametrize("query, expected", [
    P("", {"login_ok", "view_queue", "login_failed"}, id="all"),
    P("action=login_failed", {"login_failed"}, id="by-action"),
    P("user=1", {"login_ok", "view_queue", "login_failed"}, id="by-user"),  # frida's own failed try
    P("user=2", set(), id="other-user"),
    P("from=2000-01-01&to=2000-01-02", set(), id="by-date-none"),
    P("from=not-a-date", {"login_ok", "view_queue", "login_failed"}, id="bad-date-ignored"),
])
def test_audit_page_filters(auth, app, client, staff, query, expected):
    AuthActions(other := app.test_client()).login()
    other.get("/staff/")
    AuthActions(app.test_client()).login(password="wrong-wrong-wrong")
    auth.login("admin")
    html = client.get(f"/admin/audit?{query}").get_data(as_text=True)
    shown = {a.replace(" ", "_") for a in ("login ok", "view queue", "login failed") if f"<td>{a}</td>" in html}
    assert shown == expected


def test_audit_page_filters_by_record(auth, app, client, make_request):
    row = make_request()
    AuthActions(frontdesk := app.test_client()).login()
    frontdesk.get(f"/staff/requests/{row['reference']}")
    auth.login("admin")
    html = client.get(f"/admin/audit?record={row['reference'][:4]}-{row['reference'][4:]}").get_data(as_text=True)
    assert f"request {row['reference']}" in html and "<td>view request</td>" in html
    assert "<td>login ok</td>" not in html
