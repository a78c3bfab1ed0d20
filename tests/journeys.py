"""Patients walking the real production server, for the load and crash tests.

Everything here talks HTTP over loopback to `gunicorn run:app`, like a browser
without JavaScript: it reads each page, posts its form with the page's CSRF token
and `asked` field, and follows the server's redirects. Standard library only.
"""

from __future__ import annotations

import contextlib
import copy
import http.client
import http.cookiejar
import json
import os
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from screening import questionnaire
from screening.assessment import assess

from .answers import EVERY_FLAG, LIKELY, POSSIBLE, REVIEW, SAME_DAY, UNLIKELY, URGENT

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"

# Every adult answer set in tests/answers.py: each one can end with a request.
ANSWER_SETS = {
    "likely": LIKELY,
    "possible": POSSIBLE,
    "unlikely": UNLIKELY,
    "urgent": URGENT,
    "same_day": SAME_DAY,
    "review": REVIEW,
    "every_flag": EVERY_FLAG,
}
# The page reading of tests/conftest.py's Patient, kept here so this module stands alone.
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ASKED_RE = re.compile(r'name="asked"[^>]*value="([^"]*)"')
REFERENCE_RE = re.compile(r'class="reference"><strong>([0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4})</strong>')
CONTINUE_RE = re.compile(r'<a class="button button-secondary" href="([^"]+)">Continue</a>')
EXPIRED_TEXT = "saved answers are deleted after"
FRONT_DESK = "frontdesk@localhost"

# A connection refused, reset or cut short: the server died or is not up yet.
CONNECTION_ERRORS = (OSError, http.client.HTTPException)


def form_data(answers: dict) -> dict:
    """Answers as a browser sends them: strings, lists for multi-choice."""
    return {k: [str(v) for v in value] if isinstance(value, list) else str(value) for k, value in answers.items()}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The server


