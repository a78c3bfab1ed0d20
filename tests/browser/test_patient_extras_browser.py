"""In Chromium: no dead ends (Back from Change, no resubmission), finishing on another device, autosave."""

import email
import re
from email import policy
from pathlib import Path

import pytest

from screening.notify import run_once

from ..answers import LIKELY
from .test_patient_browser import answer_all, fill_request

pytestmark = pytest.mark.browser


def test_back_from_a_change_link_returns_to_the_summary(page, live_server):
    answer_all(page, live_server.url, LIKELY)
    page.get_by_text("Your answers", exact=True).click()  # unfold the answers
    page.get_by_role("link", name="Change your answers to “What makes the pain worse”").click()
    assert page.url.endswith("/step/worse?change=1")
    page.get_by_role("button", name="Back").click()
    page.wait_for_url("**/summary")


def test_back_after_fixing_an_error_and_sending_never_asks_to_resubmit(page, live_server, assert_accessible):
    answer_all(page, live_server.url, LIKELY)
    page.get_by_role("link", name="Request a consultation").first.click()
    fill_request(page, name="Robin Backbutton")
    page.get_by_label("Phone number").fill("123")
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_url("**/request")  # a GET after the redirect: safe to come back to
    assert "Enter a phone number with its area code" in page.inner_text(".error-summary")
    page.get_by_label("Phone number").fill("202 555 0143")
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_url("**/done")
    response = page.go_back()
    assert response is not None and response.request.method == "GET"  # no "Confirm Form Resubmission"
    assert "ERR_CACHE_MISS" not in page.content()
    page.wait_for_url(re.compile(r".*/(done|sent)$"))  # the request is sent: back lands on its confirmation
    assert_accessible(page)


def test_the_emailed_code_opens_the_draft_in_a_new_browser_and_only_once(
    context_factory, live_server, assert_accessible
):
    app = live_server.app
    phone = context_factory(viewport={"width": 360, "height": 740}).new_page()
    phone.goto(live_server.url + "/")
    phone.get_by_role("button", name="Start the screening").click()
    phone.get_by_label("50 to 64").check()
    phone.get_by_role("button", name="Continue").click()
    phone.get_by_role("link", name="Save and finish later on another device").click()
    assert_accessible(phone)
    phone.get_by_label("Your email address").fill("robin.later@example.com")
    phone.get_by_role("button", name="Email me a link").click()
    assert "r•••@example.com" in phone.inner_text("main")
    assert_accessible(phone)

    with app.app_context():
        run_once(app, "browser-test-worker")
    outbox = Path(app.instance_path) / "outbox"
    messages = [
        email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in outbox.glob("*-resume_link.eml")
    ]
    [text] = [m.get_content() for m in messages if m["To"] == "robin.later@example.com"]
    link = re.search(r"https?://\S+(/resume#\S+)", text).group(1)

    laptop = context_factory().new_page()
    laptop.goto(live_server.url + link)
    assert laptop.get_by_label("Code from your email").input_value() == link.split("#")[1]  # filled in from the link
    assert "#" not in laptop.url  # and taken out of the address bar
    assert_accessible(laptop)
    laptop.get_by_role("button", name="Continue my screening").click()
    laptop.wait_for_url("**/step/urgent")  # where the phone stopped: age answered
    second = context_factory().new_page()
    second.goto(live_server.url + link)
    second.get_by_role("button", name="Continue my screening").click()
    assert "This code cannot be used" in second.inner_text(".error-summary")
    assert_accessible(second)


def test_autosaved_answers_survive_a_reload(page, live_server):
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Start the screening").click()
    page.wait_for_url("**/step/age")
    page.wait_for_load_state("load")  # the page's script is running: changes are being watched
    with page.expect_response(lambda r: r.url.endswith("/step/age/autosave") and r.status == 204):
        page.get_by_label("50 to 64").check()
    page.locator("[data-saved-note]", has_text="saved as you choose them").wait_for()
    page.reload()
    assert page.get_by_label("50 to 64").is_checked()


def test_new_patient_pages_pass_axe(page, live_server, assert_accessible):
    for url in ("/notice-of-privacy-practices", "/resume"):
        page.goto(live_server.url + url)
        assert_accessible(page)
