"""The physician's intake, review sign-off, the FHIR QuestionnaireResponse and the screenings CSV."""

import csv
import io
import json
from datetime import date

import pytest
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from markupsafe import escape

from screening import clock, rules
from screening import questionnaire as definitions
from screening.assessment import CRITERIA, SOURCES, assess
from screening.db import connect
from screening.fhir import answers_from_response
from screening.staff.intake import answer_columns

from .answers import EVERY_FLAG, LIKELY, POSSIBLE, UNLIKELY, URGENT, likely
from .conftest import audit_actions, csrf_token

P = pytest.param
q = definitions.current()


def safety_section(html):
    return html.split('<section class="safety-panel"', 1)[1].split("</section>", 1)[0]


@pytest.mark.parametrize(
    "answers, outcome",
    [
        P(LIKELY, "likely", id="likely"),
        P(POSSIBLE, "possible", id="possible"),
        P(UNLIKELY, "unlikely", id="unlikely"),
        P(URGENT, "urgent", id="urgent"),
    ],
)
def test_intake_for_each_outcome(auth, client, make_request, answers, outcome):
    row = make_request(answers, name="Zelda Quartz")
    auth.login("physician")
    html = client.get(f"/staff/requests/{row['reference']}/intake").get_data(as_text=True)
    assert f'data-outcome="{outcome}"' in html
    born, today = date(1968, 3, 27), clock.now().date()
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    assert "Zelda Quartz" in html and f"{age} years" in html
    assert "1968-03-27" in html and "(202) 555-" in html  # date of birth and phone identify the patient
    duration = q.items["pain_duration"].option(answers["pain_duration"])
    assert f"Duration</dt><dd>{escape(duration.clinical)}" in html  # clinical words
    assert f"Patient: “{duration.label}”" in html  # with the patient's own words beside them
    peg = assess(answers).peg_score
    assert f"<strong>{peg}</strong>/10 (pain {answers['peg_pain']}" in html
    for criterion in CRITERIA.values():
        assert str(escape(criterion.rule)) in html  # the rule in clinical words
        assert criterion.source in html  # its source
    assert "Questionnaire version 2.0.0" in html and "rules version 2.0.0" in html


def test_safety_panel_lists_every_flag_with_exact_drugs(auth, client, make_request):
    row = make_request(EVERY_FLAG)
    auth.login("physician")
    panel = safety_section(client.get(f"/staff/requests/{row['reference']}/intake").get_data(as_text=True))
    for expected in (
        "EMERGENCY red flag",
        "Saddle anaesthesia or sexual dysfunction, new",
        "Hand clumsiness or gait imbalance, new",
        "Red flag for a non-facet cause",
        "Unexplained weight loss",
        "Neurogenic claudication",
        "Prior MBB under 80%",
        "Relief from prior medial branch block: &lt; 50%",
        "repeat RFA may not need new blocks",
        "Bleeding risk",
        "Warfarin",
        "Antiplatelet other than aspirin",
        "Bleeding disorder or easy bleeding: Unsure",
        "Other blood thinner, as typed by the patient: Brilique",
        "Aspirin: physician decides",
        "Allergy: local anaesthetic",
        "Allergy: corticosteroid",
        "Allergy: iodinated contrast",
        "Other allergy, as typed by the patient: Penicillin",
        "Latex allergy",
        "Current infection",
        "Pregnancy status uncertain",
        "Diabetes",
        "Pacemaker",
        "Prior spine surgery",
        "Cannot lie prone",
        "Opioids on most days</dt><dd>Yes",
    ):
        assert expected in panel, expected
    assert (
        panel.index("EMERGENCY red flag")
        < panel.index("Red flag for a non-facet cause")
        < panel.index("Bleeding risk")
        < panel.index("Diabetes")
    )  # most serious first
    assert "Patient: “New numbness between your legs" in panel  # the patient's words beside the clinical ones


def test_safety_panel_is_calm_when_nothing_is_raised(auth, client, make_request):
    row = make_request(LIKELY)
    auth.login("physician")
    panel = safety_section(client.get(f"/staff/requests/{row['reference']}/intake").get_data(as_text=True))
    assert "No red flags, bleeding risk" in panel


