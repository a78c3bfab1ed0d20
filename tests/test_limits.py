"""Rate limits hold across every worker of the production server, and a forged X-Forwarded-For escapes none."""

import http.cookiejar
import os
import re
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from screening.db import connect

from .conftest import AuthActions

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class KeepErrors(urllib.request.HTTPErrorProcessor):
    def http_response(self, request, response):
        return response

    https_response = http_response


def sign_in_attempt(base, forged_address):
    """One browser: open the sign-in page, then send a wrong password with a made-up client address."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), KeepErrors)
    with opener.open(base + "/staff/login", timeout=10) as page:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.read().decode()).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "username": "nobody", "password": "wrong-wrong-wrong"})
    request = urllib.request.Request(
        base + "/staff/login", data=data.encode(), headers={"X-Forwarded-For": forged_address}
    )
    with opener.open(request, timeout=10) as response:
        return response.status, response.headers.get("Retry-After")


@pytest.mark.slow
def test_two_gunicorn_workers_share_one_limit_and_forged_forwarded_for_changes_nothing(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "TMPDIR")}
    env.update(
        HOME=str(tmp_path),
        SECRET_KEY=secrets.token_hex(32),
        DATABASE_PATH=str(tmp_path / "s.db"),
        INSTANCE_PATH=str(tmp_path / "instance"),
        SESSION_COOKIE_SECURE="0",
        LOGIN_RATE_LIMIT="5 per minute",
        PROXY_COUNT="1",
        TRUSTED_PROXIES="10.255.255.1",
    )
    subprocess.run(
        [str(BIN / "flask"), "--app", "run", "init-db"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=60
    )
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", "run:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
                time.sleep(0.1)
        results = [sign_in_attempt(base, f"198.51.100.{n}") for n in range(12)]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    statuses = [status for status, _ in results]
    assert statuses == [200] * 5 + [429] * 7  # one count for both workers; the forged addresses were ignored
    assert all(0 < int(retry_after) <= 61 for status, retry_after in results if status == 429)
    assert (tmp_path / "instance" / "ratelimits.db").stat().st_mode & 0o777 == 0o600
    addresses = {r["address"] for r in connect(str(tmp_path / "s.db")).query("SELECT address FROM audit_log")}
    assert addresses == {"127.0.0.1"}


@pytest.mark.parametrize("peer, expected", [("127.0.0.1", "203.0.113.9"), ("198.51.100.7", "198.51.100.7")])
def test_forwarded_for_is_believed_only_from_a_trusted_proxy(tmp_path, staff, peer, expected):
    from screening import create_app

    from .conftest import test_settings

    app = create_app(test_settings(tmp_path, PROXY_COUNT=1))
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR="203.0.113.9")
    AuthActions(client).login(password="wrong-wrong-wrong")
    rows = list(connect(app.config["DATABASE"]).query("SELECT address FROM audit_log WHERE action = 'login_failed'"))
    assert [r["address"] for r in rows] == [expected]


@pytest.mark.parametrize(
    "setting, limit, action",
    [
        ("START_RATE_LIMIT", "3 per minute", lambda patient: patient.start()),
        ("STEP_RATE_LIMIT", "3 per minute", lambda patient: patient.answer("age", {"age_band": "50_64"})),
    ],
)
def test_starting_screenings_and_answering_steps_are_limited_per_address(app, setting, limit, action):
    from screening.extensions import limiter

    from .conftest import Patient

    app.config.update({"RATELIMIT_ENABLED": True, setting: limit})
    limiter.init_app(app)
    limiter.reset()
    try:
        patient = Patient(app.test_client())
        if setting == "STEP_RATE_LIMIT":
            patient.start()
        statuses = [action(patient).status_code for _ in range(4)]
        assert statuses == [303, 303, 303, 429]
        refused = action(patient)
        html = refused.get_data(as_text=True)
        assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 61
        assert "Too many tries from this network" in html and "(555) 010-0199" in html  # the patient's page
    finally:
        limiter.reset()
