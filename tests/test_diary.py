"""Recording a block, the patient's diary, the result and the two-block decision, through the app."""

import json
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from fhir.resources.R4B.bundle import Bundle

from screening import clock
from screening.diary import codes
from screening.notify import mailer

from .conftest import csrf_token

NOW = clock.parse("2026-06-10T14:00:00+00:00")  # a Wednesday, 10 a.m. at the clinic


@pytest.fixture
def at(monkeypatch):
    """Move the app's clock: at(minutes) stands it that many minutes after NOW."""

    def move(minutes=0):
        monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(minutes=minutes))

    move(0)
    return move


def block_form(client, reference, **overrides):
    html = client.get(f"/staff/requests/{reference}/blocks/new").get_data(as_text=True)
    local = (NOW - timedelta(minutes=5)).astimezone(ZoneInfo("America/New_York"))
    data = {
        "csrf_token": csrf_token(html),
        "block_number": "1",
        "injected_date": local.strftime("%Y-%m-%d"),
        "injected_time": local.strftime("%H:%M"),
        "levels": ["L4-5", "L5-S1"],
        "side": "both",
        "medicine": "lidocaine",
        "sedation": "none",
        **overrides,
    }
    if "physician" not in data:
        data["physician"] = next(iter(_physician_ids(html)), "")
    return data


def _physician_ids(html):
    return re.findall(r'name="physician" value="(\d+)"', html)


def record(client, reference, **overrides):
    return client.post(f"/staff/requests/{reference}/blocks/new", data=block_form(client, reference, **overrides))


def block_row(db, number=1):
    return next(db.query("SELECT * FROM blocks WHERE block_number = ? ORDER BY id DESC", [number]))


def code_of(row):
    return codes.formatted(codes.code_for(row["link_id"], "test-secret"))


class DiaryPatient:
    """The patient on their phone: a browser of its own, no sign-in."""

    def __init__(self, app):
        self.client = app.test_client()

    def open(self, code):
        token = csrf_token(self.client.get("/diary/").get_data(as_text=True))
        return self.client.post("/diary/open", data={"csrf_token": token, "code": code})

    def page(self):
        return self.client.get("/diary/").get_data(as_text=True)

    def post(self, path, **data):
        return self.client.post(path, data={"csrf_token": csrf_token(self.page()), **data})

    def baseline(self, pain):
        return self.post("/diary/baseline", pain=str(pain))

    def entry(self, slot, pain, tried="yes", medicine="no", correct=""):
        return self.post(
            "/diary/entry", slot=str(slot), pain=str(pain), tried=tried, medicine=medicine, correct=correct
        )


def sign_in_again(client, auth, role):
    """Hours passed on the clock: the staff session has ended, so sign in afresh."""
    with client.session_transaction() as session:
        session.clear()
    auth.login(role)


@pytest.fixture
def diary_patient(app):
    return DiaryPatient(app)


def keep_diary(at, patient, pains, baseline=10, medicine_at=()):
    """Baseline, then one entry at each scheduled minute with the pain given."""
    assert patient.baseline(baseline).status_code == 303
    for slot, pain in pains:
        at(slot - 5)  # injected 5 minutes before NOW
        response = patient.entry(slot, pain, medicine="yes" if slot in medicine_at else "no")
        assert response.status_code == 303, response.get_data(as_text=True)[:1500]


