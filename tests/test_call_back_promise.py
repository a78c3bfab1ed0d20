"""The call-back promise counts the clinic's hours and holidays, in plain words, everywhere it is shown."""

from datetime import UTC, datetime

import pytest

from screening import clock, create_app
from screening.db import init_db

from .answers import LIKELY, SAME_DAY
from .conftest import AuthActions, Patient, test_settings

FRIDAY_8_PM = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)  # Friday, November 27, 8 p.m. in New York


@pytest.fixture
def clinic(tmp_path, monkeypatch):
    """An app with Monday-to-Friday hours; the clock stands at Friday 8 p.m. unless a test moves it."""

    def make(**settings):
        hours = {"CLINIC_HOURS": "Mon-Fri 08:00-17:00", "CLINIC_TIMEZONE": "America/New_York"}
        app = create_app(test_settings(tmp_path, **{**hours, **settings}))
        init_db(app.config["DATABASE"])
        return app

    monkeypatch.setattr(clock, "now", lambda: FRIDAY_8_PM)
    return make


def send(app, answers=LIKELY):
    patient = Patient(app.test_client())
    patient.complete(answers)
    assert patient.send_request().headers["Location"] == "/done"
    return patient


def due_at(app):
    from screening.db import connect

    return next(connect(app.config["DATABASE"]).query("SELECT due_at FROM requests"))["due_at"]


@pytest.mark.parametrize(
    "settings, due, words",
    [
        ({}, "2026-11-30T13:00:00+00:00", "Monday by 8 a.m."),  # 24 h is Saturday 8 p.m.: closed, so Monday
        ({"CLINIC_HOLIDAYS": "2026-11-30"}, "2026-12-01T13:00:00+00:00", "Tuesday by 8 a.m."),
        ({"CONTACT_SLA_MODE": "business"}, "2026-12-02T19:00:00+00:00", "Wednesday by 2 p.m."),  # 9 + 9 + 6 hours
    ],
)
def test_a_request_sent_friday_evening_is_promised_a_time_the_clinic_keeps(clinic, settings, due, words):
    app = clinic(**settings)
    patient = send(app)
    assert due_at(app) == due
    done = patient.client.get("/done").get_data(as_text=True)
    assert f"We will call you {words}" in done and "a.m.." not in done and "p.m.." not in done


def test_the_request_form_and_summary_say_the_same_time_before_sending(clinic):
    app = clinic()
    patient = Patient(app.test_client())
    patient.complete(LIKELY)
    assert "If you send this now, we will call you Monday by 8 a.m." in patient.page("/request")
    assert "The clinic is closed now. It opens again Monday at 8 a.m." in patient.page("/request")
    assert "If you send it now, we will call you Monday by 8 a.m. to find a time" in patient.page("/summary")


def test_staff_see_the_same_due_time(clinic, staff):
    app = clinic()
    send(app)
    from screening.db import connect

    reference = next(connect(app.config["DATABASE"]).query("SELECT reference FROM requests"))["reference"]
    auth = AuthActions(app.test_client())
    auth.login()
    page = auth.client.get(f"/staff/requests/{reference}").get_data(as_text=True)
    assert "Nov 30, 8:00 a.m." in page


def test_an_urgent_request_outside_hours_gets_care_advice_first_then_when_we_will_call(clinic):
    app = clinic()
    patient = Patient(app.test_client())
    patient.complete(SAME_DAY)
    urgent = patient.page("/get-care-now")
    closed = "The clinic is closed now. It opens again Monday at 8 a.m."
    assert urgent.index("See a doctor today") < urgent.index(closed)  # where to get care comes first
    assert "if you send it now we will call you Monday by 10 a.m." in urgent  # 2 opening hours
    patient.send_request()
    assert due_at(app) == "2026-11-30T15:00:00+00:00"


def test_evening_calls_are_offered_only_when_the_clinic_is_open_then(clinic, tmp_path):
    weekdays = Patient(clinic().test_client())
    weekdays.complete(LIKELY)
    page = weekdays.page("/request")
    assert 'value="evening"' not in page and "Mornings, 8 a.m. to 12 noon" in page
    afternoons = Patient(clinic(CLINIC_HOURS="Mon-Fri 14:00-19:00", DATABASE=str(tmp_path / "late.db")).test_client())
    afternoons.complete(LIKELY)
    page = afternoons.page("/request")
    assert 'value="morning"' not in page and "Afternoons, 2 p.m. to 5 p.m." in page
    assert "Early evenings, 5 p.m. to 7 p.m." in page and "We call Monday to Friday, 2 p.m. to 7 p.m." in page


@pytest.mark.parametrize(
    "setting, value, message",
    [
        ("CLINIC_HOURS", "Mon-Fri 9-5", "Clinic hours"),
        ("CLINIC_HOLIDAYS", "Christmas", "Clinic holidays"),
        ("CONTACT_SLA_MODE", "weekly", "CONTACT_SLA_MODE"),
    ],
)
def test_a_malformed_setting_stops_the_app_at_start_up_with_a_clear_message(tmp_path, setting, value, message):
    with pytest.raises(ValueError, match=message):
        create_app(test_settings(tmp_path, **{setting: value}))


def test_landing_shows_address_hours_holidays_and_parking_from_the_configuration(clinic):
    app = clinic(
        CLINIC_ADDRESS=["12 River Road", "Suite 300", "Springfield, IL 62701"],
        CLINIC_PARKING="Free parking behind the building.",
        CLINIC_HOLIDAYS="2026-12-25",
    )
    html = app.test_client().get("/").get_data(as_text=True)
    assert "<address>12 River Road<br>Suite 300<br>Springfield, IL 62701</address>" in html
    assert "Open Monday to Friday, 8 a.m. to 5 p.m., closed on public holidays." in html
    assert "Parking: Free parking behind the building." in html


@pytest.mark.parametrize("now", [FRIDAY_8_PM, datetime(2026, 11, 30, 16, 0, tzinfo=UTC)])  # closed; open
def test_no_sentence_ends_in_a_double_full_stop_on_any_patient_page_or_email(clinic, monkeypatch, now, tmp_path):
    import re
    from pathlib import Path

    from screening.notify import run_once

    from .conftest import csrf_token

    monkeypatch.setattr(clock, "now", lambda: now)
    app = clinic(CLINIC_HOLIDAYS="2026-12-25", SMTP_HOST="")
    pages = []
    for answers in (LIKELY, SAME_DAY):
        patient = Patient(app.test_client())
        patient.complete(answers)
        pages += [patient.page(url) for url in ("/", "/summary", "/request", "/save-for-later")]
        if answers is SAME_DAY:
            pages.append(patient.page("/get-care-now"))
        html = patient.page("/save-for-later")
        patient.client.post("/save-for-later", data={"csrf_token": csrf_token(html), "email": "pat@example.com"})
        pages.append(patient.page("/save-for-later"))
        pages.append(patient.send_request(phone="12").get_data(as_text=True))
        patient.send_request()
        pages += [patient.page(url) for url in ("/done", "/done/summary", "/")]
    with app.app_context():
        run_once(app, "worker")
    emails = [p.read_text() for p in (Path(app.instance_path) / "outbox").glob("*.eml")]
    assert len(emails) == 6  # front desk, patient and a finish-later link, for each patient
    for text in pages + emails:
        doubled = re.findall(r".{30}(?:[ap]\.m\.\.|\w\.\.(?!\.)).{0,10}", text)
        assert not doubled, doubled
