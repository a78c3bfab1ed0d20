"""`flask purge`: what the clinic no longer needs goes; requests and the audit trail never do."""

import json

from screening import clock

from .answers import LIKELY
from .conftest import Patient, move_clock


def counts(db):
    return {table: db[table].count for table in ("drafts", "screenings", "requests")}


def test_purge_keeps_requests_and_deletes_old_anonymous_screenings_and_expired_drafts(
    app, runner, db, make_request, monkeypatch
):
    start = clock.now()
    make_request()  # a request: kept forever, with its screening
    Patient(app.test_client()).complete(LIKELY)  # finished, never sent: counted, then deleted after 30 days
    Patient(app.test_client()).start()  # begun and abandoned: a draft that expires after 7 days
    assert counts(db) == {"drafts": 2, "screenings": 2, "requests": 1}

    move_clock(monkeypatch, start, days=8)
    assert "Deleted 2 expired draft(s), 0 screening(s)" in runner.invoke(args=["purge"]).output
    assert counts(db) == {"drafts": 0, "screenings": 2, "requests": 1}

    move_clock(monkeypatch, start, days=31)
    assert (
        "0 expired draft(s), 1 screening(s) without a request older than 30 days"
        in runner.invoke(args=["purge"]).output
    )
    assert counts(db) == {"drafts": 0, "screenings": 1, "requests": 1}
    assert next(db.query("SELECT s.id FROM screenings s JOIN requests r ON r.screening_id = s.id"))

    audits = [json.loads(r["detail"]) for r in db.query("SELECT detail FROM audit_log WHERE action = 'purge'")]
    assert [a["screenings_without_request"] for a in audits] == [0, 1] and audits[0]["drafts"] == 2
    assert all(a["via"] == "cli" and a["retention_days"] == 30 for a in audits)


def test_retention_days_come_from_the_configuration(app, runner, db, monkeypatch):
    app.config["ANON_SCREENING_RETENTION_DAYS"] = 90
    start = clock.now()
    Patient(app.test_client()).complete(LIKELY)
    move_clock(monkeypatch, start, days=60)
    runner.invoke(args=["purge"])
    assert db["screenings"].count == 1
    move_clock(monkeypatch, start, days=91)
    assert "older than 90 days" in runner.invoke(args=["purge"]).output
    assert db["screenings"].count == 0
