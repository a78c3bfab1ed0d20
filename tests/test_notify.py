"""Notifications through a real SMTP server (aiosmtpd on loopback): never lost, never doubled."""

import asyncio
import email
import socket
import subprocess
import threading
import time
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from screening import clock
from screening.db import connect
from screening.notify import outbox, run_once
from screening.notify.mailer import FileSender, SmtpSender, describe

from .answers import LIKELY, URGENT
from .conftest import move_clock

SENTINEL = "Zqxsentinel"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """Collects what the SMTP server receives; `delay` makes delivery slow on purpose."""

    def __init__(self, delay=0.0):
        self.messages, self.delay = [], delay

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def mail_app(app, smtp_port):
    app.config.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp_port,
        SMTP_SECURITY="none",
        SMTP_TIMEOUT=2,
        MAIL_FROM="Test Clinic <no-reply@clinic.test>",
        FRONT_DESK_EMAILS=["desk@clinic.test", "lead@clinic.test"],
        PUBLIC_BASE_URL="https://screening.clinic.test",
    )
    return app


@pytest.fixture
def smtp_server(smtp_port):
    servers = []

    def start(delay=0.0):
        inbox = Inbox(delay)
        controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        servers.append(controller)
        return inbox

    yield start
    for controller in servers:
        controller.stop()


def outbox_rows(app):
    return list(connect(app.config["DATABASE"]).query("SELECT * FROM outbox ORDER BY id"))


def submit(patient, answers=LIKELY, **fields):
    """Send a request, then run one pass of the delivery worker, as its loop would."""
    patient.complete(answers)
    response = patient.send_request(**fields)
    app = patient.client.application
    with app.app_context():
        run_once(app, "test-worker")
    return response


def test_request_sends_front_desk_and_patient_messages_without_patient_data(mail_app, smtp_server, patient, client):
    inbox = smtp_server()
    submit(
        patient,
        full_name=f"Ana {SENTINEL}",
        email=f"{SENTINEL.lower()}@example.com",
        phone="(202) 555-0199",
        message=f"Please call {SENTINEL} after 5",
        **{"date_of_birth-year": "1958", "date_of_birth-month": "7", "date_of_birth-day": "13"},
    )
    reference = next(connect(mail_app.config["DATABASE"]).query("SELECT reference FROM requests"))["reference"]
    shown = f"{reference[:4]}-{reference[4:]}"

    assert len(inbox.messages) == 3
    desk = [m for rcpt, m in inbox.messages if rcpt[0].endswith("@clinic.test")]
    assert sorted(m["To"] for m in desk) == ["desk@clinic.test", "lead@clinic.test"]
    for message in desk:
        assert message["Subject"] == f"New consultation request {shown} (likely a good fit)"
        assert message["From"] == "Test Clinic <no-reply@clinic.test>" and message["Message-ID"]
        body = message.get_content()
        assert f"https://screening.clinic.test/staff/requests/{reference}" in body and shown in body
    [(rcpt, mine)] = [(r, m) for r, m in inbox.messages if not r[0].endswith("@clinic.test")]
    assert rcpt == [f"{SENTINEL.lower()}@example.com"]
    assert shown in mine.get_content() and "(555) 010-0199" in mine.get_content()

    for _rcpt, message in inbox.messages:
        text = str(message["Subject"]) + message.get_content()
        for private in (SENTINEL, SENTINEL.lower(), "5550199", "1958", "warfarin", "Low back", "out of 10"):
            assert private not in text
    for message in desk:
        assert SENTINEL.lower() not in message.as_string().lower()
    assert {r["status"] for r in outbox_rows(mail_app)} == {"sent"}
    assert client.get("/done").status_code == 200


def test_urgent_request_says_urgent_in_the_subject(mail_app, smtp_server, patient):
    inbox = smtp_server()
    submit(patient, URGENT)
    subjects = [m["Subject"] for r, m in inbox.messages if r[0].endswith("@clinic.test")]
    assert subjects and all(s.startswith("URGENT: New consultation request") for s in subjects)


def test_no_patient_email_without_an_address_or_when_turned_off(mail_app, smtp_server, patient, client, app):
    inbox = smtp_server()
    mail_app.config["PATIENT_CONFIRMATION_EMAIL"] = False
    submit(patient)
    assert {r[0] for r, _m in inbox.messages} == {"desk@clinic.test", "lead@clinic.test"}


