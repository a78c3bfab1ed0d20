"""When the disk is full or the database is read-only: an honest page, nothing lost, recovery on its own.

The faults are real SQLite refusals: a database with 512-byte pages and
`max_page_count` pinned to its size cannot grow (SQLITE_FULL, what a full disk
gives), and `query_only` refuses every write (SQLITE_READONLY, what a read-only
file gives).
"""

import json
import re
import sqlite3

import pytest

from screening import create_app
from screening import db as database
from screening.db import connect, init_db

from .answers import LIKELY
from .conftest import Patient, test_settings


@pytest.fixture
def app(tmp_path):
    """The usual test app on a database with small pages, so that any sizeable write must grow it."""
    path = tmp_path / "test.db"
    with sqlite3.connect(path) as fresh:
        fresh.execute("PRAGMA page_size = 512")
        fresh.execute("VACUUM")
    app = create_app(test_settings(tmp_path))
    init_db(app.config["DATABASE"])
    yield app


def page_count(app):
    with sqlite3.connect(app.config["DATABASE"]) as db:
        return db.execute("PRAGMA page_count").fetchone()[0]


@pytest.fixture(params=["disk full", "read-only"])
def fault(request, app, monkeypatch):
    """Start the fault with fault.start(); fault.stop() is the administrator fixing it."""

    class Fault:
        kind = request.param

        def start(self):
            if self.kind == "read-only":
                monkeypatch.setattr(database, "PRAGMAS", (*database.PRAGMAS, "PRAGMA query_only = ON"))
                return
            # Fill the database up to a size it may not pass: as on a full disk, nothing new fits.
            db = connect(app.config["DATABASE"])
            limit = f"PRAGMA max_page_count = {next(db.query('PRAGMA page_count'))['page_count'] + 20}"
            db.execute(limit)
            db.execute("CREATE TABLE ballast (x TEXT) STRICT")
            with pytest.raises(sqlite3.OperationalError, match="full"):
                while True:
                    db.execute("INSERT INTO ballast VALUES (?)", ["x" * 100])
            db.close()
            monkeypatch.setattr(database, "PRAGMAS", (*database.PRAGMAS, limit))

        def stop(self):
            monkeypatch.undo()
            if self.kind == "disk full":  # space freed
                connect(app.config["DATABASE"]).execute("DROP TABLE ballast")

    return Fault()


def draft_answers(app):
    return json.loads(next(connect(app.config["DATABASE"]).query("SELECT answers FROM drafts"))["answers"])


def answer_until(patient, last_step_id):
    """Answer the LIKELY answers step by step, up to (not including) `last_step_id`."""
    from screening import questionnaire

    patient.start()
    definition = questionnaire.current()
    for step in definition.steps[: definition.step_ids.index(last_step_id)]:
        items = definition.shown_items(step, LIKELY)
        patient.answer(
            step.id,
            {i.link_id: LIKELY[i.link_id] for i in items if i.link_id in LIKELY},
            asked=" ".join(i.link_id for i in items),
        )


def test_a_step_that_cannot_be_saved_says_so_and_shows_the_answers_again(app, fault):
    patient = Patient(app.test_client())
    answer_until(patient, "peg")
    before = draft_answers(app)
    fault.start()
    peg = {"peg_pain": "7", "peg_enjoyment": "6", "peg_activity": "8"}
    response = patient.answer("peg", peg, asked=" ".join(peg))
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert "We could not save this page" in html and "Your answers are still below" in html
    assert "answers are saved" not in html
    assert all(re.search(rf'name="{k}" value="{v}"\s*checked', html) for k, v in peg.items())  # to send again
    fault.stop()
    db = connect(app.config["DATABASE"])
    assert draft_answers(app) == before and db["screenings"].count == 0  # nothing half-saved
    response = patient.answer("peg", peg, asked=" ".join(peg))
    assert response.status_code == 303  # recovered by itself once the fault is fixed
    assert draft_answers(app)["peg_pain"] == 7 and db["screenings"].count == 1


def test_a_request_that_cannot_be_stored_keeps_every_detail_and_stores_once_after(app, fault):
    patient = Patient(app.test_client())
    patient.complete(LIKELY)
    fault.start()
    message = "Please call after 4 p.m., I work mornings at the bakery on Elm Street. " * 12
    response = patient.send_request(full_name="Ines Storagefault", message=message[:1000])
    html = response.get_data(as_text=True)
    assert response.status_code == 503, html[:500]
    assert "We could not save this page" in html and "Your details are still below" in html
    assert 'value="Ines Storagefault"' in html and 'value="(202) 555-0143"' in html
    assert "bakery on Elm Street" in html
    assert connect(app.config["DATABASE"])["requests"].count == 0
    fault.stop()
    response = patient.send_request(full_name="Ines Storagefault")
    assert response.status_code == 303 and response.headers["Location"] == "/done"
    db = connect(app.config["DATABASE"])
    assert db["requests"].count == 1 and db["outbox"].count == 2
    assert next(db.query("PRAGMA integrity_check"))["integrity_check"] == "ok"


@pytest.mark.parametrize("fault", ["read-only"], indirect=True)
def test_healthz_proves_the_database_is_writable_and_recovers(app, fault):
    client = app.test_client()
    assert client.get("/healthz").get_json() == {
        "status": "ok",
        "checks": {"database": "ok", "writable": "ok", "outbox": "ok"},
    }
    fault.start()
    response = client.get("/healthz")
    assert response.status_code == 503  # says which check failed, and nothing else
    assert response.get_json() == {"status": "failing", "checks": {"database": "ok", "writable": "failed"}}
    fault.stop()
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("fault", ["read-only"], indirect=True)
def test_any_other_write_that_fails_gets_an_honest_page_not_a_500(app, fault):
    client = app.test_client()
    patient = Patient(client)
    fault.start()
    response = patient.start()
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and "Nothing you sent on this page was saved" in html
    assert "(555) 010-0199" in html  # the clinic's phone, to call instead
