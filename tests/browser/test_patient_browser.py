"""The patient's path in Chromium: what a person on a phone or a keyboard actually meets."""

import json
import re

import pytest

from screening import questionnaire
from screening.db import connect

from ..answers import LIKELY, POSSIBLE, UNLIKELY, URGENT, likely

q = questionnaire.current()


def fill_step(page, step, answers, only_visible=False):
    """Choose the answers of one step the way a person does: clicking the labels, typing text."""
    for item in step.items:
        if item.link_id not in answers or not q.is_shown(item, q.shown_answers(answers)):
            continue
        values = answers[item.link_id]
        if item.type == questionnaire.TEXT:
            page.locator(f"#{item.link_id}").fill(values)
            continue
        for value in values if isinstance(values, list) else [values]:
            box = page.locator(f"input[name='{item.link_id}'][value='{value}']")
            if only_visible and not box.is_visible():
                continue
            box.wait_for(state="visible")
            if box.is_checked():
                continue
            page.locator(f"label[for='{box.get_attribute('id')}']").click()


def continue_(page):
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def answer_all(page, base_url, answers, check=None):
    """Start, answer every step, arrive on the summary; call `check(page)` on each page."""
    page.goto(base_url + "/")
    page.get_by_role("button", name="Start the screening").click()
    for step in q.steps_that_apply(answers):
        assert page.url.endswith(f"/step/{step.id}"), page.url
        if check:
            check(page)
        fill_step(page, step, answers)
        continue_(page)
        if page.url.endswith("/get-care-now"):
            if check:
                check(page)
            page.get_by_role("link", name="Continue").click()
    assert page.url.endswith("/summary"), page.url


def fill_request(page, name="Robin Example", location="Northside"):
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Phone number").fill("202 555 0143")
    page.get_by_label("Email address").fill("robin@example.com")
    page.get_by_label("Month").fill("7")
    page.get_by_label("Day").fill("4")
    page.get_by_label("Year").fill("1961")
    page.get_by_label("Phone call").check()
    page.locator("input[name='best_time'][value='morning']").check()
    page.locator("input[name='voicemail_ok'][value='yes']").check()
    page.get_by_label("English").check()
    page.locator("input[name='interpreter'][value='no']").check()
    page.get_by_label(location).check()
    page.get_by_label("No, I am a new patient").check()
    page.get_by_label("I agree that the clinic may contact me").check()


def send_request_as_patient(context_factory, live_server, answers, name):
    """A patient in their own browser answers everything and sends a request; returns its reference."""
    patient = context_factory().new_page()
    answer_all(patient, live_server.url, answers)
    patient.get_by_role("link", name="Request a consultation").first.click()
    fill_request(patient, name=name)
    patient.get_by_role("button", name="Send my request").click()
    return patient.locator(".reference").inner_text().strip()


def stored_request(live_server, name):
    db = connect(live_server.app.config["DATABASE"])
    try:
        return list(
            db.query(
                "SELECT r.*, s.outcome, s.answers FROM requests r JOIN screenings s ON s.id = r.screening_id"
                " WHERE full_name = ?",
                [name],
            )
        )
    finally:
        db.close()


def test_likely_path_end_to_end_with_axe_on_every_page(page, live_server, assert_accessible, artifacts):
    for url in ("/about-the-procedure", "/privacy", "/no-such-page"):
        page.goto(live_server.url + url)
        assert_accessible(page)
    answer_all(page, live_server.url, LIKELY, check=assert_accessible)

    result = page.locator("[data-outcome]")
    assert result.get_attribute("data-outcome") == "likely"
    assert "not a diagnosis" in result.inner_text()
    assert_accessible(page)
    page.screenshot(path=str(artifacts / "summary-likely.png"), full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=str(artifacts / "summary-likely-print.png"), full_page=True)
    page.emulate_media(media="screen")

    page.get_by_role("link", name="Request a consultation").first.click()
    assert_accessible(page)
    fill_request(page, name="Robin Likely")
    page.get_by_role("button", name="Send my request").click()
    assert page.get_by_role("heading", name="Your request has been sent").is_visible()
    assert_accessible(page)
    assert page.url.endswith("/done")

    rows = stored_request(live_server, "Robin Likely")
    assert len(rows) == 1 and rows[0]["outcome"] == "likely" and rows[0]["location"] == "Northside"
    assert json.loads(rows[0]["answers"]) == LIKELY
    assert f"{rows[0]['reference'][:4]}-{rows[0]['reference'][4:]}" in page.inner_text("main")