def test_items_not_asked_are_left_out(auth, client, make_request):
    row = make_request(
        likely(
            treatments_tried=["none"],
            treatment_duration=None,
            treatment_relief=None,
            imaging=["none"],
            imaging_facet=None,
        )
    )
    auth.login("physician")
    html = client.get(f"/staff/requests/{row['reference']}/intake").get_data(as_text=True)
    for item in (
        "limb_vs_spine",
        "numbness_tingling",
        "treatment_duration",
        "treatment_relief",
        "imaging_facet",
        "neck_headache",
        "prior_mbb_relief",
    ):
        assert f'data-link-id="{item}"' not in html, item
    assert 'data-link-id="imaging"' in html and 'data-link-id="peg_activity"' in html


@pytest.mark.parametrize("path", ["/intake", "/questionnaire-response.json"])
def test_front_desk_cannot_open_the_intake_or_its_export(auth, client, make_request, path):
    row = make_request(LIKELY, name="Zelda Quartz")
    auth.login("front_desk")
    response = client.get(f"/staff/requests/{row['reference']}{path}")
    assert response.status_code == 403 and "Zelda" not in response.get_data(as_text=True)
    assert client.get("/staff/screenings.csv").status_code == 403


def test_review_with_note_is_shown_audited_and_filters_the_queue(auth, app, client, make_request):
    reviewed = make_request(LIKELY)
    waiting = make_request(POSSIBLE)
    auth.login("physician")
    page = f"/staff/requests/{reviewed['reference']}/intake"
    token = csrf_token(client.get(page).get_data(as_text=True))
    response = client.post(
        f"/staff/requests/{reviewed['reference']}/review",
        data={"csrf_token": token, "note": "Good candidate; hold warfarin per plan."},
    )
    assert response.headers["Location"] == page
    html = client.get(page).get_data(as_text=True)
    assert "Reviewed by Test physician" in html and "hold warfarin per plan" in html
    pending = client.get("/staff/?review=pending").get_data(as_text=True)
    assert waiting["reference"] in pending and reviewed["reference"] not in pending
    assert "Reviewed</span>" in client.get("/staff/").get_data(as_text=True)
    assert audit_actions(app).count("view_intake") == 2 and "review" in audit_actions(app)
    review_row = next(connect(app.config["DATABASE"]).query("SELECT detail FROM audit_log WHERE action = 'review'"))
    assert review_row["detail"] is None  # the clinical note stays out of the audit trail


def test_review_note_too_long_is_refused(auth, app, client, make_request):
    row = make_request(LIKELY)
    auth.login("physician")
    token = csrf_token(client.get(f"/staff/requests/{row['reference']}/intake").get_data(as_text=True))
    response = client.post(f"/staff/requests/{row['reference']}/review", data={"csrf_token": token, "note": "x" * 2001})
    assert response.status_code == 200 and "There is a problem" in response.get_data(as_text=True)
    assert connect(app.config["DATABASE"])["reviews"].count == 0


# FHIR QuestionnaireResponse


@pytest.mark.parametrize(
    "answers",
    [
        P(LIKELY, id="likely"),
        P(EVERY_FLAG, id="every-flag"),
        P(UNLIKELY, id="unlikely"),
        P(
            likely(
                pain_spread="below_knee_elbow",
                limb_vs_spine="equal",
                numbness_tingling="yes",
                treatments_tried=["none"],
                treatment_duration=None,
                treatment_relief=None,
            ),
            id="branching",
        ),
    ],
)
def test_questionnaire_response_validates_and_round_trips(auth, app, client, make_request, answers):
    row = make_request(answers)
    auth.login("physician")
    response = client.get(f"/staff/requests/{row['reference']}/questionnaire-response.json")
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    assert "attachment" in response.headers["Content-Disposition"]
    resource = json.loads(response.get_data(as_text=True))
    QuestionnaireResponse.model_validate(resource)
    assert resource["status"] == "completed" and resource["authored"]

    questionnaire = client.get("/questionnaire.json").json
    assert resource["questionnaire"] == f"{questionnaire['url']}|{questionnaire['version']}"

    linked = [i["linkId"] for group in resource["item"] for i in group["item"]]
    expected = assess(answers).answers
    assert sorted(linked) == sorted(expected) and len(linked) == len(set(linked))

    options = {
        i["linkId"]: {(o["valueCoding"]["system"], o["valueCoding"]["code"]) for o in i.get("answerOption", [])}
        for group in questionnaire["item"]
        for i in group["item"]
    }
    for group in resource["item"]:
        for item in group["item"]:
            for answer in item["answer"]:
                if "valueCoding" in answer:
                    coding = answer["valueCoding"]
                    assert (coding["system"], coding["code"]) in options[item["linkId"]]
                elif "valueString" in answer:
                    assert q.items[item["linkId"]].type == definitions.TEXT
                else:
                    assert q.items[item["linkId"]].type == definitions.SCALE
                    assert isinstance(answer["valueInteger"], int)
    multi = [i for g in resource["item"] for i in g["item"] if i["linkId"] == "allergies"][0]
    assert len(multi["answer"]) == len(expected["allergies"])  # one item, several answers

    back = answers_from_response(q, resource)
    assert back == expected
    again, stored = assess(back), assess(answers)
    assert (again.outcome, again.flags, again.criteria, again.peg_score) == (
        stored.outcome,
        stored.flags,
        stored.criteria,
        stored.peg_score,
    )
    observation = resource["contained"][0]
    assert resource["extension"][0]["valueReference"]["reference"] == "#" + observation["id"]
    assert observation["valueCodeableConcept"]["coding"][0]["code"] == stored.outcome
    flags = {
        c["valueCodeableConcept"]["coding"][0]["code"]
        for c in observation["component"]
        if c["code"]["coding"][0]["code"] == "flag"
    }
    assert flags == stored.flags
    assert "export_fhir" in audit_actions(app)