def test_physician_records_a_block_the_patient_keeps_the_diary_and_the_physician_sees_the_result(
    app, client, auth, db, make_request, diary_patient, at
):
    request_row = make_request()
    auth.login("physician")
    response = record(client, request_row["reference"])
    assert response.status_code == 303
    row = block_row(db)
    assert (row["medicine"], row["expected_hours"], json.loads(row["levels"])) == ("lidocaine", 2, ["L4-5", "L5-S1"])
    assert row["expires_at"] == clock.iso(NOW - timedelta(minutes=5) + timedelta(hours=48))
    assert code_of(row).replace("-", "") not in json.dumps(dict(row))  # the code itself is never stored

    assert diary_patient.open(code_of(row).lower()).status_code == 303  # typed in small letters: still opens
    page = diary_patient.page()
    assert "usual pain" in page and request_row["full_name"] not in page and "Patient" not in page.split("<main")[1]
    keep_diary(at, diary_patient, [(15, 4), (30, 1), (60, 2), (120, 6)])
    page = diary_patient.page()
    assert "Next entry: 3 hours after the injection" in page

    sign_in_again(client, auth, "physician")  # signed out while the hours passed
    episode = client.get(f"/staff/requests/{request_row['reference']}/diary").get_data(as_text=True)
    assert 'data-block-result="positive"' in episode and "peak relief 90%" in episode
    assert "<svg" in episode and 'role="img"' in episode and "Relief at each entry" in episode
    assert "a second (confirmatory) diagnostic block is the next step" in episode
    request_page = client.get(f"/staff/requests/{request_row['reference']}").get_data(as_text=True)
    assert "Block and pain diary" in request_page and "peak relief 90%" in request_page
    intake = client.get(f"/staff/requests/{request_row['reference']}/intake").get_data(as_text=True)
    assert "Block and pain diary" in intake


def test_late_entries_are_taken_at_their_real_time_and_a_correction_is_a_new_entry(
    app, client, auth, db, make_request, diary_patient, at
):
    request_row = make_request()
    sign_in_again(client, auth, "physician")
    record(client, request_row["reference"])
    row = block_row(db)
    diary_patient.open(code_of(row))
    diary_patient.baseline(8)
    at(60)  # 65 minutes after the injection: the 15 and 30 minute entries were missed; the 1-hour one is open
    assert "Your entry for 1 hour after the injection" in diary_patient.page()
    assert diary_patient.entry(15, 0).status_code == 303  # a missed time cannot be filled in afterwards
    assert diary_patient.entry(60, 1).status_code == 303
    at(110)
    assert diary_patient.entry(60, 6, correct="1").status_code == 303
    stored = list(db.query("SELECT slot, pain, observed_at, correction FROM diary_entries WHERE kind = 'scheduled'"))
    assert [(e["slot"], e["pain"], e["correction"]) for e in stored] == [(60, 1, 0), (60, 6, 1)]
    assert stored[0]["observed_at"] == stored[1]["observed_at"] == clock.iso(NOW + timedelta(minutes=60))
    page = diary_patient.page()
    assert "6 out of 10" in page and "1 out of 10" not in page


def test_the_patient_page_refuses_bad_answers_with_messages_and_keeps_them(
    app, client, auth, db, make_request, diary_patient, at
):
    request_row = make_request()
    sign_in_again(client, auth, "physician")
    record(client, request_row["reference"])
    diary_patient.open(code_of(block_row(db)))
    assert diary_patient.post("/diary/baseline", pain="11").status_code == 400
    diary_patient.baseline(7)
    at(10)
    response = diary_patient.post("/diary/entry", slot="15", pain="3")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Say whether you tried the activity" in html
    assert re.search(r'name="pain" value="3"\s+checked', html)  # the answer given is kept


def test_forged_and_expired_codes_are_refused_and_a_diary_opens_nothing_else(
    app, client, auth, db, make_request, diary_patient, at
):
    first, second = make_request(), make_request()
    sign_in_again(client, auth, "physician")
    record(client, first["reference"])
    record(client, second["reference"])
    one, two = list(db.query("SELECT * FROM blocks ORDER BY id"))
    forged = code_of(one)[:-1] + ("A" if code_of(one)[-1] != "A" else "B")
    response = diary_patient.open(forged)
    assert response.status_code == 400 and "does not open a diary" in response.get_data(as_text=True)

    assert diary_patient.open(code_of(one)).status_code == 303
    diary_patient.baseline(9)
    assert next(db.query("SELECT count(*) AS n FROM diary_entries WHERE block_id = ?", [two["id"]]))["n"] == 0
    for path in (
        "/staff/",
        f"/staff/requests/{first['reference']}",
        f"/staff/requests/{first['reference']}/diary",
        f"/staff/blocks/{one['id']}/sheet",
        f"/staff/blocks/{one['id']}/diary.fhir.json",
    ):
        assert "/staff/login" in diary_patient.client.get(path).headers.get("Location", ""), path

    at(48 * 60)  # 48 hours after the injection, plus the 5 minutes it was given before NOW
    assert "This diary is closed" not in diary_patient.page()  # the session shows the code form again
    assert "Enter the code" in diary_patient.page() or "diary code" in diary_patient.page()
    assert diary_patient.post("/diary/baseline", pain="3").status_code in (400, 403)
    assert diary_patient.open(code_of(one)).status_code == 400


