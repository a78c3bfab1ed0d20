"""The application factory, the database and the headers every page carries."""

import sqlite3
from pathlib import Path

import pytest

from screening import create_app
from screening import migrations as schema
from screening.db import connect, get_db, init_db

MIGRATIONS = sorted(name for name in vars(schema) if name.startswith("m0"))


def test_overrides_take_effect(app, tmp_path):
    assert app.testing
    assert app.config["DATABASE"] == str(tmp_path / "test.db")
    assert app.config["CLINIC_NAME"] == "Test Spine Clinic"


def test_production_refuses_to_start_without_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"DATABASE": str(tmp_path / "x.db")})


def test_secret_key_from_environment_is_used(monkeypatch, tmp_path):
    key = "from-the-environment-" + "k" * 11  # 32 bytes: the shortest production accepts
    monkeypatch.setenv("SECRET_KEY", key)
    import importlib

    import config

    importlib.reload(config)
    try:
        app = create_app({"DATABASE": str(tmp_path / "x.db")})
        assert app.config["SECRET_KEY"] == key
        assert app.config["SESSION_COOKIE_SECURE"] is True  # production default
    finally:
        monkeypatch.delenv("SECRET_KEY")
        importlib.reload(config)


@pytest.mark.parametrize("key", ["secret", "x" * 31, "café-" * 5])
def test_production_refuses_a_short_secret_key_and_says_how_to_make_one(monkeypatch, tmp_path, key):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(RuntimeError, match=r"too short.*at least 32.*secrets.token_hex\(32\)"):
        create_app({"DATABASE": str(tmp_path / "x.db"), "SECRET_KEY": key})


def test_health_data_files_are_private_from_the_first_byte_whatever_the_umask(tmp_path):
    """Database, -wal, -shm, outbox .eml files, backups and their folders: 0600 and 0700."""
    import os

    from screening.notify import run_once

    from .conftest import Patient

    previous = os.umask(0)  # the worst case: everything would be world-writable
    try:
        fresh = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test-secret",
                "DATABASE": str(tmp_path / "new.db"),
                "INSTANCE_PATH": str(tmp_path / "instance"),
                "RATELIMIT_ENABLED": False,
                "SMTP_HOST": "",
            }
        )
        init_db(fresh.config["DATABASE"])
        held_open = connect(fresh.config["DATABASE"])  # while a connection is open, -wal and -shm exist
        patient = Patient(fresh.test_client())
        patient.complete()
        patient.send_request()
        with fresh.app_context():
            run_once(fresh, "worker")
        result = fresh.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy.db")])
        assert result.exit_code == 0, result.output
    finally:
        os.umask(previous)
    files = [tmp_path / name for name in ("new.db", "new.db-wal", "new.db-shm", "copy.db")]
    files += list((tmp_path / "instance" / "outbox").iterdir())
    assert len(files) == 6 and all(f.name.endswith(".eml") for f in files[4:])
    assert {f.name: oct(f.stat().st_mode & 0o777) for f in files} == {f.name: "0o600" for f in files}
    for folder in (tmp_path / "instance", tmp_path / "instance" / "outbox"):
        assert oct(folder.stat().st_mode & 0o777) == "0o700"
    held_open.close()


def test_a_read_only_shm_left_behind_is_repaired_on_the_next_connection(app):
    db = connect(app.config["DATABASE"])
    db.execute("INSERT INTO drafts (id, created_at, updated_at, expires_at) VALUES ('a', 'x', 'x', 'x')")
    shm = Path(app.config["DATABASE"] + "-shm")
    shm.chmod(0o444)  # what a read-only spell of the database leaves behind
    connect(app.config["DATABASE"]).execute("DELETE FROM drafts")
    assert oct(shm.stat().st_mode & 0o777) == "0o600"
    db.close()


