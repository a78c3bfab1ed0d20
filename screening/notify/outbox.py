"""The outbox: notification messages stored with the request, then delivered at most once.

Messages are written in the same transaction as the request they announce, so a
request never exists without its notifications. Only the delivery worker sends
(never a web request, so a slow mail server cannot slow a page). Workers claim
rows atomically (BEGIN IMMEDIATE + UPDATE ... RETURNING), so two workers never
send the same message.

A row left in `sending` by a worker that died is found at once when that worker
ran on this host (its process is gone), otherwise after `STALE_CLAIM`. If the
sender can tell whether it went out (the .eml file exists or not) it becomes
`sent` or is tried again; if not (SMTP), it is never re-sent automatically: it
becomes `failed` for an administrator to check and retry.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale, gettext
from sqlite_utils import Database

from .. import clock
from ..assessment import OUTCOME_LABELS
from ..db import immediate_transaction
from ..formatting import staff_time
from ..references import format_reference
from .mailer import Sender, describe

KINDS = ("new_request", "patient_confirmation", "overdue_reminder", "resume_link", "diary_link")
STALE_CLAIM = timedelta(minutes=15)
MAX_BACKOFF = timedelta(hours=1)


@dataclass(frozen=True)
class Settings:
    front_desk: tuple[str, ...]
    patient_confirmation: bool
    public_base_url: str
    clinic_name: str
    clinic_phone: str
    reminder_hours_before_due: int
    max_attempts: int
    backoff_seconds: int

    def request_link(self, reference: str) -> str:
        """The request page's address under the configured public base URL (the worker has no request
        to take a host from), built from the route itself so it follows the app's URLs."""
        base = urlsplit(self.public_base_url)
        adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
        return adapter.build("staff.request_page", {"reference": reference}, force_external=True)

    @classmethod
    def from_config(cls, config) -> Settings:
        return cls(
            front_desk=tuple(config["FRONT_DESK_EMAILS"]),
            patient_confirmation=config["PATIENT_CONFIRMATION_EMAIL"],
            public_base_url=config["PUBLIC_BASE_URL"].rstrip("/"),
            clinic_name=config["CLINIC_NAME"],
            clinic_phone=config["CLINIC_PHONE"],
            reminder_hours_before_due=config["REMINDER_HOURS_BEFORE_DUE"],
            max_attempts=config["OUTBOX_MAX_ATTEMPTS"],
            backoff_seconds=config["OUTBOX_BACKOFF_SECONDS"],
        )


