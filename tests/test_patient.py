"""The patient's path through the Flask test client, as a browser without JavaScript."""

import json
import re
import threading
from datetime import UTC, datetime, timedelta

import pytest

from screening import clock
from screening.patient import drafts
from screening.references import ALPHABET as REFERENCE_ALPHABET

from .answers import LIKELY, POSSIBLE, UNLIKELY, URGENT, likely
from .conftest import Patient, csrf_token

P = pytest.param


AGE = {"age_band": LIKELY["age_band"]}
PAIN = {k: LIKELY[k] for k in ("pain_regions", "pain_side", "pain_duration", "pain_spread", "walking_leg_symptoms")}


def through_red_flags(patient, red_flags=("none",)):
    """Start, and answer the age and red-flag steps; returns the response to the red flags."""
    patient.start()
    patient.answer("age", AGE)
    return patient.answer("urgent", {"red_flags": list(red_flags)})


def draft_answers(db):
    rows = list(db.query("SELECT answers FROM drafts"))
    assert len(rows) == 1
    return json.loads(rows[0]["answers"])


def checked(html, name, value):
    return re.search(rf'name="{name}" value="{value}"\s*checked', html) is not None


# Landing and information pages


def test_landing_offers_start_and_shows_clinic_details(client):
    html = client.get("/").get_data(as_text=True)
    assert "Start the screening" in html
    assert "Continue where you left off" not in html
    assert "Test Spine Clinic" in html and 'href="tel:5550100199"' in html
    assert "not a diagnosis" in html and "5 minutes" in html


def test_landing_lists_the_configured_locations(app, client):
    app.config["CLINIC_LOCATIONS"] = ["Main office", "Northside", "Eastgate"]
    assert "3 locations: Main office, Northside, Eastgate" in client.get("/").get_data(as_text=True)


def test_landing_offers_to_continue_when_a_draft_exists(patient, client):
    patient.start()
    html = client.get("/").get_data(as_text=True)
    assert "Continue where you left off" in html and "Start over" in html


def test_about_page_explains_procedure(client):
    html = client.get("/about-the-procedure").get_data(as_text=True)
    for fact in ("30 minutes", "X-ray", "same day", "pain levels", "Risks"):
        assert fact in html


def test_several_locations_are_offered_on_the_request_form(app, patient):
    app.config["CLINIC_LOCATIONS"] = ["Main office", "Northside"]
    patient.complete(LIKELY)
    html = patient.page("/request")
    assert 'name="location" value="Northside"' in html


# Drafts


def test_start_sets_a_private_cookie_and_stores_only_its_hash(patient, client, db):
    response = patient.start()
    assert response.status_code == 303 and response.headers["Location"] == "/step/age"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    token = client.get_cookie(drafts.COOKIE_NAME).value
    assert len(token) >= 22  # 128 bits, base64url
    ids = [r["id"] for r in db.query("SELECT id FROM drafts")]
    assert ids == [drafts.draft_id(token)] and token not in ids[0]


def test_each_step_is_saved_as_the_patient_goes(patient, db):
    through_red_flags(patient)
    patient.answer("pain", PAIN)
    assert draft_answers(db) == {**AGE, "red_flags": ["none"], **PAIN}


def test_resume_from_another_client_with_the_same_cookie(app, patient, client):
    through_red_flags(patient)
    patient.answer("pain", PAIN)
    token = client.get_cookie(drafts.COOKIE_NAME).value

    later = app.test_client()  # the browser was closed; the cookie survives
    later.set_cookie(drafts.COOKIE_NAME, token)
    response = later.get("/continue")
    assert response.headers["Location"] == "/step/worse"
    assert checked(later.get("/step/urgent").get_data(as_text=True), "red_flags", "none")


def test_draft_expires_after_draft_days(patient, client, monkeypatch):
    patient.start()
    patient.answer("age", {"age_band": "50_64"})
    start = clock.now()
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(days=7, minutes=1))
    response = client.get("/continue")
    assert response.headers["Location"] == "/"
    assert "deleted after 7 days" in client.get("/").get_data(as_text=True)


def test_saving_pushes_the_expiry_forward(patient, client, monkeypatch):
    patient.start()
    start = clock.now()
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(days=6))
    patient.answer("age", AGE)
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(days=12))
    assert client.get("/continue").headers["Location"] == "/step/urgent"


def test_each_save_renews_the_cookie_for_draft_days(patient):
    patient.start()
    response = patient.answer("age", {"age_band": "50_64"})
    cookie = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{drafts.COOKIE_NAME}=")]
    assert cookie and "Max-Age=604800" in cookie[0] and "HttpOnly" in cookie[0]


def test_start_over_deletes_the_draft(patient, client, db):
    patient.start()
    patient.answer("age", {"age_band": "50_64"})
    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post("/start-over", data={"csrf_token": token})
    assert response.headers["Location"] == "/"
    assert db["drafts"].count == 0
    assert client.get_cookie(drafts.COOKIE_NAME) is None


def test_answers_can_be_deleted_from_any_step_and_the_summary(patient):
    patient.complete(LIKELY)
    for url in ("/step/age", "/step/peg", "/summary"):
        assert 'action="/start-over"' in patient.page(url)


def test_steps_need_a_draft(client):
    assert client.get("/step/age").headers["Location"] == "/"