def test_development_key_is_generated_once_and_kept(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    settings = {"DATABASE": str(tmp_path / "x.db"), "INSTANCE_PATH": str(tmp_path / "instance")}
    first = create_app(settings).config["SECRET_KEY"]
    second = create_app(settings).config["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o077 == 0


def test_init_db_command_is_idempotent(runner, app):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0
    assert "up to date" in result.output  # the fixture already migrated
    db = connect(app.config["DATABASE"])
    applied = [r["name"] for r in db.query("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert applied == MIGRATIONS and applied[0] == "m001_screenings_drafts_requests"


def test_init_db_on_a_fresh_database(tmp_path):
    path = tmp_path / "fresh.db"
    assert init_db(path) == MIGRATIONS
    assert init_db(path) == []
    assert {"drafts", "screenings", "requests"} <= set(connect(path).table_names())


def test_backup_command_makes_a_private_consistent_copy(runner, app, tmp_path, patient):
    from .answers import LIKELY

    patient.complete(LIKELY)
    target = tmp_path / "backup.db"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert target.stat().st_mode & 0o077 == 0
    copy = connect(target)
    assert copy["screenings"].count == 1 and copy["drafts"].count == 1
    assert runner.invoke(args=["backup", str(target)]).exit_code != 0  # never overwrites


def test_connection_pragmas(app):
    with app.app_context():
        db = get_db()
        pragma = lambda name: next(db.query(f"PRAGMA {name}")).popitem()[1]  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") == 5000
        assert pragma("synchronous") == 2  # FULL


def test_constraints_reject_bad_rows(app):
    db = connect(app.config["DATABASE"])
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO screenings (submission_key, created_at, updated_at, questionnaire_version,"
            " rules_version, answers, outcome, flags, criteria) VALUES ('k', 't', 't', '1', '1', '{}',"
            " 'maybe', '[]', '{}')"
        )
    with pytest.raises(sqlite3.IntegrityError):  # a request must belong to a screening
        db.execute(
            "INSERT INTO requests (reference, screening_id, full_name, phone, date_of_birth,"
            " preferred_contact, best_time, location, patient_status, urgent, created_at, due_at)"
            " VALUES ('ABCDEFGH', 999, 'A', '+12025550143', '1968-03-27', 'phone', 'morning', 'Main',"
            " 'new', 0, 't', 't')"
        )


def test_every_dynamic_response_is_not_cached_but_static_files_are(client):
    assert client.get("/questionnaire.json").headers["Cache-Control"] == "no-store"
    assert client.get("/healthz").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/static/css/main.css").headers.get("Cache-Control", "")


def test_strict_transport_security_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    assert client.get("/", base_url="https://clinic.test").headers["Strict-Transport-Security"] == "max-age=31536000"


def test_security_headers_and_no_store(client):
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "method, url, status",
    [
        ("GET", "/no-such-page", 404),
        ("GET", "/step/no-such-step", 404),
        ("PUT", "/start", 405),
    ],
)
def test_error_pages_are_friendly(client, method, url, status):
    response = client.open(url, method=method)
    assert response.status_code == status
    assert "call us" in response.get_data(as_text=True)


def test_oversized_post_is_refused_with_a_page(client):
    response = client.post("/start", data={"x": "a" * 70_000})
    assert response.status_code == 413
    assert "too much" in response.get_data(as_text=True)


def test_unexpected_error_gives_500_page_and_logs_no_details(app, caplog, monkeypatch):
    from flask import request

    import screening.auth

    monkeypatch.setattr(screening.auth, "PUBLIC_ENDPOINTS", {*screening.auth.PUBLIC_ENDPOINTS, "boom"})

    from screening.extensions import csrf

    @app.post("/boom")
    @csrf.exempt
    def boom():
        raise RuntimeError(f"bad value {request.form['detail']}")

    response = app.test_client().post("/boom", data={"detail": "Zelda Quartz, warfarin"})
    assert response.status_code == 500
    assert "Zelda" not in response.get_data(as_text=True)
    assert "RuntimeError" in caplog.text and "boom" in caplog.text  # where it happened
    assert "Zelda" not in caplog.text


def test_expired_form_on_start_gets_a_friendly_page(client):
    response = client.post("/start", data={"csrf_token": "stale"})
    assert response.status_code == 400
    assert "This page timed out" in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["screening", "run"])
def test_flask_command_finds_the_app_both_ways(tmp_path, target):
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "FLASK_DEBUG": "1",
        "DATABASE_PATH": str(tmp_path / "cli.db"),
        "INSTANCE_PATH": str(tmp_path / "instance"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", target, "init-db"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert result.returncode == 0, result.stderr
    assert "Applied" in result.stdout and (tmp_path / "cli.db").exists()


# Two views check their own CSRF token so that an expired form shows the answers again instead of an
# error page: the step form and the request form. Every other POST is refused by CSRFProtect.
CHECKS_ITS_OWN_TOKEN = {"patient.step", "patient.consultation_request"}


def test_every_post_refuses_a_missing_csrf_token(app, staff, make_request, db):
    import re

    from .answers import LIKELY
    from .conftest import AuthActions, Patient

    reference = make_request()["reference"]
    samples = {"reference": reference, "user_id": 1, "message_id": 1, "step_id": "peg", "block_id": 1}
    posts = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods]
    assert len(posts) > 15
    for rule in posts:
        client = app.test_client()
        roles = getattr(app.view_functions[rule.endpoint], "allowed_roles", None)
        if roles:
            AuthActions(client).login(sorted(roles)[0])
        else:
            Patient(client).complete(LIKELY)  # a draft, so the view has something it could change
        url = rule.rule
        for argument in rule.arguments:
            url = re.sub(rf"<(?:\w+:)?{argument}>", str(samples[argument]), url)
        before = {
            table: db[table].count
            for table in ("requests", "request_events", "reviews", "users", "blocks", "diary_entries", "block_reviews")
        }
        response = client.post(url, data={"peg_pain": "9", "full_name": "No Token"})
        html = response.get_data(as_text=True)
        if rule.endpoint in CHECKS_ITS_OWN_TOKEN:
            assert response.status_code == 200 and "timed out" in html, rule.endpoint
        else:
            assert response.status_code == 400 and "This page timed out" in html, rule.endpoint
        assert {table: db[table].count for table in before} == before, rule.endpoint  # nothing changed


def test_the_codes_in_python_match_the_checks_in_the_schema(db):
    """A status, role, outcome or outbox kind the code uses but the database refuses would fail only in use."""
    import re

    from screening import assessment
    from screening.auth.users import ROLES
    from screening.notify.outbox import KINDS
    from screening.staff.queue import STATUSES

    def allowed(table, column):
        sql = next(db.query("SELECT sql FROM sqlite_master WHERE name = ?", [table]))["sql"]
        match = re.search(rf"\b{column}\b[^\n]*?\bIN\s*\(([^)]*)\)", sql)
        return set(re.findall(r"'([^']+)'", match.group(1)))

    assert allowed("users", "role") == set(ROLES)
    assert allowed("requests", "status") == set(STATUSES)
    assert allowed("screenings", "outcome") == set(assessment.OUTCOMES)
    assert allowed("outbox", "kind") == set(KINDS)
    from screening.i18n import LANGUAGES

    assert allowed("drafts", "language") == allowed("screenings", "language") == set(LANGUAGES)