class Server:
    """The production deployment of the README, in a temporary folder, on a free loopback port."""

    def __init__(self, tmp_path: Path, workers: int = 3):
        self.tmp_path = tmp_path
        self.workers = workers
        self.app = "run:app"  # the README's command serves this app; the bench's baselines serve their own
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.instance = tmp_path / "instance"
        self.database = tmp_path / "screening.db"
        self.outbox = self.instance / "outbox"
        self.log_path = tmp_path / "gunicorn.log"
        self.process: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.starts = 0
        # Only what a shell needs, then the settings: no setting of the caller's leaks in.
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TMPDIR", "TZ")}
        env.update(
            {
                # gunicorn keeps its control socket in ~/.gunicorn: one per test, none left in the real home.
                "HOME": str(tmp_path),
                "SECRET_KEY": secrets.token_hex(32),
                "DATABASE_PATH": str(self.database),
                "INSTANCE_PATH": str(self.instance),
                "SESSION_COOKIE_SECURE": "0",
                "RATELIMIT_ENABLED": "0",  # every client comes from 127.0.0.1
                "SMTP_HOST": "",
                "FRONT_DESK_EMAILS": FRONT_DESK,
                "PATIENT_CONFIRMATION_EMAIL": "1",
                "PYTHONUNBUFFERED": "1",
            }
        )
        self.env = env

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [str(BIN / "flask"), "--app", "run", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, (args, result.stdout, result.stderr)
        return result

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None
        with open(self.log_path, "a") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}", self.app],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1

    def wait_healthy(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"gunicorn exited:\n{self.log()}"
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except CONNECTION_ERRORS:
                pass
            time.sleep(0.1)
        raise AssertionError(f"/healthz did not answer 200 within {timeout}s:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL the whole process group: the arbiter and every worker, mid-request."""
        _kill_group(self.process)

    def start_worker(self, interval: int = 1) -> None:
        """The delivery worker as a service runs it (`send-outbox --loop`), in its own process group."""
        with open(self.tmp_path / "worker.log", "a") as log:
            self.worker = subprocess.Popen(
                [str(BIN / "flask"), "--app", "run", "send-outbox", "--loop", "--interval", str(interval)],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill_worker(self) -> None:
        """SIGKILL the delivery worker, perhaps mid-send, and reap it (as its service manager would)."""
        _kill_group(self.worker)

    def stop(self) -> None:
        self.kill()
        self.process = None
        self.kill_worker()
        self.worker = None

    def log(self) -> str:
        try:
            return self.log_path.read_text()[-5000:]
        except OSError:
            return ""


def _kill_group(process: subprocess.Popen | None) -> None:
    """SIGKILL a process group we started (its leader not yet reaped, so the id is still ours), then reap it."""
    if process is None or process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):  # already gone with its whole group
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


# A patient's browser


class Lost(Exception):
    """The connection failed during a request: the server died or is restarting."""

    def __init__(self, method: str, path: str, error: BaseException):
        super().__init__(f"{method} {path}: {type(error).__name__}: {error}")
        self.request = f"{method} {path}"


@dataclass
class Response:
    status: int
    location: str | None
    body: str


class _KeepEveryResponse(urllib.request.HTTPErrorProcessor):
    """Return 3xx, 4xx and 5xx as they are: the journey follows redirects itself and checks each status."""

    def http_response(self, request, response):
        return response

    https_response = http_response


@dataclass
class Log:
    """What all clients saw, shared between threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    server_errors: list = field(default_factory=list)  # (method, path, status, body start)
    interruptions: int = 0
    lost: list = field(default_factory=list)  # "METHOD path" of each request whose connection failed
    resumed: list = field(default_factory=list)  # where GET /continue took an interrupted patient
    finished: int = 0


class Browser:
    """One patient's browser: its own cookie jar, no JavaScript."""

    def __init__(self, base: str, log: Log, timeout: float = 30):
        self.base, self.log, self.timeout = base, log, timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _KeepEveryResponse)

    def has_draft_cookie(self) -> bool:
        return any(cookie.name == "draft" for cookie in self.jar)

    def send(self, method: str, path: str, data: dict | None = None) -> Response:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, method=method)
        try:
            with self.opener.open(request, timeout=self.timeout) as raw:
                response = Response(raw.status, raw.headers.get("Location"), raw.read().decode())
        except urllib.error.HTTPError as error:  # not raised for statuses, only kept for safety
            response = Response(error.code, error.headers.get("Location"), error.read().decode())
        except CONNECTION_ERRORS as error:
            raise Lost(method, path, error) from error
        if response.status >= 500:
            with self.log.lock:
                self.log.server_errors.append((method, path, response.status, response.body[:300]))
        return response

    def get(self, path: str) -> Response:
        return self.send("GET", path)

    def post(self, path: str, data: dict) -> Response:
        return self.send("POST", path, data)

    def get_retrying(self, path: str, deadline: float) -> Response:
        """A GET repeated until the server answers, as a patient presses reload."""
        delay = 0.05
        while True:
            try:
                return self.get(path)
            except Lost:
                if time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.5)


def _path(location: str) -> str:
    parts = urllib.parse.urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _csrf(html: str, where: str) -> str:
    match = CSRF_RE.search(html)
    assert match, f"{where}: page has no CSRF token:\n{html[:1500]}"
    return match.group(1)


def _expect(response: Response, status: int, where: str) -> Response:
    assert response.status == status, (
        f"{where}: expected {status}, got {response.status} (Location {response.location}):\n{response.body[:1500]}"
    )
    return response


# A journey


@dataclass
class Journey:
    number: int
    answer_set: str
    full_name: str
    phone: str  # as typed
    phone_e164: str
    email: str
    answers: dict
    expected_outcome: str
    references: list = field(default_factory=list)  # every reference /done showed this patient
    interruptions: int = 0
    # The answer to its POST /request is lost after the request is stored, as when the server dies between
    # its commit and its reply (a window of milliseconds that a SIGKILL hits only by chance).
    lose_request_answer: bool = False


