"""Administrators and the promise dashboard in Chromium: account actions by keyboard, axe on every page."""

from screening.db import connect

from ..answers import LIKELY, URGENT
from ..conftest import PASSWORDS, request_details
from .test_staff_browser import add_account, sign_in


def store_requests(live_server, staff_username):
    """Two requests (one urgent, reached in time and booked) through the app's own functions."""
    from screening import promises
    from screening.assessment import assess
    from screening.db import get_db
    from screening.patient import drafts, submissions
    from screening.staff import queue

    app = live_server.app
    with app.app_context():
        db = get_db()
        user_id = next(db.query("SELECT id FROM users WHERE username = ?", [staff_username]))["id"]
        for n, answers in enumerate((LIKELY, URGENT)):
            assessment = assess(answers)
            urgent = assessment.outcome == "urgent"
            reference, _ = submissions.submit_request(
                db,
                drafts.new_token(),
                assessment,
                request_details(f"Dashboard Patient {n}", f"+120255501{n:02d}", date_of_birth="1970-01-01"),
                lambda now, urgent=urgent: promises.due_at(urgent, now),
            )
            if urgent:
                request = queue.get_request(db, reference)
                queue.record_call(db, request, user_id, "reached_call_back", "phone", None)
                queue.change_status(db, queue.get_request(db, reference), user_id, "scheduled")


def test_an_administrator_manages_accounts_by_keyboard_and_every_admin_page_passes_axe(
    context_factory, live_server, password_hashes, assert_accessible, artifacts
):
    add_account(live_server, password_hashes, "admin", "admin_browser")
    add_account(live_server, password_hashes, "front_desk", "desk_for_admin")
    page = context_factory().new_page()
    sign_in(page, live_server, "admin_browser", PASSWORDS["admin"])
    assert page.get_by_role("heading", name="Staff accounts").is_visible()
    assert_accessible(page)

    # Change a colleague's role and name from the keyboard.
    page.get_by_role("link", name="Change name or role of desk_for_admin").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/edit")
    assert page.get_by_role("heading", name="Change the account of desk_for_admin").is_visible()
    assert_accessible(page)
    page.get_by_label("Full name").fill("Dana Desk")
    page.get_by_label("Physician").check()
    page.get_by_role("button", name="Save changes").click()
    assert "Their sessions have ended." in page.inner_text("main")
    row = page.locator("tr", has_text="desk_for_admin")
    assert "Dana Desk" in row.inner_text() and "Physician" in row.inner_text()

    # Deactivate, then reactivate.
    row.get_by_role("button", name="Deactivate desk_for_admin").click()
    page.locator("tr", has_text="desk_for_admin").get_by_role("button", name="Reactivate desk_for_admin").click()
    assert "can sign in again" in page.inner_text("main")
    page.screenshot(path=str(artifacts / "accounts.png"), full_page=True)

    # A password with the person's own name: refused next to the field, the summary links to it.
    page.goto(live_server.url + "/admin/users/new")
    page.get_by_label("Username").fill("nina.park")
    page.get_by_label("Full name").fill("Nina Park")
    page.get_by_label("Front desk").check()
    page.get_by_label("Password", exact=True).fill("ninapark2024!")
    page.get_by_label("Password again").fill("ninapark2024!")
    page.get_by_role("button", name="Create account").click()
    assert "name or username" in page.inner_text("#password-error")
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert_accessible(page)

    # The audit trail, filtered, with a bad date, and the dashboard.
    page.goto(live_server.url + "/admin/audit?action=role_changed")
    assert "Role changed" in page.inner_text("table") and "Before: Front desk" in page.inner_text("table")
    page.screenshot(path=str(artifacts / "audit.png"), full_page=True)
    assert_accessible(page)
    page.goto(live_server.url + "/admin/audit?from=2026-13-01")
    assert "Enter a date as year-month-day" in page.inner_text("#from-error")
    assert_accessible(page)
    page.goto(live_server.url + "/admin/outbox")
    assert_accessible(page)


def test_the_dashboard_draws_its_charts_beside_their_tables_and_passes_axe(
    context_factory, live_server, password_hashes, assert_accessible, artifacts
):
    add_account(live_server, password_hashes, "front_desk", "desk_dashboard")
    store_requests(live_server, "desk_dashboard")
    page = context_factory(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(page, live_server, "desk_dashboard", PASSWORDS["front_desk"])
    page.get_by_role("link", name="Promise dashboard").click()
    assert page.get_by_role("heading", name="The 24-hour promise, measured").is_visible()
    charts = page.get_by_role("img")
    assert charts.count() == 3
    assert page.get_by_role("img", name="First contact within the promise, per week").is_visible()
    figure = page.locator(".dashboard-figure").first
    chart_box, table_box = figure.locator("svg").bounding_box(), figure.locator("table").bounding_box()
    assert table_box["x"] > chart_box["x"] + chart_box["width"] - 1  # beside, at 1280 px
    page.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)
    assert_accessible(page)

    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll on a phone
    assert_accessible(page)

    page.goto(live_server.url + "/staff/dashboard/?from=garbage")
    assert "Enter a date as year-month-day" in page.inner_text("#from-error")
    assert_accessible(page)
    db = connect(live_server.app.config["DATABASE"])
    assert db["requests"].count >= 2