def test_mail_server_down_then_back_delivers_everything_once(
    mail_app, smtp_server, patient, client, runner, monkeypatch
):
    response = submit(patient)  # no server listening
    assert response.headers["Location"] == "/done"
    assert "Your request has been sent" in client.get("/done").get_data(as_text=True)
    rows = outbox_rows(mail_app)
    assert [r["status"] for r in rows] == ["pending"] * 3 and {r["attempts"] for r in rows} == {1}
    assert all("ConnectionRefusedError" in r["last_error"] for r in rows)
    assert connect(mail_app.config["DATABASE"])["requests"].count == 1

    inbox = smtp_server()
    assert "sent 0" in runner.invoke(args=["send-outbox"]).output  # backing off: not due yet
    move_clock(monkeypatch, minutes=2)
    assert "sent 3" in runner.invoke(args=["send-outbox"]).output
    assert "sent 0" in runner.invoke(args=["send-outbox"]).output
    assert len(inbox.messages) == 3
    assert len({m["Message-ID"] for _r, m in inbox.messages}) == 3


def test_backoff_then_failed_then_admin_retry(mail_app, smtp_server, patient, client, auth, monkeypatch):
    mail_app.config.update(
        OUTBOX_MAX_ATTEMPTS=3,
        OUTBOX_BACKOFF_SECONDS=60,
        FRONT_DESK_EMAILS=["desk@clinic.test"],
        PATIENT_CONFIRMATION_EMAIL=False,
    )
    submit(patient)  # attempt 1 fails
    start = clock.now()
    row = outbox_rows(mail_app)[0]
    assert clock.parse(row["next_attempt_at"]) - start == pytest.approx(timedelta(seconds=60), abs=timedelta(seconds=2))

    monkeypatch.setattr(clock, "now", lambda: start + timedelta(seconds=61))
    with mail_app.app_context():
        run_once(mail_app, "w")  # attempt 2 fails
    row = outbox_rows(mail_app)[0]
    assert row["attempts"] == 2 and row["status"] == "pending"
    assert clock.parse(row["next_attempt_at"]) - clock.now() == pytest.approx(
        timedelta(seconds=120), abs=timedelta(seconds=1)
    )

    monkeypatch.setattr(clock, "now", lambda: start + timedelta(seconds=200))
    with mail_app.app_context():
        run_once(mail_app, "w")  # attempt 3 fails: no more tries
    assert outbox_rows(mail_app)[0]["status"] == "failed"

    inbox = smtp_server()
    with mail_app.app_context():
        assert run_once(mail_app, "w")["sent"] == 0  # failed stays failed
    auth.login("admin")
    html = client.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert "ConnectionRefusedError" in html
    from .conftest import csrf_token

    client.post(f"/admin/outbox/{row['id']}/retry", data={"csrf_token": csrf_token(html)})
    assert outbox_rows(mail_app)[0]["status"] == "pending"
    with mail_app.app_context():
        assert run_once(mail_app, "w")["sent"] == 1
    assert len(inbox.messages) == 1
    actions = [r["action"] for r in connect(mail_app.config["DATABASE"]).query("SELECT action FROM audit_log")]
    assert "outbox_retry" in actions


def test_backoff_is_capped_at_an_hour(app):
    settings = outbox.Settings.from_config(app.config)
    assert [outbox.backoff(settings, n).total_seconds() for n in (1, 2, 3, 7, 8, 20)] == [
        60,
        120,
        240,
        3600,
        3600,
        3600,
    ]


def test_two_workers_deliver_each_message_once(mail_app, smtp_server, make_request):
    for _ in range(6):
        row = make_request()
        with mail_app.app_context():
            db = connect(mail_app.config["DATABASE"])
            outbox.enqueue_new_request(db, outbox.Settings.from_config(mail_app.config), {**row, "outcome": "likely"})
    inbox = smtp_server(delay=0.05)
    results = []

    def work(name):
        with mail_app.app_context():
            results.append(run_once(mail_app, name))

    threads = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r["sent"] for r in results) == 18  # 6 requests x (2 desk + 1 patient)
    assert all(r["sent"] > 0 for r in results)  # both really worked at once
    ids = [m["Message-ID"] for _r, m in inbox.messages]
    assert len(ids) == 18 and len(set(ids)) == 18
    assert {r["status"] for r in outbox_rows(mail_app)} == {"sent"}