def make_journey(number: int) -> Journey:
    name = list(ANSWER_SETS)[number % len(ANSWER_SETS)]
    definition = questionnaire.current()
    answers = definition.shown_answers(ANSWER_SETS[name])
    return Journey(
        number=number,
        answer_set=name,
        full_name=f"Load Patient {number:04d}",
        phone=f"(202) 555-{number:04d}",
        phone_e164=f"+1202555{number:04d}",
        email=f"patient{number}@example.com",
        answers=answers,
        expected_outcome=assess(answers).outcome,
    )


class Patient:
    """Walks one journey page by page, driven by the server's redirects.

    On a lost connection (only when `recover` is set) the patient waits until the
    server answers again, opens GET /continue with the cookie it has (which must
    take it back into its draft), then repeats the page it was on: a GET is simply
    repeated, a lost POST means reading the page again and posting it again.
    """

    def __init__(self, browser: Browser, journey: Journey, recover: bool = False, recovery_seconds: float = 40):
        self.browser, self.journey, self.recover = browser, journey, recover
        self.recovery_seconds = recovery_seconds
        self.definition = questionnaire.current()

    def walk(self) -> str:
        url = "/"
        while url is not None:
            try:
                url = self.visit(url)
            except Lost as lost:
                if not self.recover:
                    raise
                with self.browser.log.lock:
                    self.browser.log.lost.append(lost.request)
                url = self.resume(url)
        return self.journey.references[-1]

    def resume(self, url: str) -> str:
        """After a lost connection: back into the draft via /continue, then the same page again."""
        self.journey.interruptions += 1
        with self.browser.log.lock:
            self.browser.log.interruptions += 1
        deadline = time.monotonic() + self.recovery_seconds
        if not self.browser.has_draft_cookie():
            # Lost before the server gave a draft: once it answers again, begin again, as a patient would.
            self.browser.get_retrying("/", deadline)
            return "/"
        response = self.browser.get_retrying("/continue", deadline)
        assert response.status in (302, 303) and response.location, (
            f"journey {self.journey.number}: /continue answered {response.status}"
        )
        target = _path(response.location)
        if target == "/" or target.startswith("/?"):
            landing = self.browser.get_retrying("/", deadline).body
            raise AssertionError(
                f"journey {self.journey.number}: /continue lost the draft after a restart and sent the patient "
                f"to the landing page (expiry message shown: {EXPIRED_TEXT in landing})"
            )
        assert target != "/sent", (
            f"journey {self.journey.number}: its request was stored but the answer was lost; /continue now "
            "sends the patient to /sent, which never shows the reference"
        )
        # A patient with urgent red flags is shown the urgent advice again first.
        assert target.startswith("/step/") or target in ("/summary", "/request", "/done", "/get-care-now"), (
            f"journey {self.journey.number}: /continue took an interrupted patient to {target}"
        )
        with self.browser.log.lock:
            self.browser.log.resumed.append(target)
        return url  # the page the patient was on when the connection was lost

    def visit(self, url: str) -> str | None:
        """One page: read it, act on it; returns the next URL (None when the journey is over)."""
        path = urllib.parse.urlsplit(url).path
        where = f"journey {self.journey.number} ({self.journey.answer_set}) {path}"
        if path == "/":
            token = _csrf(_expect(self.browser.get("/"), 200, where).body, where)
            response = _expect(self.browser.post("/start", {"csrf_token": token}), 303, where + " POST /start")
            return _path(response.location)
        if path.startswith("/step/"):
            return self.step(path, where)
        if path == "/get-care-now":
            html = _expect(self.browser.get(path), 200, where).body
            match = CONTINUE_RE.search(html)
            assert match, f"{where}: no Continue link"
            return _path(match.group(1))
        if path == "/summary":
            html = _expect(self.browser.get(path), 200, where).body
            assert 'href="/request"' in html, f"{where}: no link to the request form"
            return "/request"
        if path == "/request":
            return self.request_form(where)
        if path == "/done":
            html = _expect(self.browser.get(path), 200, where).body
            match = REFERENCE_RE.search(html)
            assert match, f"{where}: no reference on the confirmation:\n{html[:1500]}"
            self.journey.references.append(match.group(1))
            return None
        raise AssertionError(f"{where}: unexpected page")

    def step(self, path: str, where: str) -> str:
        response = self.browser.get(path)
        if response.status in (302, 303):  # the step no longer applies: go where the server says
            return _path(response.location)
        html = _expect(response, 200, where).body
        for _ in range(4):  # a follow-up question revealed by an answer: answer it, post again
            asked = ASKED_RE.search(html).group(1)
            on_page = asked.split()
            data = {
                "csrf_token": _csrf(html, where),
                "action": "continue",
                "asked": asked,
                "return_to": "",
                **form_data({k: self.journey.answers[k] for k in on_page if k in self.journey.answers}),
            }
            response = self.browser.post(path, data)
            if response.status == 303:
                return _path(response.location)
            html = _expect(response, 200, where + " POST").body
            assert ASKED_RE.search(html).group(1) != asked, f"{where}: answers refused:\n{html[:3000]}"
        raise AssertionError(f"{where}: the step kept asking more")

    def request_form(self, where: str) -> str:
        response = self.browser.get("/request")
        if response.status in (302, 303):  # already sent (a lost answer to our POST): the server knows
            assert _path(response.location) == "/done", (
                f"{where}: the request was stored but its answer was lost; reading the form again sends the "
                f"patient to {response.location}, not to the confirmation with the reference"
            )
            return "/done"
        html = _expect(response, 200, where).body
        j = self.journey
        data = {
            "csrf_token": _csrf(html, where),
            "full_name": j.full_name,
            "phone": j.phone,
            "email": j.email,
            "date_of_birth-month": "3",
            "date_of_birth-day": str(1 + j.number % 28),
            "date_of_birth-year": "1968",
            "preferred_contact": "phone",
            "best_time": "morning",
            "patient_status": "new",
            "voicemail_ok": "yes",
            "language": "en",
            "interpreter": "no",
            "insurance": "medicare",
            "message": "",
            "website": "",
            "consent": "y",
        }
        if j.lose_request_answer:
            j.lose_request_answer = False
            self.post_answer_lost("/request", data, where)
        response = _expect(self.browser.post("/request", data), 303, where + " POST")
        assert _path(response.location) == "/done", f"{where}: sent to {response.location}"
        return "/done"

    def post_answer_lost(self, path: str, data: dict, where: str) -> None:
        """The POST reaches the server and is handled; its answer, and the cookies it sets, never arrive."""
        elsewhere = Browser(self.browser.base, self.browser.log, self.browser.timeout)
        for cookie in self.browser.jar:
            elsewhere.jar.set_cookie(copy.copy(cookie))
        response = elsewhere.post(path, data)
        assert response.status == 303, f"{where}: the POST whose answer is lost got {response.status}"
        raise Lost("POST", f"{path} (answer lost)", ConnectionResetError("the answer never arrived"))