def test_roles_front_desk_sees_progress_not_scores_admin_sees_nothing(
    app, client, auth, db, make_request, diary_patient, at, staff
):
    request_row = make_request()
    auth.login("front_desk")
    html = client.get(f"/staff/requests/{request_row['reference']}/blocks/new").get_data(as_text=True)
    assert "on this physician" in html
    response = record(client, request_row["reference"], physician=str(staff["physician"].id))
    assert response.status_code == 303
    row = block_row(db)
    assert (row["physician_id"], row["recorded_by"]) == (staff["physician"].id, staff["front_desk"].id)
    diary_patient.open(code_of(row))
    keep_diary(at, diary_patient, [(15, 1), (30, 1)], baseline=10)
    at(90)  # the 1-hour entry is now overdue by more than 30 minutes
    sign_in_again(client, auth, "front_desk")

    reference = request_row["reference"]
    desk = client.get(f"/staff/requests/{reference}/diary").get_data(as_text=True)
    assert "entries 2 of 8" in desk and "missing: 1 hour" in desk
    assert "data-block-result" not in desk and "relief-svg" not in desk
    assert "90%" not in desk and "Relief at each entry" not in desk
    assert client.get(f"/staff/blocks/{row['id']}/diary.fhir.json").status_code == 403
    diaries = client.get("/staff/diaries").get_data(as_text=True)
    assert "Diaries missing entries" in diaries and request_row["full_name"] in diaries
    assert "Diaries to review" not in diaries

    auth.logout()
    auth.login("admin")
    for path in (
        f"/staff/requests/{reference}/diary",
        "/staff/diaries",
        f"/staff/blocks/{row['id']}/sheet",
        f"/staff/requests/{reference}/blocks/new",
    ):
        assert client.get(path).status_code == 403, path

    auth.logout()
    auth.login("physician")
    doctor = client.get(f"/staff/requests/{reference}/diary").get_data(as_text=True)
    assert 'data-block-result="positive"' in doctor and "Relief at each entry" in doctor


def test_staff_views_and_entries_are_audited_without_health_data(
    app, client, auth, db, make_request, diary_patient, at
):
    request_row = make_request()
    sign_in_again(client, auth, "physician")
    record(client, request_row["reference"])
    row = block_row(db)
    client.get(f"/staff/requests/{request_row['reference']}/diary")
    client.get(f"/staff/blocks/{row['id']}/sheet")
    diary_patient.open(code_of(row))
    keep_diary(at, diary_patient, [(15, 7)], baseline=9)
    audit = list(db.query("SELECT action, user_id, object_id, detail FROM audit_log ORDER BY id"))
    actions = [a["action"] for a in audit]
    for action in ("block_recorded", "view_diary", "print_diary_sheet", "diary_opened", "diary_entry"):
        assert action in actions, action
    details = " ".join(a["detail"] or "" for a in audit)
    assert '"pain"' not in details and "L4-5" not in details and "lidocaine" not in details
    patient_rows = [a for a in audit if a["action"] == "diary_entry"]
    assert all(a["user_id"] is None and a["object_id"] == str(row["id"]) for a in patient_rows)