def dead_worker_on_this_host():
    """The worker name of a process that has exited, as a killed worker leaves it."""
    process = subprocess.Popen(["true"])  # noqa: S603,S607
    process.wait()
    return f"{socket.gethostname()}:{process.pid}"


def enqueue_one(app, make_request):
    row = make_request()
    with app.app_context():
        db = connect(app.config["DATABASE"])
        outbox.enqueue_new_request(db, outbox.Settings.from_config(app.config), {**row, "outcome": "likely"})
        return db


def test_smtp_message_left_sending_by_a_killed_worker_is_failed_at_once_and_never_resent(
    mail_app, smtp_server, make_request, monkeypatch
):
    db = enqueue_one(mail_app, make_request)
    claimed = outbox.claim(db, dead_worker_on_this_host())
    assert claimed and outbox.claim(db, "other-worker") == []  # taken
    inbox = smtp_server()
    with mail_app.app_context():
        run_once(mail_app, "new-worker")  # the restarted worker, seconds later
    rows = {r["id"]: r for r in outbox_rows(mail_app)}
    assert {rows[m["id"]]["status"] for m in claimed} == {"failed"}
    assert "may or may not have been delivered" in rows[claimed[0]["id"]]["last_error"]
    assert not any(m["Message-ID"].startswith(f"<outbox-{claimed[0]['id']}.") for _r, m in inbox.messages)
    assert outbox.attention(db)["failed"] == len(claimed)


def test_administrators_are_told_on_every_page_when_notifications_fail_or_wait(
    mail_app, make_request, auth, client, monkeypatch
):
    db = enqueue_one(mail_app, make_request)
    auth.login("admin")
    assert "Notifications need attention" not in client.get("/admin/users").get_data(as_text=True)
    move_clock(monkeypatch, minutes=11)  # no worker ran: the messages wait
    page = client.get("/admin/users").get_data(as_text=True)
    assert "3 waiting more than 10 minutes (is the delivery worker running?)" in page
    outbox.claim(db, dead_worker_on_this_host())
    outbox.recover_interrupted(db, SmtpSender(mail_app.config))
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "3 failed (check whether each went out, then retry)" in page
    auth.logout()
    auth.login("front_desk")  # the front desk is not asked to fix the mail
    assert "Notifications need attention" not in client.get("/staff/").get_data(as_text=True)


def test_a_claim_from_another_host_is_settled_only_after_it_is_stale(mail_app, make_request, monkeypatch):
    db = enqueue_one(mail_app, make_request)
    settings = outbox.Settings.from_config(mail_app.config)
    sender = SmtpSender(mail_app.config)
    claimed = outbox.claim(db, "elsewhere:123")
    assert outbox.recover_interrupted(db, sender) == 0  # maybe still sending
    move_clock(monkeypatch, minutes=16)
    assert outbox.recover_interrupted(db, sender) == len(claimed)
    assert outbox.deliver(db, settings, sender, "other-worker") == {"sent": 0, "unsent": 0}
    assert {r["status"] for r in outbox_rows(mail_app)} == {"failed"}


@pytest.mark.parametrize("written", [True, False])
def test_eml_message_interrupted_mid_send_is_written_exactly_once(app, make_request, written):
    app.config.update(SMTP_HOST="", FRONT_DESK_EMAILS=["desk@clinic.test"])
    db = enqueue_one(app, make_request)
    sender = FileSender(Path(app.instance_path) / "outbox", "Clinic <no-reply@clinic.test>", app.config["SECRET_KEY"])
    [message] = outbox.claim(db, dead_worker_on_this_host(), limit=1)
    if written:  # killed after the file was written, before the row was marked sent
        sender(message)
    with app.app_context():
        run_once(app, "new-worker")
    files = sorted((Path(app.instance_path) / "outbox").glob("*.eml"))
    assert [f.name for f in files].count(f"{message['id']:06d}-new_request.eml") == 1
    rows = {r["id"]: r for r in outbox_rows(app)}
    assert rows[message["id"]]["status"] == "sent"
    assert rows[message["id"]]["attempts"] == (1 if written else 2)