# Many patients at once


def run_journeys(
    base: str, journeys: list[Journey], clients: int, log: Log, recover: bool = False, deadline_seconds: float = 120
) -> list[BaseException]:
    """`clients` threads take journeys from a shared list until none are left; returns the errors."""
    remaining = list(reversed(journeys))
    take = threading.Lock()
    errors: list[BaseException] = []

    def client() -> None:
        while True:
            with take:
                if not remaining or errors:
                    return
                journey = remaining.pop()
            try:
                Patient(Browser(base, log), journey, recover=recover).walk()
            except BaseException as error:  # noqa: BLE001  (reported by the test)
                errors.append(error)
                return
            with log.lock:
                log.finished += 1

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    end = time.monotonic() + deadline_seconds
    for thread in threads:
        thread.join(max(0.0, end - time.monotonic()))
    if any(thread.is_alive() for thread in threads):
        errors.append(TimeoutError(f"journeys still running after {deadline_seconds}s"))
    return errors


# What the database and the outbox folder must hold afterwards


def stored(database: Path) -> dict:
    db = sqlite3.connect(database)
    db.row_factory = sqlite3.Row
    try:
        return {
            "integrity": [row[0] for row in db.execute("PRAGMA integrity_check")],
            "foreign_keys": [tuple(row) for row in db.execute("PRAGMA foreign_key_check")],
            "requests": [
                dict(row)
                for row in db.execute(
                    """SELECT r.*, s.id AS s_id, s.outcome AS s_outcome, s.answers AS s_answers
                   FROM requests r LEFT JOIN screenings s ON s.id = r.screening_id"""
                )
            ],
            "outbox": [dict(row) for row in db.execute("SELECT * FROM outbox")],
        }
    finally:
        db.close()