def test_paper_entries_typed_by_staff_are_marked_and_audited(app, client, auth, db, make_request, at):
    request_row = make_request()
    auth.login("front_desk")
    record(client, request_row["reference"])
    row = block_row(db)
    url = f"/staff/blocks/{row['id']}/paper"
    local = NOW.astimezone(ZoneInfo("America/New_York"))
    html = client.get(url).get_data(as_text=True)
    base = {"csrf_token": csrf_token(html), "observed_date": local.strftime("%Y-%m-%d")}
    baseline = {**base, "entry": "baseline", "observed_time": "09:50", "pain": "8"}
    assert client.post(url, data=baseline).status_code == 303
    missing = client.post(url, data={**base, "entry": "15", "observed_time": "10:10", "pain": "2"})
    assert missing.status_code == 400 and "Say whether the patient tried the activity" in missing.get_data(as_text=True)
    assert (
        client.post(
            url, data={**base, "entry": "15", "observed_time": "10:10", "pain": "2", "tried": "yes", "medicine": "no"}
        ).status_code
        == 303
    )
    stored = list(db.query("SELECT kind, slot, pain, entered_by FROM diary_entries ORDER BY id"))
    assert [(e["kind"], e["slot"], e["pain"]) for e in stored] == [("baseline", None, 8), ("scheduled", 15, 2)]
    assert all(e["entered_by"] for e in stored)
    assert [a["action"] for a in db.query("SELECT action FROM audit_log WHERE action = 'diary_paper_entry'")] == [
        "diary_paper_entry"
    ] * 2
    auth.logout()
    auth.login("physician")
    assert "paper, entered by Test front_desk" in client.get(
        f"/staff/requests/{request_row['reference']}/diary"
    ).get_data(as_text=True)


def test_the_link_is_emailed_through_the_outbox_without_the_code_or_health_data(
    app, client, auth, db, make_request, at
):
    request_row = make_request()
    auth.login("front_desk")
    record(client, request_row["reference"])
    row = block_row(db)
    html = client.get(f"/staff/requests/{request_row['reference']}/diary").get_data(as_text=True)
    for _ in range(2):  # sent again on request (a second block would need its own)
        assert client.post(f"/staff/blocks/{row['id']}/email", data={"csrf_token": csrf_token(html)}).status_code == 303
    messages = list(db.query("SELECT * FROM outbox WHERE kind = 'diary_link'"))
    assert len(messages) == 2 and messages[0]["recipient"] == request_row["email"]
    stored = messages[0]["subject"] + messages[0]["body"]
    code = code_of(row)
    assert code not in stored and "[[diary-code:" in stored
    for word in ("pain", "block", "injection", "lidocaine", "L4-5", request_row["full_name"]):
        assert word.lower() not in stored.lower(), word
    sent = mailer.build(messages[0], "Clinic <c@example.com>", "test-secret").get_content()
    assert f"/diary/#{code}" in sent


def test_two_positive_blocks_lead_to_the_ablation_message(app, client, auth, db, make_request, diary_patient, at):
    request_row = make_request()
    auth.login("physician")
    reference = request_row["reference"]
    record(client, reference)
    diary_patient.open(code_of(block_row(db, 1)))
    keep_diary(at, diary_patient, [(15, 2), (30, 1), (60, 1), (120, 5)], baseline=10)

    at(7 * 24 * 60 - 60)  # a week later: the second block, with a longer-acting medicine
    sign_in_again(client, auth, "physician")
    record(
        client,
        reference,
        block_number="2",
        medicine="bupivacaine",
        **_local_time(NOW + timedelta(days=7) - timedelta(minutes=65)),
    )
    second = DiaryPatient(app)
    second.open(code_of(block_row(db, 2)))
    second.baseline(10)
    injected = clock.parse(block_row(db, 2)["injected_at"])
    for slot, pain in [(15, 1), (30, 1), (60, 1), (120, 1), (180, 1), (240, 6)]:
        moment = injected + timedelta(minutes=slot)
        at((moment - NOW).total_seconds() / 60)
        assert second.entry(slot, pain).status_code == 303
    sign_in_again(client, auth, "physician")
    page = client.get(f"/staff/requests/{reference}/diary").get_data(as_text=True)
    assert "Meets the 80% criterion for radiofrequency ablation" in page
    assert 'data-durations-agree="True"' in page


def _local_time(moment):
    local = moment.astimezone(ZoneInfo("America/New_York"))
    return {"injected_date": local.strftime("%Y-%m-%d"), "injected_time": local.strftime("%H:%M")}


