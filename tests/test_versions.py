"""A database from before 2.0.0, upgraded: v1 screenings read as v1, v1 drafts resume under v2."""

import csv
import io
import json
from datetime import timedelta

import pytest
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from screening import clock, create_app, questionnaire
from screening.db import connect, init_db
from screening.fhir import answers_from_response
from screening.migrations import migrations
from screening.patient import drafts, submissions
from screening.rules import v1

from .answers import LIKELY, v1_likely
from .conftest import AuthActions, request_details, test_settings

V1_URGENT = v1_likely(red_flags=["trauma"], blood_thinners=["aspirin"])
# An unfinished v1 draft: its red flags, blood thinners and PEG are asked again under v2.
V1_DRAFT = {
    key: V1_URGENT[key]
    for key in (
        "age_band",
        "pain_regions",
        "pain_duration",
        "pain_spread",
        "red_flags",
        "worse_with",
        "treatments_tried",
        "treatment_duration",
        "treatment_relief",
        "blood_thinners",
        "peg_pain",
    )
}


@pytest.fixture
def upgraded(tmp_path):
    """An app whose database held v1 screenings, a v1 request and a v1 draft, then migrated to today."""
    path = str(tmp_path / "old.db")
    db = connect(path)
    migrations.apply(db, stop_before="m005_draft_questionnaire_version")  # the schema 1.0.0 shipped with
    contact = request_details("Vera Old", "+12025550111", date_of_birth="1960-05-01")
    reference, _ = submissions.submit_request(
        db, drafts.new_token(), v1.assess(V1_URGENT), contact, lambda now: now + timedelta(hours=24)
    )
    token = drafts.new_token()
    now = clock.now()
    db.execute(
        "INSERT INTO drafts (id, answers, created_at, updated_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        [
            drafts.draft_id(token),
            json.dumps(V1_DRAFT),
            clock.iso(now),
            clock.iso(now),
            clock.iso(now.replace(year=now.year + 1)),
        ],
    )
    db.close()
    init_db(path)  # the upgrade
    app = create_app(test_settings(tmp_path, DATABASE=path))
    return app, reference, token


@pytest.fixture
def physician(upgraded, password_hashes):
    app, reference, _token = upgraded
    db = connect(app.config["DATABASE"])
    db["users"].insert(
        {
            "username": "dr_patel",
            "display_name": "Dr",
            "role": "physician",
            "password_hash": password_hashes["physician"],
            "created_at": "2026-01-01T00:00:00+00:00",
        }
    )
    db.close()
    client = app.test_client()
    AuthActions(client).login("physician")
    return client


def test_v1_intake_keeps_v1_wording_codes_flags_and_versions(upgraded, physician):
    _app, reference, _token = upgraded
    html = physician.get(f"/staff/requests/{reference}/intake").get_data(as_text=True)
    assert "Questionnaire version 1.0.0 · rules version 1.0.0" in html
    assert "Patient: “The pain started after a serious injury, such as a fall or a car crash”" in html
    assert v1.FLAGS["urgent_red_flag"].clinical_text in html
    assert str(v1.CRITERIA["failed_conservative_care"].rule) in html
    assert 'data-outcome="urgent"' in html
    assert 'data-link-id="pain_side"' not in html  # a v2 question was never asked
    page = physician.get(f"/staff/requests/{reference}").get_data(as_text=True)
    assert 'badge-emergency">Emergency</span>' in page  # v1 told urgent patients to get emergency care


def test_v1_and_v2_rows_in_one_screenings_csv(upgraded, physician, password_hashes):
    app, reference, _token = upgraded
    from screening.assessment import assess

    with app.app_context():
        from screening.db import get_db

        submissions.store_screening(get_db(), "a-v2-draft", assess(LIKELY))
    rows = list(csv.DictReader(io.StringIO(physician.get("/staff/screenings.csv").get_data(as_text=True))))
    old, new = rows
    assert (old["questionnaire_version"], old["rules_version"]) == ("1.0.0", "1.0.0")
    assert old["red_flags"] == "trauma" and old["blood_thinners"] == "aspirin" and old["pain_side"] == ""
    assert set(old["flags"].split(";")) == {"urgent_red_flag", "bleeding_risk"}  # v1's flags, never recomputed
    assert (new["questionnaire_version"], new["rules_version"]) == ("2.0.0", "2.0.0")
    assert new["pain_side"] == "both" and new["red_flags"] == "none"


def test_v1_fhir_export_is_v1_and_validates(upgraded, physician):
    _app, reference, _token = upgraded
    resource = physician.get(f"/staff/requests/{reference}/questionnaire-response.json").json
    QuestionnaireResponse.model_validate(resource)
    assert resource["questionnaire"].endswith("/Questionnaire/mbb-screening|1.0.0")
    assert [g["linkId"] for g in resource["item"]][0] == "about"  # v1's steps
    codes = [
        a["valueCoding"]["code"]
        for g in resource["item"]
        for i in g["item"]
        if i["linkId"] == "red_flags"
        for a in i["answer"]
    ]
    assert codes == ["trauma"]
    assert answers_from_response(questionnaire.definition("1.0.0"), resource) == v1.assess(V1_URGENT).answers
    v1_questionnaire = physician.get("/questionnaire.json?version=1.0.0").json
    assert resource["questionnaire"] == f"{v1_questionnaire['url']}|{v1_questionnaire['version']}"


def test_a_v1_draft_resumes_under_v2_at_the_first_unanswered_question(upgraded):
    app, _reference, token = upgraded
    client = app.test_client()
    client.set_cookie(drafts.COOKIE_NAME, token)
    assert client.get("/continue").headers["Location"] == "/step/urgent"  # red flags asked again
    db = connect(app.config["DATABASE"])
    row = next(db.query("SELECT answers, questionnaire_version FROM drafts"))
    carried = json.loads(row["answers"])
    assert row["questionnaire_version"] == "2.0.0"
    assert "red_flags" not in carried and "blood_thinners" not in carried and "peg_pain" not in carried
    assert {k: carried[k] for k in ("age_band", "pain_regions", "pain_duration", "treatment_duration")} == {
        k: V1_DRAFT[k] for k in ("age_band", "pain_regions", "pain_duration", "treatment_duration")
    }
    html = client.get("/step/pain").headers.get("Location")
    assert html == "/step/urgent"  # cannot skip the red flags
    page = client.get("/step/urgent").get_data(as_text=True)
    assert 'value="trauma"' not in page and 'value="recent_trauma"' in page