def check_store(server: Server, journeys: list[Journey], worker_killed: bool = False) -> dict:
    """Every confirmation shown is one stored request with its screening and its messages, each sent once.

    Unless a delivery worker was killed (then a message claimed but not yet written is tried again),
    every message was tried exactly once.
    """
    data = stored(server.database)
    assert data["integrity"] == ["ok"], data["integrity"]
    assert data["foreign_keys"] == [], data["foreign_keys"]

    shown = {}
    for journey in journeys:
        assert journey.references, f"journey {journey.number} saw no confirmation"
        assert len(set(journey.references)) == 1, (
            f"journey {journey.number} was shown different references: {journey.references}"
        )
        reference = journey.references[0].replace("-", "")
        assert reference not in shown, f"{reference} shown to journeys {shown[reference].number} and {journey.number}"
        shown[reference] = journey

    requests = data["requests"]
    by_request: dict[int, list[dict]] = {}
    for message in data["outbox"]:
        by_request.setdefault(message["request_id"], []).append(message)
    for request in requests:  # no half-written request: each has its screening and its messages
        assert request["s_id"] is not None, f"request {request['reference']} has no screening"
        kinds = sorted(m["kind"] for m in by_request.get(request["id"], []))
        assert kinds == ["new_request", "patient_confirmation"], (request["reference"], kinds)

    references = [r["reference"] for r in requests]
    assert len(references) == len(set(references)), "a reference is stored twice"
    assert sorted(references) == sorted(shown), (
        f"{len(requests)} requests stored, {len(shown)} confirmations shown; "
        f"stored but never shown: {sorted(set(references) - set(shown))[:10]}, "
        f"shown but not stored: {sorted(set(shown) - set(references))[:10]}"
    )

    for request in requests:
        journey = shown[request["reference"]]
        label = f"request {request['reference']} (journey {journey.number}, {journey.answer_set})"
        # The request belongs to the patient who was shown its reference: no crossed sessions.
        assert (request["full_name"], request["phone"], request["email"]) == (
            journey.full_name,
            journey.phone_e164,
            journey.email,
        ), label
        assert request["s_outcome"] == journey.expected_outcome, label
        assert json.loads(request["s_answers"]) == journey.answers, label
        assert request["urgent"] == int(journey.expected_outcome == "urgent"), label
        kinds = sorted((m["kind"], m["recipient"]) for m in by_request.get(request["id"], []))
        assert kinds == [("new_request", FRONT_DESK), ("patient_confirmation", journey.email)], (label, kinds)

    files = sorted(p.name for p in server.outbox.glob("*")) if server.outbox.exists() else []
    assert not [f for f in files if not f.endswith(".eml")], f"stray files in the outbox: {files[:10]}"
    for message in data["outbox"]:
        expected = f"{message['id']:06d}-{message['kind']}.eml"
        written = expected in files
        assert not (written and message["status"] in ("pending", "sending")), (
            f"message {message['id']} is written but still {message['status']}"
        )
        assert message["status"] == "sent" and written, (message["id"], message["status"], message["last_error"])
        if not worker_killed:
            assert message["attempts"] == 1, f"message {message['id']} was tried {message['attempts']} times"
    assert len(files) == len(data["outbox"]) == 2 * len(requests), (len(files), len(data["outbox"]), len(requests))
    references_by_id = {r["id"]: r["reference"] for r in requests}
    for message in data["outbox"]:
        text = (server.outbox / f"{message['id']:06d}-{message['kind']}.eml").read_text()
        reference = references_by_id[message["request_id"]]
        assert f"{reference[:4]}-{reference[4:]}" in text, f"message {message['id']} lacks its reference"
        assert f"To: {message['recipient']}" in text, f"message {message['id']} has the wrong recipient"
    return data