def test_a_negative_first_block_says_no_second_block(app, client, auth, db, make_request, diary_patient, at):
    request_row = make_request()
    sign_in_again(client, auth, "physician")
    record(client, request_row["reference"])
    diary_patient.open(code_of(block_row(db)))
    keep_diary(at, diary_patient, [(15, 8), (30, 7), (60, 8)], baseline=9)
    sign_in_again(client, auth, "physician")
    page = client.get(f"/staff/requests/{request_row['reference']}/diary").get_data(as_text=True)
    assert 'data-block-result="negative"' in page
    assert "a second diagnostic block is not indicated under the coverage rules" in page


def test_record_block_form_errors_are_shown_next_to_the_fields(app, client, auth, db, make_request, at):
    request_row = make_request()
    auth.login("physician")
    reference = request_row["reference"]
    response = record(client, reference, levels=[], medicine="other", injected_time="25:99")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in (
        "Choose at least one level",
        "Enter the name of the other medicine",
        "Enter the other medicine",
        "Enter the date as YYYY-MM-DD",
    ):
        assert message in html, message
    assert record(client, reference, block_number="2").status_code == 400  # no first block yet
    assert record(client, reference, medicine="other", medicine_other="Articaine", other_hours="3").status_code == 303
    assert (block_row(db)["medicine_other"], block_row(db)["expected_hours"]) == ("Articaine", 3)
    assert "already recorded" in record(client, reference).get_data(as_text=True)
    future = _local_time(NOW + timedelta(hours=2))
    assert "in the future" in record(client, reference, block_number="2", **future).get_data(as_text=True)


def test_fhir_export_validates_as_r4b_and_codes_each_score_with_loinc(
    app, client, auth, db, make_request, diary_patient, at
):
    request_row = make_request()
    sign_in_again(client, auth, "physician")
    record(client, request_row["reference"])
    row = block_row(db)
    diary_patient.open(code_of(row))
    keep_diary(at, diary_patient, [(15, 2), (30, 1)], baseline=10)
    sign_in_again(client, auth, "physician")
    response = client.get(f"/staff/blocks/{row['id']}/diary.fhir.json")
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    resource = response.get_json()
    Bundle.model_validate(resource)
    observations = [e["resource"] for e in resource["entry"]]
    scores = [o for o in observations if o["code"].get("coding", [{}])[0].get("code") == "72514-3"]
    assert [o["valueInteger"] for o in scores] == [10, 2, 1]
    result = observations[-1]
    assert result["valueCodeableConcept"]["coding"][0]["code"] == "positive"
    assert request_row["full_name"] not in response.get_data(as_text=True)
    assert "export_diary_fhir" in [a["action"] for a in db.query("SELECT action FROM audit_log")]


def test_diaries_to_review_until_a_physician_marks_them(app, client, auth, db, make_request, diary_patient, at):
    request_row = make_request()
    sign_in_again(client, auth, "physician")
    record(client, request_row["reference"])
    row = block_row(db)
    diary_patient.open(code_of(row))
    keep_diary(at, diary_patient, [(15, 2), (30, 1)], baseline=10)
    sign_in_again(client, auth, "physician")
    assert request_row["full_name"] not in to_review(client)
    at(6 * 60)  # past the last scheduled time
    sign_in_again(client, auth, "physician")
    assert request_row["full_name"] in to_review(client)
    page = client.get("/staff/diaries").get_data(as_text=True)
    client.post(f"/staff/blocks/{row['id']}/review", data={"csrf_token": csrf_token(page)})
    assert request_row["full_name"] not in to_review(client)