def _enqueue(db: Database, kind: str, request_id: int | None, recipient: str, subject: str, body: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown outbox kind {kind!r}")
    now = clock.iso(clock.now())
    db.execute(
        "INSERT OR IGNORE INTO outbox (kind, request_id, recipient, subject, body, next_attempt_at, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [kind, request_id, recipient, subject, body, now, now],
    )


def enqueue_new_request(db: Database, settings: Settings, request: dict[str, Any]) -> None:
    """The front desk's notice and the patient's confirmation. No name, contact or health details."""
    reference = format_reference(request["reference"])
    outcome = OUTCOME_LABELS[request["outcome"]]
    # An urgent request's subject says so first, and nothing more: long subjects get cut in inboxes.
    subject = (
        f"URGENT: New consultation request {reference}"
        if request["urgent"]
        else f"New consultation request {reference} ({outcome.lower()})"
    )
    with force_locale("en"):  # for the front desk, whatever language the patient's pages were in
        body = render_template(
            "email/new_request.txt",
            reference=reference,
            outcome=outcome,
            link=settings.request_link(request["reference"]),
            urgent=request["urgent"],
            due_at=request["due_at"],
            settings=settings,
        )
    for address in settings.front_desk:
        _enqueue(db, "new_request", request["id"], address, subject, body)
    if settings.patient_confirmation and request.get("email"):
        body = render_template(
            "email/patient_confirmation.txt", reference=reference, settings=settings, due_at=request["due_at"]
        )
        # In the patient's language, like the pages they sent it from.
        subject = gettext("{clinic}: we received your request ({reference})").format(
            clinic=settings.clinic_name, reference=reference
        )
        _enqueue(db, "patient_confirmation", request["id"], request["email"], subject, body)


def cancel_reminders(db: Database, request_id: int) -> int:
    """Withdraw a request's overdue reminders not yet sent: someone has acted on it since they were queued."""
    return db.execute(
        "DELETE FROM outbox WHERE request_id = ? AND kind = 'overdue_reminder' AND status = 'pending'", [request_id]
    ).rowcount


def enqueue_resume_link(db: Database, settings: Settings, recipient: str, code: str, expires_at: str) -> None:
    """The patient's own 'finish later' link. Nothing about their answers; the code itself is filled in
    only when the email is sent (`code` is a placeholder), so the outbox never holds it."""
    body = render_template(
        "email/resume_link.txt",
        page=f"{settings.public_base_url}/resume",
        code=code,
        expires_at=expires_at,
        settings=settings,
    )
    subject = gettext("{clinic}: your link to finish your screening").format(clinic=settings.clinic_name)
    _enqueue(db, "resume_link", None, recipient, subject, body)


def enqueue_diary_link(
    db: Database, settings: Settings, request_id: int, recipient: str, code: str, expires_at: str, language: str = "en"
) -> None:
    """The patient's pain diary link after a block, in the language of their request (staff send it from
    English pages). No health data (not even the procedure); the code is a placeholder filled in only as the
    email is sent (screening/diary/codes.py)."""
    with force_locale(language):
        body = render_template(
            "email/diary_link.txt",
            page=f"{settings.public_base_url}/diary/",
            code=code,
            expires_at=expires_at,
            settings=settings,
        )
        subject = gettext("{clinic}: your diary link").format(clinic=settings.clinic_name)
    _enqueue(db, "diary_link", request_id, recipient, subject, body)


def enqueue_overdue(db: Database, settings: Settings) -> int:
    """A reminder for each request still new `reminder_hours_before_due` before its call is due, once per address.

    Counted back from the due time, which follows the clinic's hours: a request sent on Friday evening
    is not "nearly overdue" on Saturday. A request due sooner than that (an urgent one) is reminded
    half-way to its due time, not the moment it arrives.
    """
    if not settings.front_desk:
        return 0
    now = clock.now()
    lead = timedelta(hours=settings.reminder_hours_before_due)
    count = 0
    with db.atomic():
        for request in list(
            db.query(
                """SELECT id, reference, created_at, due_at FROM requests r WHERE status = 'new' AND due_at <= ?
               AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.request_id = r.id AND o.kind = 'overdue_reminder')""",
                [clock.iso(now + lead)],
            )
        ):
            created, due = clock.parse(request["created_at"]), clock.parse(request["due_at"])
            if now < due - min(lead, (due - created) / 2):
                continue
            reference = format_reference(request["reference"])
            body = render_template(
                "email/overdue_reminder.txt",
                reference=reference,
                due_at=request["due_at"],
                link=settings.request_link(request["reference"]),
                settings=settings,
            )
            for address in settings.front_desk:
                _enqueue(
                    db,
                    "overdue_reminder",
                    request["id"],
                    address,
                    f"Reminder: request {reference} not yet called, due {staff_time(request['due_at'])}",
                    body,
                )
                count += 1
    return count


BATCH = 5  # small batches let several workers share a backlog


def claim(db: Database, worker: str, limit: int = BATCH) -> list[dict]:
    """Take up to `limit` due messages for this worker; no other worker can take them."""
    now = clock.iso(clock.now())
    with immediate_transaction(db):
        return list(
            db.query(
                """UPDATE outbox SET status = 'sending', claimed_by = ?, claimed_at = ?, attempts = attempts + 1
               WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?
                            ORDER BY id LIMIT ?)
               RETURNING *""",
                [worker, now, now, limit],
            )
        )


INTERRUPTED = "Interrupted while sending: it may or may not have been delivered. Check, then retry."


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_gone(worker: str | None) -> bool:
    """True when `worker` ran on this host and its process no longer exists."""
    host, _, pid = (worker or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:  # exists, under another account
        return False
    return False


SETTLE = {  # by what the sender can tell: delivered, not delivered (try again at once), cannot tell
    True: """UPDATE outbox SET status = 'sent', sent_at = :now, last_error = NULL
             WHERE id = :id AND status = 'sending' AND claimed_by IS :worker""",
    False: """UPDATE outbox SET status = 'pending', next_attempt_at = :now
              WHERE id = :id AND status = 'sending' AND claimed_by IS :worker""",
    None: """UPDATE outbox SET status = 'failed', last_error = :error
             WHERE id = :id AND status = 'sending' AND claimed_by IS :worker""",
}


def recover_interrupted(db: Database, sender: Sender) -> int:
    """Settle messages left `sending` by a worker that died; returns how many."""
    stale = clock.iso(clock.now() - STALE_CLAIM)
    settled = 0
    for row in list(db.query("SELECT * FROM outbox WHERE status = 'sending'")):
        if not (_process_gone(row["claimed_by"]) or row["claimed_at"] < stale):
            continue
        settled += db.execute(
            SETTLE[sender.delivered(row)],
            {"now": clock.iso(clock.now()), "error": INTERRUPTED, "id": row["id"], "worker": row["claimed_by"]},
        ).rowcount
    return settled


def backoff(settings: Settings, attempts: int) -> timedelta:
    """Wait before the next try: base, then doubling, at most an hour."""
    return min(timedelta(seconds=settings.backoff_seconds * 2 ** (attempts - 1)), MAX_BACKOFF)


def mark_sent(db: Database, message: dict, worker: str) -> None:
    db.execute(
        "UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL WHERE id = ? AND claimed_by = ?",
        [clock.iso(clock.now()), message["id"], worker],
    )


def mark_unsent(db: Database, settings: Settings, message: dict, worker: str, error: str) -> None:
    failed = message["attempts"] >= settings.max_attempts
    db.execute(
        "UPDATE outbox SET status = ?, next_attempt_at = ?, last_error = ? WHERE id = ? AND claimed_by = ?",
        [
            "failed" if failed else "pending",
            clock.iso(clock.now() + backoff(settings, message["attempts"])),
            error[:500],
            message["id"],
            worker,
        ],
    )


def deliver(db: Database, settings: Settings, send: Sender, worker: str) -> dict[str, int]:
    """Settle interrupted messages, then claim and send due ones until none are left.

    Returns counts of sent and unsent messages.
    """
    recover_interrupted(db, send)
    counts = {"sent": 0, "unsent": 0}
    while True:
        batch = claim(db, worker)
        if not batch:
            return counts
        for message in batch:
            try:
                send(message)
            except Exception as error:  # noqa: BLE001  (any failure: keep the message for later)
                mark_unsent(db, settings, message, worker, describe(error))
                counts["unsent"] += 1
            else:
                mark_sent(db, message, worker)
                counts["sent"] += 1


def retry(db: Database, message_id: int) -> bool:
    """An administrator's retry of a failed message: due now, attempts counted afresh."""
    return (
        db.execute(
            "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, last_error = NULL"
            " WHERE id = ? AND status = 'failed'",
            [clock.iso(clock.now()), message_id],
        ).rowcount
        == 1
    )


def listing(db: Database, status: str | None = None, limit: int = 200) -> list[dict]:
    return list(
        db.query(
            """SELECT o.id, o.kind, o.recipient, o.subject, o.status, o.attempts, o.next_attempt_at, o.last_error,
                  o.created_at, o.sent_at FROM outbox o WHERE :status IS NULL OR o.status = :status
           ORDER BY o.id DESC LIMIT :limit""",
            {"status": status, "limit": limit},
        )
    )


def counts(db: Database) -> dict[str, int]:
    found = dict.fromkeys(("pending", "sending", "sent", "failed"), 0)
    for row in db.query("SELECT status, count(*) AS n FROM outbox GROUP BY status"):
        found[row["status"]] = row["n"]
    return found


WAITING_TOO_LONG = timedelta(minutes=10)


def attention(db: Database) -> dict[str, int]:
    """What an administrator must look at: failed messages, and messages due for a while but not sent
    (the delivery worker is not running, or the mail server is down)."""
    overdue = clock.iso(clock.now() - WAITING_TOO_LONG)
    row = next(
        db.query(
            """SELECT count(*) FILTER (WHERE status = 'failed') AS failed,
                  count(*) FILTER (WHERE status IN ('pending', 'sending') AND next_attempt_at <= ?) AS waiting
           FROM outbox""",
            [overdue],
        )
    )
    return {"failed": row["failed"], "waiting": row["waiting"]}
