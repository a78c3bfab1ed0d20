"""Save and finish later: an emailed single-use code opens the same draft in another browser."""

import email
import json
import re
from datetime import timedelta
from email import policy
from pathlib import Path

from screening import clock
from screening.db import connect
from screening.notify import run_once
from screening.patient import drafts

from .answers import LIKELY
from .conftest import Patient, csrf_token


def ask_for_code(patient, email="pat@example.com"):
    html = patient.page("/save-for-later")
    response = patient.client.post("/save-for-later", data={"csrf_token": csrf_token(html), "email": email})
    assert response.status_code == 303 and response.headers["Location"] == "/save-for-later"
    return patient.client.get("/save-for-later").get_data(as_text=True)


def emailed(app, to="pat@example.com"):
    """(text, link, code) of the newest finish-later email to `to`, after the delivery worker ran."""
    with app.app_context():
        run_once(app, "worker")
    messages = [
        email.message_from_bytes(p.read_bytes(), policy=policy.default)
        for p in sorted((Path(app.instance_path) / "outbox").glob("*-resume_link.eml"))
    ]
    text = [m.get_content() for m in messages if m["To"] == to][-1]
    link = re.search(r"(https?://\S+/resume#(\S+))", text)
    return text, link.group(1), link.group(2)


def use(app, code, client=None):
    client = client or app.test_client()
    page = client.get("/resume").get_data(as_text=True)
    return client, client.post("/resume", data={"csrf_token": csrf_token(page), "code": code})


def half_way(app):
    patient = Patient(app.test_client())
    patient.start()
    patient.answer("age", {"age_band": LIKELY["age_band"]})
    patient.answer("urgent", {"red_flags": ["none"]})
    return patient


def test_the_code_opens_the_same_draft_in_another_browser_once(app, db):
    app.config.update(SMTP_HOST="")
    phone = half_way(app)
    assert "We are sending a link to <strong>p•••@example.com</strong>" in ask_for_code(phone)
    text, link, code = emailed(app)
    assert re.fullmatch(r"([0-9A-Z]{4}-){3}[0-9A-Z]{4}", code) and f"enter this code:\n{code}" in text
    assert "works once" in text and "red_flags" not in text and "none" not in text.lower()  # no answers in it

    laptop, response = use(app, code.lower().replace("-", " "))  # typed by hand, any case or spacing
    assert response.status_code == 303 and response.headers["Location"] == "/step/pain"  # where the phone stopped
    assert laptop.get_cookie(drafts.COOKIE_NAME) is not None and db["drafts"].count == 1
    assert json.loads(next(db.query("SELECT answers FROM drafts"))["answers"])["red_flags"] == ["none"]

    _again, response = use(app, code)
    assert response.status_code == 410 and "This code cannot be used" in response.get_data(as_text=True)
    assert phone.client.get("/continue").headers["Location"] == "/"  # the phone's old key opens nothing


def test_the_code_is_never_stored_and_never_in_a_url(app, db):
    app.config.update(SMTP_HOST="")
    ask_for_code(half_way(app))
    _text, link, code = emailed(app)
    assert "/resume#" in link  # after "#": browsers never send it, so no access log holds it
    dump = "\n".join(connect(app.config["DATABASE"]).conn.iterdump())
    assert code not in dump and code.replace("-", "") not in dump  # a database copy opens nothing


def test_only_the_newest_code_works_and_using_one_cancels_the_others(app, db):
    app.config.update(SMTP_HOST="")
    phone = half_way(app)
    ask_for_code(phone, "typo@exmaple.com")
    _text, _link, mistyped = emailed(app, "typo@exmaple.com")
    ask_for_code(phone, "pat@example.com")
    _text, _link, right = emailed(app, "pat@example.com")
    assert use(app, mistyped)[1].status_code == 410  # replaced by the newer code
    assert use(app, right)[1].status_code == 303
    assert db["resume_links"].count == 1 and next(db.query("SELECT used_at FROM resume_links"))["used_at"]


def test_the_code_expires_with_the_draft(app, db, monkeypatch):
    app.config.update(SMTP_HOST="")
    ask_for_code(half_way(app))
    _text, _link, code = emailed(app)
    later = clock.now() + timedelta(days=8)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert use(app, code)[1].status_code == 410


def test_a_bad_address_and_a_made_up_code_are_refused_kindly(app, client):
    patient = half_way(app)
    page = patient.page("/save-for-later")
    response = patient.client.post("/save-for-later", data={"csrf_token": csrf_token(page), "email": "pat@"})
    assert response.status_code == 200 and "Enter an email address like" in response.get_data(as_text=True)
    _client, response = use(app, "ABCD-EFGH-JKMN-PQRS")
    assert response.status_code == 410 and 'href="#code"' in response.get_data(as_text=True)
    assert use(app, "x" * 5000)[1].status_code == 410
    assert connect(app.config["DATABASE"])["resume_links"].count == 0


def test_purge_deletes_expired_codes_and_their_sent_emails(app, db, runner, monkeypatch):
    app.config.update(SMTP_HOST="")
    ask_for_code(half_way(app))
    emailed(app)
    later = clock.now() + timedelta(days=8)
    monkeypatch.setattr(clock, "now", lambda: later)
    runner.invoke(args=["purge"])
    assert db["resume_links"].count == 0
    assert not list(db.query("SELECT 1 FROM outbox WHERE kind = 'resume_link'"))
