"""Red flags through the real forms: the advice follows the patient, and the clinic calls sooner."""

from datetime import datetime, timedelta

import pytest

from .answers import LIKELY, REVIEW, SAME_DAY, URGENT

P = pytest.param
EMERGENCY_WORDS = "Call 911, or go to the nearest emergency department now."
SAME_DAY_WORDS = "Go to an urgent care center today, or call your own doctor"


def _before(html, first, then):
    return first in html and then in html and html.index(first) < html.index(then)


@pytest.mark.parametrize(
    "answers, tier, words, hidden",
    [
        P(URGENT, "emergency", EMERGENCY_WORDS, SAME_DAY_WORDS, id="emergency"),
        P(SAME_DAY, "same_day", SAME_DAY_WORDS, EMERGENCY_WORDS, id="same-day"),
    ],
)
def test_urgent_advice_on_the_urgent_page_the_summary_and_the_confirmation(
    app, patient, client, db, staff, auth, make_request, answers, tier, words, hidden
):
    routine = make_request(LIKELY, due_in_hours=1)  # due sooner, but not urgent
    response = patient.complete(answers)
    assert response.headers["Location"] == "/summary"  # the last step; the urgent page came after red flags
    urgent_page = patient.page("/get-care-now")
    assert words in urgent_page and hidden not in urgent_page
    assert f'data-urgency="{tier}"' in urgent_page

    summary = patient.page("/summary")
    assert _before(summary, words, "<h1>Your screening summary")  # first, above everything else
    assert hidden not in summary
    assert _before(patient.page("/request"), "If you have not yet", "<h1>Request a consultation")

    assert patient.send_request().headers["Location"] == "/done"
    done = client.get("/done").get_data(as_text=True)
    assert _before(done, words, "<h1>Your request has been sent")
    assert "We will call you today by " in done or "We will call you tomorrow by " in done  # 2 hours later

    row = next(db.query("SELECT * FROM requests WHERE urgent = 1"))
    due = datetime.fromisoformat(row["due_at"]) - datetime.fromisoformat(row["created_at"])
    assert due == timedelta(hours=2)
    subjects = [r["subject"] for r in db.query("SELECT subject FROM outbox WHERE kind = 'new_request'")]
    assert subjects and all(s.startswith("URGENT: ") for s in subjects if row["reference"][:4] in s)

    auth.login("front_desk")
    queue = client.get("/staff/").get_data(as_text=True)
    label = {"emergency": "Emergency", "same_day": "Same day"}[tier]
    assert _before(queue, row["reference"][:4], routine["reference"][:4])  # urgent first
    assert f'badge-{tier}">{label}</span>' in queue


def test_urgent_contact_hours_is_configurable(app, patient, db):
    app.config["URGENT_CONTACT_HOURS"] = 1
    patient.complete(SAME_DAY)
    patient.send_request()
    row = next(db.query("SELECT created_at, due_at FROM requests"))
    assert datetime.fromisoformat(row["due_at"]) - datetime.fromisoformat(row["created_at"]) == timedelta(hours=1)


def test_review_red_flag_is_not_urgent_and_the_doctor_checks_it(patient, client, db):
    response = patient.complete(REVIEW)
    assert response.headers["Location"] == "/summary"
    assert client.get("/get-care-now").headers["Location"] == "/summary"  # no urgent page
    summary = patient.page("/summary")
    assert 'data-outcome="possible"' in summary and "data-urgency" not in summary
    assert "The doctor will check for other causes first" in summary
    patient.send_request()
    row = next(db.query("SELECT urgent, created_at, due_at FROM requests"))
    assert row["urgent"] == 0
    assert datetime.fromisoformat(row["due_at"]) - datetime.fromisoformat(row["created_at"]) == timedelta(hours=24)


def test_whiplash_years_ago_is_not_an_emergency(patient):
    """v1's "trauma" sent old whiplash to 911; v2 asks only about injuries in the past 6 weeks."""
    response = patient.complete(LIKELY)
    assert response.headers["Location"] == "/summary"
    assert "recent_trauma" in patient.page("/step/urgent")
    assert 'value="trauma"' not in patient.page("/step/urgent")


@pytest.mark.parametrize(
    "regions, spread, shown",
    [
        P(["low_back"], "above_knee_elbow", True, id="low-back-spreading"),
        P(["low_back"], "stays", False, id="low-back-staying"),
        P(["neck"], "above_knee_elbow", False, id="neck-spreading"),
    ],
)
def test_summary_says_which_new_symptoms_mean_emergency_care(patient, regions, spread, shown):
    answers = {**LIKELY, "pain_regions": regions, "pain_spread": spread}
    if spread != "stays":
        answers.update(limb_vs_spine="spine_worse", numbness_tingling="no")
    if "low_back" not in regions:
        answers.pop("walking_leg_symptoms")
        answers["neck_headache"] = "no"
    patient.complete(answers)
    summary = patient.page("/summary")
    assert ("data-safety-net" in summary) is shown
    if shown:
        assert "New numbness between your legs" in summary and "call 911" in summary.lower()


def test_aspirin_alone_keeps_a_likely_result_and_says_keep_taking_it(patient):
    patient.complete({**LIKELY, "blood_thinners": ["aspirin"]})
    summary = patient.page("/summary")
    assert 'data-outcome="likely"' in summary
    assert "Keep taking it as prescribed" in summary


def test_the_summary_makes_no_promise_of_safety(patient):
    patient.complete(LIKELY)
    summary = patient.page("/summary").lower()
    assert "safe to have" not in summary and "the doctor will still check your health" in summary
