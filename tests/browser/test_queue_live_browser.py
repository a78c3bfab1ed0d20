"""The queue in Chromium: new requests appear without a reload, it fits a laptop screen, and it is accessible."""

from datetime import timedelta

import pytest

from screening.assessment import assess
from screening.db import connect, get_db
from screening.patient import drafts, submissions

from ..answers import LIKELY, URGENT, likely
from ..conftest import PASSWORDS, request_details
from .test_staff_browser import add_account, sign_in

_names = iter(range(1, 10_000))


def store_request(live_server, answers=LIKELY, name=None, **contact):
    """A request stored as the patient's form stores it (notifications aside); returns its reference."""
    n = next(_names)
    details = request_details(
        name or f"Queue Person {n}", f"+1404555{n:04d}", **{"date_of_birth": "1970-05-05", **contact}
    )
    with live_server.app.app_context():
        reference, _ = submissions.submit_request(
            get_db(), drafts.new_token(), assess(answers), details, lambda now: now + timedelta(hours=24)
        )
    return reference


@pytest.fixture
def desk_page(context_factory, live_server, password_hashes):
    add_account(live_server, password_hashes, "front_desk", "desk_live")

    def make(width=1280, height=800):
        page = context_factory(viewport={"width": width, "height": height}).new_page()
        sign_in(page, live_server, "desk_live", PASSWORDS["front_desk"])
        return page

    return make


@pytest.fixture
def quick_polling(live_server):
    config = live_server.app.config
    before = config["QUEUE_POLL_SECONDS"], config["STAFF_IDLE_MINUTES"]
    config["QUEUE_POLL_SECONDS"] = 1
    yield config
    config["QUEUE_POLL_SECONDS"], config["STAFF_IDLE_MINUTES"] = before


def test_a_new_request_appears_in_an_open_queue_without_a_reload(desk_page, live_server, quick_polling):
    store_request(live_server)
    page = desk_page()
    assert page.get_by_role("heading", name="Consultation requests").is_visible()
    page.evaluate("window.__sameDocument = true")
    reference = store_request(live_server, URGENT, name="Lively Newcomer")

    page.locator("table.queue-list").get_by_role("link", name="Lively Newcomer").wait_for(timeout=15_000)
    assert page.evaluate("window.__sameDocument === true")  # updated in place, not reloaded
    assert reference  # stored as any request is
    page.wait_for_function("document.title.indexOf('urgent)') > 0", timeout=5_000)
    assert "new request" in page.locator("[data-live-message]").inner_text()


def test_an_unattended_queue_that_times_out_says_so(desk_page, live_server, quick_polling):
    page = desk_page()
    quick_polling["STAFF_IDLE_MINUTES"] = 0  # the next poll finds the session over
    alert = page.locator("#signed-out")
    alert.wait_for(timeout=15_000)
    assert "You were signed out" in alert.inner_text() and "no longer updated" in alert.inner_text()
    assert page.title().startswith("Signed out")
    quick_polling["STAFF_IDLE_MINUTES"] = 15
    alert.get_by_role("link", name="Sign in again").click()
    assert "signed out after a period of inactivity" in page.inner_text("main")


def test_fifteen_rows_fit_at_1280_by_800_and_wide_screens_are_used(desk_page, live_server):
    for n in range(20):
        store_request(
            live_server,
            likely(allergies=["contrast"]) if n % 3 == 0 else LIKELY,
            language="Spanish" if n % 4 == 0 else None,
            interpreter=1 if n % 4 == 0 else None,
        )
    page = desk_page(1280, 800)
    rows = page.locator("table.queue-list tbody tr")
    assert rows.count() >= 20
    visible = sum(
        1
        for box in (rows.nth(i).bounding_box() for i in range(rows.count()))
        if box and box["y"] + box["height"] <= 800
    )
    assert visible >= 15, visible
    wide = desk_page(1920, 1080)
    assert wide.locator("table.queue-list").bounding_box()["width"] > 1700


@pytest.mark.parametrize("width", [1280, 360])
def test_queue_request_and_intake_pages_are_accessible(
    context_factory, live_server, password_hashes, assert_accessible, width
):
    reference = store_request(
        live_server, likely(blood_thinners=["warfarin"]), name="Axe Checked", language="Spanish", interpreter=1
    )
    duplicate = store_request(live_server, name="Axe Checked", date_of_birth="1970-05-05")
    db = connect(live_server.app.config["DATABASE"])
    db.execute(
        "UPDATE requests SET phone = (SELECT phone FROM requests WHERE reference = ?) WHERE reference = ?",
        [reference, duplicate],
    )
    db.close()
    add_account(live_server, password_hashes, "front_desk", "desk_axe")
    add_account(live_server, password_hashes, "physician", "doc_axe")
    page = context_factory(viewport={"width": width, "height": 800}).new_page()
    sign_in(page, live_server, "desk_axe", PASSWORDS["front_desk"])
    assert_accessible(page)
    page.get_by_text("Filters", exact=True).click()
    assert_accessible(page)
    page.goto(f"{live_server.url}/staff/requests/{reference}")
    call = page.locator("form.call-form")
    call.get_by_label("Message sent").check()  # with "Phone call", chosen already: not possible
    call.get_by_role("button", name="Save call").click()
    assert "goes with a text message or an email" in page.inner_text(".error-summary")
    assert_accessible(page)
    page.locator("form.call-form").get_by_label("No answer").check()
    page.locator("form.call-form").get_by_role("button", name="Save call").click()
    page.get_by_text("Call recorded: No answer").wait_for()
    page.get_by_label("Note", exact=True).fill("Asked for Dr. Wrong")
    page.get_by_role("button", name="Add note").click()
    page.get_by_text("Note added.").wait_for()
    page.get_by_role("button", name="Mark entered in error").click()
    assert page.locator(".timeline del").inner_text() == "Asked for Dr. Wrong"
    page.get_by_text("Correct the status").click()
    assert_accessible(page)

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "doc_axe", PASSWORDS["physician"])
    page.goto(f"{live_server.url}/staff/requests/{reference}/intake")
    assert "1970-05-05" in page.inner_text(".intake-header")
    assert_accessible(page)