@pytest.mark.parametrize(
    "answers, outcome",
    [
        pytest.param(POSSIBLE, "possible", id="possible"),
        pytest.param(UNLIKELY, "unlikely", id="unlikely"),
    ],
)
def test_other_outcomes_end_to_end(page, live_server, assert_accessible, answers, outcome):
    answer_all(page, live_server.url, answers)
    assert page.locator("[data-outcome]").get_attribute("data-outcome") == outcome
    assert_accessible(page)
    page.get_by_role("link", name="Request a consultation").first.click()
    fill_request(page, name=f"Robin {outcome}")
    page.get_by_role("button", name="Send my request").click()
    assert page.url.endswith("/done")
    assert [r["outcome"] for r in stored_request(live_server, f"Robin {outcome}")] == [outcome]


def test_urgent_path_stops_first_then_allows_a_request(page, live_server, assert_accessible):
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Start the screening").click()
    fill_step(page, q.steps[0], URGENT)
    continue_(page)
    fill_step(page, q.steps[1], URGENT)
    continue_(page)
    assert page.url.endswith("/get-care-now")
    assert page.get_by_role("heading", level=1).inner_text() == "Get emergency care now"
    assert page.get_by_role("link", name="Call 911").get_attribute("href") == "tel:911"
    assert_accessible(page)

    page.get_by_role("link", name="Continue").click()
    for step in q.steps[2:]:
        fill_step(page, step, URGENT)
        continue_(page)
    assert page.locator("[data-outcome]").get_attribute("data-outcome") == "urgent"
    advice = page.locator("[data-urgency]").first
    assert advice.get_attribute("data-urgency") == "emergency" and "Call 911" in advice.inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Request a consultation").first.click()
    assert "marked urgent" in page.inner_text("main")
    fill_request(page, name="Robin Urgent")
    page.get_by_role("button", name="Send my request").click()
    assert [r["urgent"] for r in stored_request(live_server, "Robin Urgent")] == [1]
    assert page.locator("[data-urgency]").first.get_attribute("data-urgency") == "emergency"  # repeated first
    assert_accessible(page)


def test_errors_are_summarised_focused_and_linked(page, live_server, assert_accessible):
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Start the screening").click()
    fill_step(page, q.steps[0], LIKELY)
    continue_(page)
    page.get_by_label("None of these").check()
    page.get_by_label("Fever, chills or night sweats along with this pain").check()  # script unticks "None"
    assert not page.get_by_label("None of these").is_checked()
    page.get_by_label("Fever, chills or night sweats along with this pain").uncheck()
    continue_(page)  # nothing chosen

    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert page.title().startswith("Error:")
    assert_accessible(page)
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "red_flags-0"

    page.goto(live_server.url + "/step/age")
    page.get_by_role("button", name="Back").click()
    assert page.url.endswith("/")


def test_request_form_errors_are_accessible_and_keep_details(page, live_server, assert_accessible):
    answer_all(page, live_server.url, LIKELY)
    page.get_by_role("link", name="Request a consultation").first.click()
    fill_request(page, name="Robin Errors")
    page.get_by_label("Phone number").fill("123")
    page.get_by_label("Year").fill("2020")
    page.get_by_role("button", name="Send my request").click()
    text = page.inner_text(".error-summary")
    assert "Enter a phone number with its area code" in text and "18 or older" in text
    assert page.get_by_label("Full name").input_value() == "Robin Errors"
    assert_accessible(page)


def test_under_18_page(page, live_server, assert_accessible):
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Start the screening").click()
    fill_step(page, q.steps[0], likely(age_band="under_18"))
    continue_(page)
    assert page.url.endswith("/step/urgent")  # red flags are still checked
    fill_step(page, q.steps[1], likely(age_band="under_18"))
    continue_(page)
    assert page.url.endswith("/adults-only")
    assert_accessible(page)


