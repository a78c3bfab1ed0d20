"""Save and finish later: an emailed single-use link opens the same draft in another browser."""
import json
import re
from datetime import timedelta
from pathlib import Path

from screening import clock
from screening.db import connect
from screening.notify import run_once
from screening.patient import drafts

from .answers import LIKELY
from .conftest import Patient, csrf_token


def ask_for_link(patient, email="pat@example.com"):
    html = patient.page("/save-for-later")
    response = patient.client.post("/save-for-later", data={"csrf_token": csrf_token(html), "email": email})
    assert response.status_code == 303 and response.headers["Location"] == "/save-for-later"
    return patient.client.get("/save-for-later").get_data(as_text=True)


def emailed_link(app):
    with app.app_context():
        run_once(app, "worker")
    [eml] = (Path(app.instance_path) / "outbox").glob("*-resume_link.eml")
    text = eml.read_text()
    return text, re.search(r"https?://\S+/resume/(\S+)", text).group(1)


def half_way(app):
    patient = Patient(app.test_client())
    patient.start()
    patient.answer("age", {"age_band": LIKELY["age_band"]})
    patient.answer("urgent", {"red_flags": ["none"]})
    return patient


def test_the_link_opens_the_same_draft_in_another_browser_once(app, db):
    app.config.update(SMTP_HOST="")
    phone = half_way(app)
    page = ask_for_link(phone)
    assert "We are sending a link to <strong>p•••@example.com</strong>" in page
    text, token = emailed_link(app)
    assert "works once" in text and "red_flags" not in text and "none" not in text.lower()  # no answers in it

    laptop = Patient(app.test_client())
    landing = laptop.client.get(f"/resume/{token}").get_data(as_text=True)
    assert "Continue my screening" in landing
    assert laptop.client.get(f"/resume/{token}").status_code == 200  # looking (a mail scanner) uses nothing up
    response = laptop.client.post("/resume", data={"csrf_token": csrf_token(landing), "token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/step/pain"  # where the phone stopped
    assert laptop.client.get_cookie(drafts.COOKIE_NAME) is not None
    assert db["drafts"].count == 1
    assert json.loads(next(db.query("SELECT answers FROM drafts"))["answers"])["red_flags"] == ["none"]

    # Used once: a second use is refused, and the phone's old key no longer opens the answers.
    again = Patient(app.test_client())
    page = again.client.get(f"/resume/{token}").get_data(as_text=True)
    assert "This link cannot be used" in page
    assert again.client.post("/resume", data={"csrf_token": csrf_token(page), "token": token}).status_code == 410
    assert phone.client.get("/continue").headers["Location"] == "/"


def test_the_link_expires_with_the_draft(app, db, monkeypatch):
    app.config.update(SMTP_HOST="")
    ask_for_link(half_way(app))
    _text, token = emailed_link(app)
    later = clock.now() + timedelta(days=8)
    monkeypatch.setattr(clock, "now", lambda: later)
    page = Patient(app.test_client()).client.get(f"/resume/{token}").get_data(as_text=True)
    assert "This link cannot be used" in page


def test_a_forged_link_and_a_bad_address_are_refused_kindly(app, client):
    patient = half_way(app)
    page = patient.page("/save-for-later")
    response = patient.client.post("/save-for-later", data={"csrf_token": csrf_token(page), "email": "pat@"})
    assert response.status_code == 200 and "Enter an email address like" in response.get_data(as_text=True)
    assert "This link cannot be used" in client.get("/resume/" + "A" * 43).get_data(as_text=True)
    assert client.get("/resume/" + "x" * 5000).status_code in (200, 404)
    assert connect(app.config["DATABASE"])["resume_links"].count == 0


def test_purge_deletes_expired_links_and_their_sent_emails(app, db, runner, monkeypatch):
    app.config.update(SMTP_HOST="")
    ask_for_link(half_way(app))
    emailed_link(app)
    later = clock.now() + timedelta(days=8)
    monkeypatch.setattr(clock, "now", lambda: later)
    runner.invoke(args=["purge"])
    assert db["resume_links"].count == 0
    assert not list(db.query("SELECT 1 FROM outbox WHERE kind = 'resume_link'"))