# CSV of screenings


def test_screenings_csv_has_one_row_per_screening_and_one_column_per_link_id(auth, app, client, make_request, patient):
    with_request = make_request(EVERY_FLAG, name="=cmd|' /C calc'!A0")
    patient.complete(UNLIKELY)  # finished, no request
    auth.login("physician")
    response = client.get("/staff/screenings.csv")
    assert response.is_streamed and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert list(rows[0])[:9] == [
        "screening_id",
        "created_at",
        "updated_at",
        "questionnaire_version",
        "rules_version",
        "outcome",
        "flags",
        "peg_score",
        "request_made",
    ]
    assert list(rows[0])[9:] == answer_columns()
    assert answer_columns()[: len(q.items)] == list(q.items)  # every current item, then older ones
    assert len(rows) == 2
    first, second = rows
    assert first["screening_id"] == str(with_request["screening_id"]) and first["request_made"] == "yes"
    assert first["outcome"] == "urgent"
    assert first["blood_thinners"] == "warfarin;antiplatelet;aspirin;other"
    assert first["blood_thinner_other"] == "Brilique"
    assert first["allergies"] == "local_anesthetic;steroid;contrast;latex;other"
    assert first["limb_vs_spine"] == "equal" and first["treatment_duration"] == "gt_3m" and first["peg_pain"] == "7"
    assert set(first["flags"].split(";")) == assess(EVERY_FLAG).flags
    assert second["outcome"] == "unlikely" and second["request_made"] == "no"
    assert second["pain_duration"] == "6w_3m"
    assert "calc" not in response.get_data(as_text=True)  # no contact details at all
    assert "export_screenings" in audit_actions(app)


def test_screenings_csv_date_range(auth, client, make_request):
    make_request(LIKELY)
    auth.login("physician")
    assert (
        len(
            client.get("/staff/screenings.csv?from=2000-01-01&to=2000-12-31")
            .get_data(as_text=True)
            .strip()
            .splitlines()
        )
        == 1
    )  # header only
    assert len(client.get("/staff/screenings.csv?from=2000-01-01").get_data(as_text=True).strip().splitlines()) == 2


@pytest.mark.parametrize("version", rules.VERSIONS)
def test_every_criterion_cites_a_known_source(version):
    cited = {c.source for c in rules.for_version(version).CRITERIA.values()}
    assert cited <= set(SOURCES)
    assert all(SOURCES[key] for key in cited)


@pytest.mark.parametrize(
    "born, warned",
    [
        P("1968-03-27", False, id="fits-50-64"),
        P("1990-01-01", True, id="too-young-for-50-64"),
    ],
)
def test_age_band_that_does_not_fit_the_date_of_birth_is_flagged(auth, client, make_request, born, warned):
    row = make_request(LIKELY, date_of_birth=born)  # LIKELY says 50 to 64
    auth.login("physician")
    for url in (f"/staff/requests/{row['reference']}", f"/staff/requests/{row['reference']}/intake"):
        html = client.get(url).get_data(as_text=True)
        assert ("data-age-warning" in html) is warned, url
        if warned:
            assert "“50 to 64”" in html