def test_the_queue_filters_diaries_to_review_and_diaries_missing_entries(
    app, client, auth, db, make_request, diary_patient, at
):
    kept, other = make_request(name="Diary Keeper"), make_request(name="No Diary")
    sign_in_again(client, auth, "physician")
    record(client, kept["reference"])
    diary_patient.open(code_of(block_row(db)))
    keep_diary(at, diary_patient, [(15, 2), (30, 1)], baseline=10)

    def queue(role, which):
        sign_in_again(client, auth, role)
        html = client.get(f"/staff/?diary={which}").get_data(as_text=True)
        return kept["full_name"] in html, other["full_name"] in html

    at(90)  # the 1-hour entry is overdue by more than 30 minutes: the front desk may call
    assert queue("front_desk", "missing") == (True, False)
    assert queue("physician", "review") == (False, False)  # not over yet
    at(6 * 60)  # past the last scheduled time
    assert queue("physician", "review") == (True, False)
    page = client.get("/staff/diaries").get_data(as_text=True)
    client.post(f"/staff/blocks/{block_row(db)['id']}/review", data={"csrf_token": csrf_token(page)})
    assert queue("physician", "review") == (False, False)
    assert "Pain diary after a block" in client.get("/staff/").get_data(as_text=True)  # offered among the filters


def to_review(client):
    return client.get("/staff/diaries").get_data(as_text=True).split("Diaries missing")[0]


DIARY_FIELDS = [
    "code",
    "pain",
    "tried",
    "medicine",
    "slot",
    "correct",
    "returned",
    "block_number",
    "injected_date",
    "injected_time",
    "levels",
    "side",
    "medicine_other",
    "other_hours",
    "sedation",
    "physician",
    "entry",
    "observed_date",
    "observed_time",
]


@pytest.mark.parametrize("role", ["front_desk", "physician"])
def test_hostile_input_never_causes_a_server_error_in_the_diary(
    app, client, auth, db, make_request, diary_patient, at, role
):
    from .test_robustness import NASTY

    request_row = make_request()
    auth.login(role)
    record(client, request_row["reference"])
    row = block_row(db)
    diary_patient.open(code_of(row))
    diary_patient.baseline(8)
    at(20)
    sign_in_again(client, auth, role)
    staff_token = csrf_token(client.get("/staff/").get_data(as_text=True))
    patient_token = csrf_token(diary_patient.page())
    reference = request_row["reference"]
    staff_urls = [
        f"/staff/requests/{reference}/blocks/new",
        f"/staff/blocks/{row['id']}/paper",
        f"/staff/blocks/{row['id']}/email",
        f"/staff/blocks/{row['id']}/review",
    ]
    failures = []
    for value in NASTY:
        values = dict.fromkeys(DIARY_FIELDS, value)
        for url in staff_urls:
            if client.post(url, data={**values, "csrf_token": staff_token}).status_code >= 500:
                failures.append((url, value[:20]))
        for url in ("/diary/open", "/diary/baseline", "/diary/entry", "/diary/return"):
            if diary_patient.client.post(url, data={**values, "csrf_token": patient_token}).status_code >= 500:
                failures.append((url, value[:20]))
        if diary_patient.client.get("/diary/", query_string={"correct": value}).status_code >= 500:
            failures.append(("/diary/?correct", value[:20]))
    assert failures == []


def test_the_rebuilt_outbox_keeps_its_rows_and_sends_other_messages_once(tmp_path):
    from screening.db import connect
    from screening.migrations import migrations
    from screening.notify import outbox

    db = connect(tmp_path / "old.db")
    migrations.apply(db, stop_before="m017_outbox_diary_link")
    db.execute(
        "INSERT INTO outbox (kind, request_id, recipient, subject, body, next_attempt_at, created_at)"
        " VALUES ('resume_link', NULL, 'p@example.com', 's', 'b', '2026-01-01', '2026-01-01')"
    )
    migrations.apply(db)
    assert [r["kind"] for r in db.query("SELECT kind FROM outbox")] == ["resume_link"]
    db.execute("PRAGMA foreign_keys=OFF")  # a request row would need a screening: not what is tested here
    for _ in range(2):
        outbox._enqueue(db, "overdue_reminder", 1, "desk@example.com", "s", "b")
        outbox._enqueue(db, "diary_link", 1, "p@example.com", "s", "b")
    kinds = [r["kind"] for r in db.query("SELECT kind FROM outbox ORDER BY id")]
    assert kinds == ["resume_link", "overdue_reminder", "diary_link", "diary_link"]
    db.close()