def test_cannot_skip_ahead_of_the_first_unanswered_step(patient, client):
    patient.start()
    assert client.get("/step/peg").headers["Location"] == "/step/age"
    assert client.get("/summary").headers["Location"] == "/step/age"
    assert client.get("/request").headers["Location"] == "/step/age"


# Steps, progress and branching


def test_step_shows_progress_fieldsets_and_codes(patient):
    patient.start()
    html = patient.page("/step/age")
    assert "Step 1 of 9" in html and '<progress max="9" value="1"' in html  # adult steps count before the age is known
    assert "<legend>How old are you?</legend>" in html
    assert 'name="age_band" value="under_18"' in html
    patient.answer("age", AGE)
    html = patient.page("/step/urgent")
    assert "Step 2 of 9" in html
    assert 'type="checkbox" id="red_flags-0" name="red_flags" value="bladder_bowel"' in html


def test_follow_up_questions_appear_without_javascript(patient, db):
    through_red_flags(patient)
    first = {k: LIKELY[k] for k in ("pain_regions", "pain_side", "pain_duration", "walking_leg_symptoms")}
    response = patient.answer_shown_again("pain", {**first, "pain_spread": "below_knee_elbow"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Your answers added 2 questions below, each marked “New question”" in html
    assert html.count('<strong class="tag">New question</strong>') == 2
    assert "There is a problem" not in html  # asked, not scolded
    assert re.search(r'data-link-id="limb_vs_spine"\s*>', html)  # no longer hidden
    assert draft_answers(db)["pain_spread"] == "below_knee_elbow"  # nothing lost meanwhile

    response = patient.answer(
        "pain", {**first, "pain_spread": "below_knee_elbow", "limb_vs_spine": "spine_worse", "numbness_tingling": "yes"}
    )
    assert response.headers["Location"] == "/step/worse"
    assert draft_answers(db)["limb_vs_spine"] == "spine_worse"


def test_follow_up_left_blank_after_it_was_shown_is_an_error(patient):
    through_red_flags(patient)
    first = {k: LIKELY[k] for k in ("pain_regions", "pain_side", "pain_duration", "walking_leg_symptoms")}
    response = patient.answer_shown_again(
        "pain",
        {**first, "pain_spread": "above_knee_elbow"},
        asked="pain_regions pain_side pain_duration pain_spread limb_vs_spine numbness_tingling walking_leg_symptoms",
    )
    html = response.get_data(as_text=True)
    assert "Choose which part hurts more" in html and 'href="#limb_vs_spine-0"' in html


def test_follow_up_stays_hidden_when_not_needed(patient):
    through_red_flags(patient)
    html = patient.page("/step/pain")
    assert re.search(r'data-link-id="limb_vs_spine"\s*hidden', html)


def test_answers_to_questions_no_longer_shown_are_discarded(patient, db):
    through_red_flags(patient)
    base = {k: LIKELY[k] for k in ("pain_regions", "pain_side", "pain_duration", "walking_leg_symptoms")}
    patient.answer(
        "pain", {**base, "pain_spread": "above_knee_elbow", "limb_vs_spine": "equal", "numbness_tingling": "no"}
    )
    assert "limb_vs_spine" in draft_answers(db)
    patient.answer("pain", {**base, "pain_spread": "stays", "limb_vs_spine": "equal", "numbness_tingling": "no"})
    stored = draft_answers(db)
    assert stored["pain_spread"] == "stays"
    assert "limb_vs_spine" not in stored and "numbness_tingling" not in stored


def test_back_keeps_answers_and_never_fails_validation(patient, client):
    patient.complete(LIKELY)
    response = patient.answer("worse", {}, action="back")  # nothing chosen: still goes back
    assert response.status_code == 303 and response.headers["Location"] == "/step/pain"
    html = patient.page("/step/urgent")
    assert checked(html, "red_flags", "none")
    response = patient.answer("age", {"age_band": "nonsense"}, action="back")
    assert response.headers["Location"] == "/"


def test_back_saves_what_was_valid(patient, db):
    patient.start()
    patient.answer("age", AGE)
    patient.answer("urgent", {"red_flags": ["fever"]}, action="back")
    assert draft_answers(db)["red_flags"] == ["fever"]


def test_changing_an_answer_from_the_summary_returns_there(patient, client):
    patient.complete(LIKELY)
    html = patient.page("/step/worse?change=1")
    data = {"csrf_token": csrf_token(html), "asked": "worse_with", "return_to": "summary", "worse_with": ["twisting"]}
    assert client.post("/step/worse", data=data).headers["Location"] == "/summary"


# Validation


@pytest.mark.parametrize(
    "step, answers, message, anchor",
    [
        P(
            "pain",
            {"pain_regions": ["neck"], "pain_side": "left", "neck_headache": "no", "pain_spread": "stays"},
            "Choose how long you have had this pain",
            "pain_duration-0",
            id="missing",
        ),
        P(
            "pain",
            {
                "pain_regions": ["low_back"],
                "pain_side": "sideways",
                "pain_duration": "gt_12m",
                "pain_spread": "stays",
                "walking_leg_symptoms": "no",
            },
            "Choose one of the answers shown",
            "pain_side-0",
            id="bad-code",
        ),
        P(
            "urgent",
            {"red_flags": ["none", "fever"]},
            "cannot be chosen with other answers",
            "red_flags-0",
            id="exclusive-combined",
        ),
        P(
            "urgent",
            {"red_flags": ["fever", "headache"]},
            "Choose one of the answers shown",
            "red_flags-0",
            id="bad-multi-code",
        ),
        P(
            "peg",
            {"peg_pain": "11", "peg_enjoyment": "5", "peg_activity": "5"},
            "Choose one of the answers shown",
            "peg_pain-0",
            id="out-of-range",
        ),
        P(
            "peg",
            {"peg_pain": "-1", "peg_enjoyment": "5", "peg_activity": "5"},
            "Choose one of the answers shown",
            "peg_pain-0",
            id="negative",
        ),
        P(
            "peg",
            {"peg_pain": "seven", "peg_enjoyment": "5", "peg_activity": "5"},
            "Choose one of the answers shown",
            "peg_pain-0",
            id="not-a-number",
        ),
    ],
)
def test_bad_input_gets_a_message_beside_the_field_and_answers_are_kept(patient, step, answers, message, anchor):
    patient.complete(LIKELY)
    response = patient.answer_shown_again(step, answers)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html and "data-autofocus" in html
    assert f'href="#{anchor}"' in html  # the summary links to the field
    field = anchor.rsplit("-", 1)[0]
    assert f'id="{field}-error"' in html
    assert re.search(rf'aria-describedby="[^"]*\b{field}-error"', html)
    assert message in html
    assert "<title>Error:" in html
    for name, value in answers.items():  # valid answers stay chosen
        values = value if isinstance(value, list) else [value]
        if name != field:
            assert all(checked(html, name, v) for v in values)


def test_tampered_field_names_are_ignored(patient, db):
    patient.start()
    response = patient.answer("age", {**AGE, "admin": "1", "peg_pain": "3"})
    assert response.status_code == 303
    assert set(draft_answers(db)) == {"age_band"}


def test_expired_csrf_token_keeps_the_answers(patient, client, db):
    patient.start()
    data = {"csrf_token": "expired", "asked": "red_flags", "red_flags": ["night_pain", "osteoporosis"]}
    patient.answer("age", AGE)
    response = client.post("/step/urgent", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "this page timed out" in html
    assert checked(html, "red_flags", "night_pain") and checked(html, "red_flags", "osteoporosis")
    assert draft_answers(db) == AGE  # a forged post changes nothing
    data["csrf_token"] = csrf_token(html)
    assert client.post("/step/urgent", data=data).status_code == 303
    assert draft_answers(db)["red_flags"] == ["night_pain", "osteoporosis"]


def test_exclusive_code_alone_is_fine(patient):
    assert through_red_flags(patient).headers["Location"] == "/step/pain"


# Stops


def test_urgent_symptom_stops_with_emergency_advice(patient, client, db):
    response = through_red_flags(patient, ["saddle_numbness"])
    assert response.headers["Location"] == "/get-care-now"
    html = patient.page("/get-care-now")
    assert "Get emergency care now" in html and "Call 911" in html
    assert "emergency department" in html and "(555) 010-0199" in html
    assert 'href="/step/pain"' in html  # may still continue


def test_urgent_page_continues_to_the_summary_when_everything_is_answered(patient):
    patient.complete(LIKELY)
    response = patient.answer("urgent", {"red_flags": ["leg_weakness"]})
    assert response.headers["Location"] == "/get-care-now"
    assert 'href="/summary"' in patient.page("/get-care-now")


def test_urgent_page_only_for_urgent_answers(patient, client):
    patient.start()
    assert client.get("/get-care-now").headers["Location"] == "/step/age"


def test_urgent_patient_can_still_request_and_is_marked_urgent(patient, db):
    patient.complete(URGENT)
    assert 'data-outcome="urgent"' in patient.page("/summary")
    patient.send_request()
    row = next(db.query("SELECT urgent FROM requests"))
    assert row["urgent"] == 1


def test_under_18_is_asked_only_the_red_flags_then_stops_kindly(patient, client, db):
    patient.start()
    response = patient.answer("age", {"age_band": "under_18"})
    assert response.headers["Location"] == "/step/urgent"  # red flags are still checked
    assert "Step 2 of 2" in patient.page("/step/urgent")
    response = patient.answer("urgent", {"red_flags": ["none"]})
    assert response.headers["Location"] == "/adults-only"
    html = patient.page("/adults-only")
    assert "for adults" in html and "(555) 010-0199" in html
    for url in ("/step/pain", "/step/peg", "/summary", "/request", "/continue"):
        assert client.get(url).headers["Location"] == "/adults-only"
    row = next(db.query("SELECT outcome, flags, criteria, peg_score FROM screenings"))
    assert row["outcome"] == "unlikely" and json.loads(row["flags"]) == ["minor"]
    assert set(json.loads(row["criteria"]).values()) == {"unclear"} and row["peg_score"] is None


def test_under_18_with_an_emergency_red_flag_gets_the_emergency_advice_first(patient, client):
    patient.start()
    patient.answer("age", {"age_band": "under_18"})
    response = patient.answer("urgent", {"red_flags": ["leg_weakness"]})
    assert response.headers["Location"] == "/get-care-now"
    html = patient.page("/get-care-now")
    assert "Call 911" in html and 'href="/adults-only"' in html
    assert 'data-urgency="emergency"' in patient.page("/adults-only")


# Summary


@pytest.mark.parametrize(
    "answers, outcome, words",
    [
        P(LIKELY, "likely", "may be a good fit", id="likely"),
        P(POSSIBLE, "possible", "a doctor needs to know more", id="possible"),
        P(UNLIKELY, "unlikely", "may not be the right first step", id="unlikely"),
        P(URGENT, "urgent", "Get emergency care now", id="urgent"),
    ],
)
def test_summary_for_each_outcome(patient, answers, outcome, words):
    response = patient.complete(answers)
    assert response.headers["Location"] in ("/summary", "/get-care-now")
    html = patient.page("/summary")
    assert f'data-outcome="{outcome}"' in html
    assert words in html
    assert "This is not a diagnosis" in html
    assert 'href="/request"' in html  # every outcome offers the request
    assert "Pain for 3 months or more" in html
    assert html.count('class="status status-') == 11  # every criterion, in words
    assert "out of 10" in html


def test_summary_lists_things_the_doctor_will_review(patient):
    patient.complete(likely(blood_thinners=["warfarin"], allergies=["latex"], diabetes="yes"))
    html = patient.page("/summary")
    assert "Things the doctor will check with you" in html
    assert "blood thinner" in html and "latex" in html and "diabetes" in html


def test_finished_screening_is_stored_without_contact_details(patient, db):
    patient.complete(POSSIBLE)
    rows = list(db.query("SELECT * FROM screenings"))
    assert len(rows) == 1 and db["requests"].count == 0
    row = rows[0]
    assert row["outcome"] == "possible"
    assert json.loads(row["answers"]) == POSSIBLE
    assert set(json.loads(row["flags"])) == {"bleeding_risk"}
    assert json.loads(row["criteria"])["facet_pattern"] == "not_met"
    assert row["questionnaire_version"] and row["rules_version"]
    assert row["peg_score"] == 6.3


def test_changing_answers_updates_the_stored_screening(patient, db):
    patient.complete(LIKELY)
    patient.answer("peg", {"peg_pain": "2", "peg_enjoyment": "2", "peg_activity": "2"})
    rows = list(db.query("SELECT outcome, peg_score FROM screenings"))
    assert rows == [{"outcome": "possible", "peg_score": 2.0}]


# Consultation request


def test_request_stores_screening_and_request_together(patient, client, db):
    patient.complete(LIKELY)
    before = datetime.now(UTC).replace(microsecond=0)
    response = patient.send_request(email=" Pat@Example.COM ", message="Mornings only, please.")
    assert response.status_code == 303 and response.headers["Location"] == "/done"
    request = next(db.query("SELECT * FROM requests"))
    assert re.fullmatch(f"[{REFERENCE_ALPHABET}]{{8}}", request["reference"])
    assert request["phone"] == "+12025550143"
    assert request["email"] == "Pat@example.com"
    assert request["date_of_birth"] == "1968-03-27"
    assert request["status"] == "new" and request["urgent"] == 0
    assert request["location"] == "Main office"
    assert request["message"] == "Mornings only, please."
    created = datetime.fromisoformat(request["created_at"])
    assert before <= created and datetime.fromisoformat(request["due_at"]) - created == timedelta(hours=24)
    screening = next(db.query("SELECT * FROM screenings WHERE id = ?", [request["screening_id"]]))
    assert screening["outcome"] == "likely"
    assert db["drafts"].count == 0

    html = client.get("/done").get_data(as_text=True)
    reference = request["reference"]
    assert f"{reference[:4]}-{reference[4:]}" in html
    assert "We will call you tomorrow by " in html and "(555) 010-0199" in html  # 24 hours, open around the clock
    assert "Pat" not in html  # no personal data on the page
    assert "confirmation with your reference number to <strong>P•••@example.com</strong>" in html


def test_contact_sla_hours_sets_due_time(app, patient, db):
    app.config["CONTACT_SLA_HOURS"] = 4
    patient.complete(LIKELY)
    patient.send_request()
    row = next(db.query("SELECT created_at, due_at FROM requests"))
    assert datetime.fromisoformat(row["due_at"]) - datetime.fromisoformat(row["created_at"]) == timedelta(hours=4)


def test_the_phone_examples_we_give_are_accepted(patient, db):
    patient.complete(LIKELY)
    page = patient.page("/request")
    error = patient.send_request(phone="12345").get_data(as_text=True)
    examples = set(re.findall(r"(?:for example|like),? (\(\d{3}\) \d{3}-\d{4})", page + error))
    assert examples and "Enter a phone number with its area code, like (" in error
    for example in examples:
        assert patient.send_request(phone=example).status_code == 303


def test_the_message_is_never_cut_short_and_a_long_one_is_kept_to_shorten(patient, db):
    patient.complete(LIKELY)
    long_message = "Please call after four. " * 50  # 1,200 characters
    html = patient.send_request(message=long_message).get_data(as_text=True)
    assert 'maxlength="1000"' not in html  # the browser would cut it silently
    assert long_message.strip() in html and "over 1,000 characters" in html


def test_new_contact_preferences_are_stored(patient, db):
    patient.complete(LIKELY)
    form = patient.request_form(
        language="other",
        language_other="Tagalog",
        interpreter="yes",
        voicemail_ok="no",
        insurance="prefer_not",
        accessibility_needs="Wheelchair access, please",
    )
    form["best_time"] = ["afternoon", "morning"]
    assert patient.client.post("/request", data=form).status_code == 303
    row = next(db.query("SELECT * FROM requests"))
    assert json.loads(row["best_times"]) == ["morning", "afternoon"] and row["best_time"] == "morning"
    assert (row["language"], row["interpreter"], row["voicemail_ok"]) == ("Tagalog", 1, 0)
    assert row["insurance"] is None and row["accessibility_needs"] == "Wheelchair access, please"


def test_request_form_asks_how_to_contact_before_the_email(patient):
    patient.complete(LIKELY)
    html = patient.page("/request")
    assert html.index('name="preferred_contact"') < html.index('name="phone"') < html.index('name="email"')


@pytest.mark.parametrize(
    "overrides, message",
    [
        P({"full_name": ""}, "Enter your full name", id="no-name"),
        P({"phone": ""}, "Enter a phone number", id="no-phone"),
        P({"phone": "12345"}, "Enter a phone number with its area code", id="bad-phone"),
        P({"phone": "call me maybe"}, "Enter a phone number with its area code", id="words-for-phone"),
        P({"email": "pat@"}, "Enter an email address like", id="bad-email"),
        P({"email": "", "preferred_contact": "email"}, "Enter your email address", id="email-needed"),
        P(
            {"date_of_birth-day": "", "date_of_birth-month": "", "date_of_birth-year": ""},
            "Enter your date of birth",
            id="no-dob",
        ),
        P({"date_of_birth-month": "2", "date_of_birth-day": "30"}, "must be a real date", id="feb-30"),
        P({"date_of_birth-year": "68"}, "4 digits", id="two-digit-year"),
        P({"date_of_birth-year": "2090"}, "must be in the past", id="future"),
        P({"date_of_birth-year": str(datetime.now().year - 17)}, "18 or older", id="under-18"),
        P({"consent": None}, "Tick the box to agree", id="no-consent"),
        P({"preferred_contact": "pigeon"}, "Choose one of the answers shown", id="bad-contact-code"),
        P({"best_time": None}, "Choose at least one time we can call you", id="no-time"),
        P({"voicemail_ok": None}, "Tell us if we may leave a voicemail", id="no-voicemail"),
        P({"language": "other"}, "Write the language you prefer", id="other-language-unnamed"),
        P({"date_of_birth-year": "1900"}, "Year of birth must be", id="age-126"),
        P({"date_of_birth-year": "1850"}, "Year of birth must be", id="year-1850"),
        P({"message": "x" * 1001}, "over 1,000 characters", id="message-too-long"),
        P({"accessibility_needs": "x" * 501}, "500 characters or fewer", id="needs-too-long"),
    ],
)
def test_request_validation(patient, db, overrides, message):
    patient.complete(LIKELY)
    response = patient.send_request(**overrides)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html and message in html
    assert db["requests"].count == 0
    assert 'value="Pat Example"' in html or overrides.get("full_name") == ""  # details kept
    assert db["drafts"].count == 1  # nothing lost


def test_email_is_optional_when_we_should_phone(patient, db):
    patient.complete(LIKELY)
    assert patient.send_request(email="", preferred_contact="phone").status_code == 303
    assert next(db.query("SELECT email FROM requests"))["email"] is None


def test_honeypot_stores_nothing_and_tells_nothing(patient, client, db):
    patient.complete(LIKELY)
    response = patient.send_request(website="http://spam.example")
    assert response.headers["Location"] == "/done"
    assert "Your request has been sent" in client.get("/done").get_data(as_text=True)
    assert db["requests"].count == 0


def test_expired_csrf_on_request_keeps_details(patient, client, db):
    patient.complete(LIKELY)
    data = patient.request_form(csrf_token="stale")
    response = client.post("/request", data=data)
    html = response.get_data(as_text=True)
    assert "this page timed out" in html and 'value="Pat Example"' in html
    assert db["requests"].count == 0


def test_double_submit_creates_one_request(patient, client, db):
    patient.complete(LIKELY)
    data = patient.request_form()
    first = client.post("/request", data=data)
    second = client.post("/request", data=data)  # refresh, or back and submit again
    assert first.headers["Location"] == second.headers["Location"] == "/done"
    assert db["requests"].count == 1
    reference = next(db.query("SELECT reference FROM requests"))["reference"]
    assert reference[:4] in client.get("/done").get_data(as_text=True)


def test_simultaneous_submits_create_one_request(app, patient, client, db):
    patient.complete(LIKELY)
    data = patient.request_form()
    clients = []
    for _ in range(4):  # four tabs sharing the same cookies
        other = app.test_client()
        for name in (drafts.COOKIE_NAME, "session"):
            other.set_cookie(name, client.get_cookie(name).value)
        clients.append(other)
    results = []
    threads = [threading.Thread(target=lambda c=c: results.append(c.post("/request", data=data))) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.headers["Location"] for r in results] == ["/done"] * 4
    assert db["requests"].count == 1 and db["screenings"].count == 1


def test_no_personal_data_in_any_url(patient, client):
    """Every address the browser is sent to or offered, through a whole visit with a mistake on the way."""
    patient.complete(LIKELY)
    urls = []
    for details in ({"phone": "12"}, {}):  # first with an error, then sent
        response = client.post(
            "/request", data=patient.request_form(full_name="Zelda Quartz", email="zelda@example.com", **details)
        )
        urls.append(response.headers["Location"])
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        urls += re.findall(r'(?:href|action)="([^"]*)"', page)
    assert urls[0] == "/request" and "/done" in urls
    for private in ("Zelda", "zelda", "Quartz", "5550143", "555-0143", "1968"):
        assert not [url for url in urls if private in url], private


def test_request_rate_limit_counts_requests_sent_not_corrections(app):
    from screening.extensions import limiter

    app.config.update(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", REQUEST_RATE_LIMIT="2 per hour")
    limiter.init_app(app)
    limiter.reset()
    try:
        first = Patient(app.test_client())
        first.complete(LIKELY)
        for _ in range(4):  # corrections do not count
            assert first.send_request(phone="12").status_code == 200
        assert first.send_request().status_code == 303
        second, third = Patient(app.test_client()), Patient(app.test_client())
        second.complete(LIKELY)
        third.complete(LIKELY)
        assert second.send_request().status_code == 303
        response = third.send_request(full_name="Tess Thirdperson", phone="(202) 555-0177")
        html = response.get_data(as_text=True)
        assert response.status_code == 429 and 0 < int(response.headers["Retry-After"]) <= 3601
        assert "cannot take more requests from this internet connection" in html
        assert re.search(r"Press Send my request again in (59|60) minutes", html)  # the hour's window
        # Everything typed is still in the form, ready to send again.
        assert 'value="Tess Thirdperson"' in html and 'value="(202) 555-0177"' in html
        assert 'value="1968"' in html and "<form" in html
    finally:
        limiter.reset()


def test_done_without_a_request_goes_home(client):
    assert client.get("/done").headers["Location"] == "/"


def test_a_second_patient_on_the_same_device_starts_fresh(patient, client, db):
    patient.complete(LIKELY)
    patient.send_request()
    Patient(client).start()
    assert client.get("/continue").headers["Location"] == "/step/age"


def test_typed_answer_over_the_limit_gets_a_message_and_keeps_everything(patient, db):
    patient.complete(LIKELY)
    answers = {
        "blood_thinners": ["aspirin", "other"],
        "blood_thinner_other": "x" * 101,
        "bleeding_disorder": "no",
        "opioids": "yes",
    }
    asked = "blood_thinners blood_thinner_other bleeding_disorder opioids"  # as the page's script sends it
    response = patient.answer_shown_again("medicines", answers, asked=asked)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'href="#blood_thinner_other"' in html and 'id="blood_thinner_other-error"' in html
    assert "100 characters or fewer" in html
    assert checked(html, "blood_thinners", "other") and checked(html, "opioids", "yes")
    assert 'value="' + "x" * 101 + '"' in html  # what was typed is shown again to shorten
    assert draft_answers(db)["opioids"] == "yes"  # the valid answers are saved meanwhile
    response = patient.answer("medicines", {**answers, "blood_thinner_other": "  Brilinta  "}, asked=asked)
    assert response.status_code == 303 and draft_answers(db)["blood_thinner_other"] == "Brilinta"
    response = patient.answer("medicines", {**answers, "blood_thinner_other": ""}, asked=asked)
    assert response.status_code == 303 and "blood_thinner_other" not in draft_answers(db)  # optional


def test_after_sending_a_shared_computer_shows_the_next_person_nothing_about_the_request(app, patient, client, db):
    patient.complete(LIKELY)
    response = patient.send_request(full_name="Sam Sharedcomputer")
    draft_cookie = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{drafts.COOKIE_NAME}=")]
    assert draft_cookie and "Max-Age" not in draft_cookie[0] and "Expires" not in draft_cookie[0]  # gone at close
    reference = next(db.query("SELECT reference FROM requests"))["reference"]
    assert reference[:4] in client.get("/done").get_data(as_text=True)  # the sender sees it, in this visit

    # The next person on the same browser, after the session ended (the draft cookie alone is left at most).
    later = app.test_client()
    later.set_cookie(drafts.COOKIE_NAME, client.get_cookie(drafts.COOKIE_NAME).value)
    assert later.get("/continue").headers["Location"] == "/sent"
    assert later.get("/done").headers["Location"] == "/"
    html = later.get("/sent").get_data(as_text=True)
    assert reference[:4] not in html and "Sam" not in html and "call you within" not in html
    assert "Forget this device" in html


def test_forget_this_device_clears_the_draft_cookie_and_the_session(patient, client):
    patient.complete(LIKELY)
    patient.send_request()
    html = client.get("/done").get_data(as_text=True)
    assert "Forget this device" in html
    response = client.post("/forget", data={"csrf_token": csrf_token(html)})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert client.get_cookie(drafts.COOKIE_NAME) is None
    assert client.get("/done").headers["Location"] == "/"
    assert "no longer keeps anything" in client.get("/").get_data(as_text=True)


def test_a_lost_reply_to_send_still_shows_the_reference_in_the_same_visit(app, patient, client, db):
    """The request was stored but the browser never got the answer (dropped connection, server restart)."""
    patient.complete(LIKELY)
    form = patient.request_form()
    elsewhere = app.test_client()  # the same cookies; its reply never reaches the patient's browser
    for name in (drafts.COOKIE_NAME, "session"):
        elsewhere.set_cookie(name, client.get_cookie(name).value)
    assert elsewhere.post("/request", data=form).headers["Location"] == "/done"
    assert client.post("/request", data=form).headers["Location"] == "/done"  # Send pressed again
    assert client.get("/continue").headers["Location"] == "/done"
    reference = next(db.query("SELECT reference FROM requests"))["reference"]
    assert reference[:4] in client.get("/done").get_data(as_text=True) and db["requests"].count == 1


def test_no_email_no_promise_of_one(patient, client):
    patient.complete(LIKELY)
    patient.send_request(email="", preferred_contact="phone")
    assert "We are sending a confirmation" not in client.get("/done").get_data(as_text=True)


def test_the_patient_can_open_and_print_their_summary_from_the_confirmation_in_that_visit(app, patient, client, db):
    patient.complete(LIKELY)
    patient.send_request()
    done = client.get("/done").get_data(as_text=True)
    assert 'href="/done/summary"' in done
    html = client.get("/done/summary").get_data(as_text=True)
    reference = next(db.query("SELECT reference FROM requests"))["reference"]
    shown = f"{reference[:4]}-{reference[4:]}"
    assert "A medial branch block may be a good fit for you" in html
    assert f"Screening summary, request {shown}" in html and "Test Spine Clinic" in html and "printed" in html
    assert "Change" not in html and "/request" not in html  # sent: nothing to change or send again
    assert "Your answers" in html and "data-print" in html
    later = app.test_client()  # the next person on the computer: nothing
    later.set_cookie(drafts.COOKIE_NAME, client.get_cookie(drafts.COOKIE_NAME).value)
    assert later.get("/done/summary").headers["Location"] == "/"


def test_the_summary_puts_the_outcome_and_next_step_first_and_folds_the_details(patient):
    patient.complete(LIKELY)
    html = patient.page("/summary")
    assert html.index("may be a good fit") < html.index("Request a consultation") < html.index("<details")
    assert html.count("<details") >= 3 and "<summary><h2>Your answers</h2></summary>" in html


def test_not_a_good_fit_names_other_kinds_of_care(patient):
    patient.complete(UNLIKELY)
    html = patient.page("/summary")
    assert "physical therapy" in html and "pinched nerve" in html


def test_a_form_with_errors_redirects_so_back_never_offers_to_send_it_again(patient, client, db):
    """Post/redirect/get: every page the browser keeps in its history is a GET."""
    patient.complete(LIKELY)
    response = client.post("/request", data=patient.request_form(phone="12"))
    assert response.status_code == 303 and response.headers["Location"] == "/request"
    html = client.get("/request").get_data(as_text=True)
    assert "Enter a phone number with its area code" in html and 'value="Pat Example"' in html
    reloaded = client.get("/request").get_data(as_text=True)  # a reload loses nothing typed
    assert 'value="Pat Example"' in reloaded and "Enter a phone number with its area code" in reloaded
    response = patient.answer("medicines", {"blood_thinners": ["warfarin", "none"]})
    assert response.status_code == 303 and response.headers["Location"] == "/step/medicines"
    assert "cannot be chosen with other answers" in client.get("/step/medicines").get_data(as_text=True)


def test_back_from_a_change_link_returns_to_the_summary(patient, client):
    patient.complete(LIKELY)
    html = patient.page("/step/worse?change=1")
    data = {
        "csrf_token": csrf_token(html),
        "action": "back",
        "return_to": "summary",
        "asked": "worse_with",
        "worse_with": LIKELY["worse_with"],
    }
    response = client.post("/step/worse", data=data)
    assert response.status_code == 303 and response.headers["Location"] == "/summary"
    # Without the Change link, Back goes to the step before.
    data["return_to"] = ""
    assert client.post("/step/worse", data=data).headers["Location"] == "/step/pain"


def test_an_under_18_is_told_at_once_that_the_screening_is_for_adults(patient):
    patient.start()
    patient.answer("age", {"age_band": "under_18"})
    html = patient.page("/step/urgent")
    assert html.index("This screening is for adults (18 and over)") < html.index('<form method="post" action="/step/')


def test_a_second_tab_with_other_details_is_told_its_details_were_not_used(app, patient, client, db):
    patient.complete(LIKELY)
    first_tab = patient.request_form(full_name="Pat Example")
    second_tab = patient.request_form(full_name="Patricia Example", phone="(202) 555-0188")
    assert client.post("/request", data=first_tab).headers["Location"] == "/done"
    assert client.post("/request", data=second_tab).headers["Location"] == "/done"
    html = client.get("/done").get_data(as_text=True)
    assert "had already been sent, from another tab or window" in html and "please call us" in html
    assert db["requests"].count == 1 and next(db.query("SELECT full_name FROM requests"))["full_name"] == "Pat Example"
    client.post("/request", data=first_tab)  # the same details again: nothing to say
    assert "another tab" not in client.get("/done").get_data(as_text=True)


def test_landing_mentions_a_request_sent_in_this_visit_only(app, patient, client, db):
    patient.complete(LIKELY)
    patient.send_request()
    reference = next(db.query("SELECT reference FROM requests"))["reference"]
    landing = client.get("/").get_data(as_text=True)
    assert f"You sent request <strong>{reference[:4]}-{reference[4:]}</strong>" in landing
    assert reference[:4] not in app.test_client().get("/").get_data(as_text=True)


def test_notice_of_privacy_practices_from_the_clinics_file_or_how_to_get_a_copy(app, client, tmp_path):
    html = client.get("/notice-of-privacy-practices").get_data(as_text=True)
    assert "has not put its notice on this website yet" in html and "NOTICE_OF_PRIVACY_PRACTICES_FILE" in html
    notice = tmp_path / "npp.txt"
    notice.write_text("We may use your health information\nto treat you.\n\nYou may ask for a copy of your records.")
    app.config["NOTICE_OF_PRIVACY_PRACTICES_FILE"] = str(notice)
    html = client.get("/notice-of-privacy-practices").get_data(as_text=True)
    assert "<p>We may use your health information to treat you.</p>" in html
    assert "<p>You may ask for a copy of your records.</p>" in html and "has not put" not in html
    assert 'href="/notice-of-privacy-practices"' in client.get("/").get_data(as_text=True)  # in every footer


def test_autosave_keeps_valid_answers_as_they_are_chosen_and_nothing_else(patient, client, db):
    patient.complete(LIKELY)
    html = patient.page("/step/medicines")
    data = {
        "csrf_token": csrf_token(html),
        "asked": "blood_thinners bleeding_disorder opioids",
        "blood_thinners": ["warfarin"],
        "opioids": "not-a-code",
    }
    response = client.post("/step/medicines/autosave", data=data)
    assert response.status_code == 204
    answers = draft_answers(db)
    assert answers["blood_thinners"] == ["warfarin"]  # kept at once: a reload shows it
    assert answers["opioids"] == LIKELY["opioids"]  # an invalid answer changes nothing
    assert checked(patient.page("/step/medicines"), "blood_thinners", "warfarin")
    assert db["screenings"].count == 1  # the finished screening moves on Continue only
    assert client.post("/step/medicines/autosave", data={**data, "csrf_token": "forged"}).status_code == 400


def test_a_browser_left_open_shows_the_request_only_for_twenty_minutes(patient, client, db, monkeypatch):
    patient.complete(LIKELY)
    form = patient.request_form()
    client.post("/request", data=form)
    reference = next(db.query("SELECT reference FROM requests"))["reference"]
    assert reference[:4] in client.get("/done").get_data(as_text=True)
    assert client.get("/done/summary").status_code == 200
    sent = clock.now()
    monkeypatch.setattr(clock, "now", lambda: sent + timedelta(minutes=21))  # the next person, same browser
    assert client.get("/done").headers["Location"] == "/"
    assert client.get("/done/summary").headers["Location"] == "/"
    assert client.get("/continue").headers["Location"] == "/sent"
    assert reference[:4] not in client.get("/").get_data(as_text=True)
    assert client.post("/request", data=form).headers["Location"] == "/sent"


def test_the_neutral_sent_page_only_for_a_browser_that_sent_a_request(app, client):
    assert client.get("/sent").headers["Location"] == "/"


def test_a_change_made_in_another_tab_after_sending_is_reported_as_not_used(patient, client, db):
    patient.complete(LIKELY)
    html = patient.page("/step/peg?change=1")  # open in a second tab
    patient.send_request()  # sent from the first tab
    data = {
        "csrf_token": csrf_token(html),
        "action": "continue",
        "return_to": "summary",
        "asked": "peg_pain peg_enjoyment peg_activity",
        "peg_pain": "9",
        "peg_enjoyment": "9",
        "peg_activity": "9",
    }
    response = client.post("/step/peg", data=data)
    assert response.headers["Location"] == "/done"
    assert "this change was not used" in client.get("/done").get_data(as_text=True)
    assert next(db.query("SELECT peg_score FROM screenings"))["peg_score"] != 9


def test_a_returning_patient_with_a_red_flag_sees_the_urgent_advice_first(patient, client):
    patient.start()
    patient.answer("age", {"age_band": "50_64"})
    html = patient.page("/step/urgent")
    response = client.post(
        "/step/urgent/autosave",
        data={"csrf_token": csrf_token(html), "asked": "red_flags", "red_flags": ["bladder_bowel"]},
    )
    assert response.status_code == 204  # saved as chosen; then the phone died
    assert client.get("/continue").headers["Location"] == "/get-care-now"


def test_a_lost_reply_long_ago_shows_nothing(patient, client, db, monkeypatch):
    patient.complete(LIKELY)
    form = patient.request_form()
    elsewhere = patient.client.application.test_client()  # the reply (and its cookies) never arrived
    for name in (drafts.COOKIE_NAME, "session"):
        elsewhere.set_cookie(name, client.get_cookie(name).value)
    elsewhere.post("/request", data=form)
    later = clock.now() + timedelta(hours=3)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert client.get("/continue").headers["Location"] == "/sent"
    assert client.get("/done/summary").headers["Location"] == "/"


def test_control_characters_typed_or_pasted_are_not_stored(patient, db):
    patient.complete(LIKELY)
    patient.send_request(full_name="Al\x00ice\x07 Example", message="Line one\nline\x1b two")
    row = next(db.query("SELECT full_name, message FROM requests"))
    assert row["full_name"] == "Alice Example" and row["message"] == "Line one\nline two"


def test_a_form_with_errors_keeps_only_its_own_fields(patient, client, db):
    patient.complete(LIKELY)
    data = patient.request_form(phone="12", **{f"junk{n}": "x" * 1000 for n in range(60)})
    client.post("/request", data=data)
    kept = json.loads(next(db.query("SELECT pending_form FROM drafts"))["pending_form"])
    names = {name for name, _value in kept["fields"]}
    assert "full_name" in names and "date_of_birth-year" in names and not any(n.startswith("junk") for n in names)
