"""The front desk in Chromium: a patient's request reaches the queue and gets handled."""

from screening.db import connect

from ..answers import URGENT
from ..conftest import PASSWORDS
from .test_patient_browser import send_request_as_patient


def add_account(live_server, password_hashes, role, username):
    db = connect(live_server.app.config["DATABASE"])
    if not db["users"].count_where("username = ?", [username]):
        db["users"].insert(
            {
                "username": username,
                "display_name": f"Browser {role}",
                "role": role,
                "password_hash": password_hashes[role],
                "created_at": "2026-01-01T00:00:00+00:00",
            }
        )
    db.close()


def sign_in(page, live_server, username, password):
    page.goto(live_server.url + "/staff/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_front_desk_finds_a_new_request_logs_a_call_and_marks_it_contacted(
    context_factory, live_server, password_hashes, assert_accessible, artifacts
):
    reference = send_request_as_patient(context_factory, live_server, URGENT, "Casey Browser")

    add_account(live_server, password_hashes, "front_desk", "desk_browser")
    page = context_factory().new_page()
    page.goto(live_server.url + "/staff/")
    assert "/staff/login" in page.url  # signed out: sent to sign in
    assert_accessible(page)
    sign_in(page, live_server, "desk_browser", PASSWORDS["front_desk"])
    assert page.get_by_role("heading", name="Consultation requests").is_visible()
    assert_accessible(page)

    page.get_by_label("Search by name, phone, email or reference").fill(reference)
    page.get_by_role("button", name="Search", exact=True).click()
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 1 and "Casey Browser" in rows.first.inner_text()
    assert "Urgent" in rows.first.inner_text()
    assert reference not in page.url
    page.screenshot(path=str(artifacts / "queue.png"), full_page=True)

    page.get_by_role("link", name="Casey Browser").click()
    assert_accessible(page)
    call = page.locator("form.call-form")
    assert call.get_by_label("Phone call").is_checked()  # the usual way, chosen already
    call.get_by_label("Reached: booked").check()
    call.get_by_label("Note (optional)").fill("Went to the ER yesterday, feeling better.")
    call.get_by_role("button", name="Save call").click()
    assert "Call recorded: Reached: booked. Status: Scheduled." in page.inner_text("main")
    assert page.locator(".lead").inner_text().startswith("Scheduled")

    page.get_by_text("Correct the status").click()  # folded away: for corrections only
    status = page.locator("details.correction form")
    status.get_by_label("Contacted").check()
    status.get_by_role("button", name="Change status").click()
    assert page.locator(".lead").inner_text().startswith("Contacted")
    assert "Browser front_desk" in page.inner_text(".timeline")
    assert_accessible(page)
    page.screenshot(path=str(artifacts / "request.png"), full_page=True)

    page.get_by_role("button", name="Sign out").click()
    assert "/staff/login" in page.url


def test_admin_pages_are_accessible(context_factory, live_server, password_hashes, assert_accessible):
    add_account(live_server, password_hashes, "admin", "admin_browser")
    page = context_factory().new_page()
    sign_in(page, live_server, "admin_browser", PASSWORDS["admin"])
    for url in ("/admin/users", "/admin/users/new", "/admin/audit", "/admin/outbox"):
        page.goto(live_server.url + url)
        assert_accessible(page)
    page.goto(live_server.url + "/admin/users/new")
    page.get_by_role("button", name="Create account").click()  # errors shown
    assert page.locator(".error-summary").is_visible()
    assert_accessible(page)