def test_keyboard_only(page, live_server):
    def tab_to(selector, limit=60):
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate("(s) => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"could not reach {selector} with Tab")

    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    tab_to("[data-language-switch] button")  # the language switch is in the header, before the page
    tab_to("#main button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/step/age")

    tab_to("#age_band-0")
    page.keyboard.press("ArrowDown")  # radio groups move with arrows
    page.keyboard.press("ArrowDown")
    assert page.locator("#age_band-2").is_checked()  # 50 to 64
    tab_to("button[value=continue]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/step/urgent")

    tab_to("button[value=continue]")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # nothing chosen: the error summary takes focus
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "red_flags-0"


def test_answers_chosen_before_the_script_loads_still_reveal_follow_ups(page, live_server):
    """On a slow phone a patient can tick an answer before app.js has run; the follow-up must still appear."""
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Start the screening").click()
    for step in q.steps[:2]:
        fill_step(page, step, LIKELY)
        continue_(page)
    released = []

    def hold_script(route):
        released.append(route)  # answered later, after the patient has clicked

    page.route("**/js/app.js?*", hold_script)  # its URL carries the content hash
    page.goto(live_server.url + "/step/pain", wait_until="commit")  # the page is there; its script is not
    page.locator("label[for='pain_regions-2']").click()  # low back, before any script ran
    assert not page.locator("input[name=pain_side]").first.is_visible()
    released[0].continue_()
    page.locator("input[name=pain_side]").first.wait_for(state="visible")
    assert page.locator("input[name=walking_leg_symptoms]").first.is_visible()


def test_javascript_off(context_factory, live_server):
    page = context_factory(java_script_enabled=False).new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Start the screening").click()
    for step in q.steps[:2]:
        fill_step(page, step, POSSIBLE)
        continue_(page)
    first = {**POSSIBLE, "pain_spread": "above_knee_elbow", "limb_vs_spine": "equal", "numbness_tingling": "no"}
    pain = q.steps_by_id["pain"]
    fill_step(page, pain, first, only_visible=True)
    assert not page.locator("input[name=limb_vs_spine]").first.is_visible()
    continue_(page)
    added = re.search(r"Your answers? added (a question|(\d+) questions) below", page.inner_text("main"))
    assert added  # follow-ups asked on the same step, counted, and each marked
    assert page.locator("legend .tag, label .tag").count() == int(added.group(2) or 1)
    fill_step(page, pain, first)
    continue_(page)
    for step in q.steps[3:]:
        fill_step(page, step, POSSIBLE, only_visible=True)
        continue_(page)
        if page.url.endswith(f"/step/{step.id}"):  # the server asked follow-up questions
            assert re.search(r"Your answers? added (a question|\d+ questions) below", page.inner_text("main"))
            fill_step(page, step, POSSIBLE)
            continue_(page)
    assert page.locator("[data-outcome]").get_attribute("data-outcome") == "possible"
    page.get_by_role("link", name="Request a consultation").first.click()
    fill_request(page, name="Robin NoScript")
    page.get_by_role("button", name="Send my request").click()
    assert page.url.endswith("/done")
    assert len(stored_request(live_server, "Robin NoScript")) == 1


@pytest.mark.parametrize("width", [360, 320])
def test_narrow_phone_has_no_horizontal_scrolling(context_factory, live_server, width):
    """360 px is a small phone; 320 CSS px is also what a 640 px window shows at 200% zoom (WCAG reflow)."""
    page = context_factory(viewport={"width": width, "height": 740}, is_mobile=True, has_touch=True).new_page()
    pages = []

    def no_overflow(current):
        current.wait_for_load_state()
        # With phone emulation Chromium widens the layout to fit what sticks out: the width must be the phone's.
        inner, overflow = current.evaluate(
            "[window.innerWidth, document.documentElement.scrollWidth - window.innerWidth]"
        )
        pages.append(current.url)
        assert inner == width and overflow <= 0, f"{current.url} is {inner}px wide, scrolls by {overflow}px"

    for url in ("/", "/about-the-procedure", "/privacy"):
        page.goto(live_server.url + url)
        no_overflow(page)
    answer_all(page, live_server.url, URGENT, check=no_overflow)
    no_overflow(page)
    page.get_by_role("link", name="Request a consultation").first.click()
    page.get_by_role("button", name="Send my request").click()  # with errors
    page.locator(".error-summary").wait_for()
    no_overflow(page)
    assert len(pages) >= 10