@pytest.fixture
def silent_smtp_port():
    """A mail server that accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()


def test_a_mail_server_that_never_answers_does_not_slow_any_page(mail_app, silent_smtp_port, client, patient):
    mail_app.config.update(SMTP_PORT=silent_smtp_port, SMTP_TIMEOUT=1.5)
    patient.complete()
    started = time.monotonic()
    response = patient.send_request()
    response.close()  # everything a server does after sending the page
    assert client.get("/").status_code == 200
    assert time.monotonic() - started < 1.0  # the SMTP timeout is 1.5 s: no page waited for the mail server
    assert response.headers["Location"] == "/done"
    assert {r["status"] for r in outbox_rows(mail_app)} == {"pending"}
    with mail_app.app_context():
        result = run_once(mail_app, "worker")  # the worker waits out the timeout, then keeps the messages
    assert result == {"reminders": 0, "sent": 0, "unsent": 3}
    assert all("timed out" in r["last_error"] for r in outbox_rows(mail_app))


def test_overdue_reminder_goes_out_once_and_only_for_new_requests(
    mail_app, smtp_server, make_request, runner, monkeypatch
):
    waiting = make_request()
    make_request(status="contacted")
    inbox = smtp_server()
    move_clock(monkeypatch, hours=19)
    assert "reminders queued 0" in runner.invoke(args=["send-outbox"]).output
    move_clock(monkeypatch, hours=2)  # 21 hours after the requests
    assert "reminders queued 2" in runner.invoke(args=["send-outbox"]).output
    assert "reminders queued 0" in runner.invoke(args=["send-outbox"]).output
    reminders = [m for _r, m in inbox.messages if m["Subject"].startswith("Reminder")]
    shown = f"{waiting['reference'][:4]}-{waiting['reference'][4:]}"
    assert len(reminders) == 2 and all(shown in m["Subject"] for m in reminders)
    assert sorted(m["To"] for m in reminders) == ["desk@clinic.test", "lead@clinic.test"]


def test_file_backend_writes_readable_eml_files(app, patient, runner, tmp_path):
    app.config.update(SMTP_HOST="", FRONT_DESK_EMAILS=["desk@clinic.test"])
    submit(patient)
    files = sorted((tmp_path / "instance" / "outbox").glob("*.eml"))
    assert [f.name.split("-", 1)[1] for f in files] == ["new_request.eml", "patient_confirmation.eml"]
    message = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert message["To"] == "desk@clinic.test"
    assert message["Subject"].startswith("New consultation request")
    assert "/staff/requests/" in message.get_content()
    assert {r["status"] for r in outbox_rows(app)} == {"sent"}
    assert not list((tmp_path / "instance" / "outbox").glob("*.tmp"))


def test_error_descriptions_never_carry_addresses():
    import smtplib

    refused = smtplib.SMTPRecipientsRefused({"pat@example.com": (550, b"no such user pat@example.com")})
    assert "example.com" not in describe(refused)
    assert describe(smtplib.SMTPDataError(554, b"rejected for pat@example.com")) == "SMTPDataError 554"
    assert (
        describe(OSError("cannot reach mail.example.com for bob@example.org"))
        == "OSError: cannot reach mail.example.com for <address>"
    )


@pytest.mark.parametrize(
    "due_in_hours, quiet_until, reminded_by",
    [
        (24, 19, 21),  # 4 hours before it is due
        (66, 61, 63),  # a Friday-evening request due Monday: nothing over the weekend
        (2, 0.9, 1.1),  # urgent: half-way, not the moment it arrives
    ],
)
def test_the_reminder_is_counted_back_from_the_due_time(
    mail_app, make_request, monkeypatch, due_in_hours, quiet_until, reminded_by
):
    make_request(due_in_hours=due_in_hours)
    db = connect(mail_app.config["DATABASE"])
    settings = outbox.Settings.from_config(mail_app.config)
    start = clock.now()
    with mail_app.app_context():
        monkeypatch.setattr(clock, "now", lambda: start + timedelta(hours=quiet_until))
        assert outbox.enqueue_overdue(db, settings) == 0
        monkeypatch.setattr(clock, "now", lambda: start + timedelta(hours=reminded_by))
        assert outbox.enqueue_overdue(db, settings) == 2  # one per front-desk address
