"""The outbox: notification messages stored with the request, then delivered at most once.

Messages are written in the same transaction as the request they announce, so a
request never exists without its notifications. Workers claim rows atomically
(BEGIN IMMEDIATE + UPDATE ... RETURNING), so two workers never send the same
message. A row left in `sending` by a worker that died is never re-sent
automatically (it may or may not have gone out): it becomes `failed` for an
administrator to check and retry.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable, Iterable

from flask import render_template
from sqlite_utils import Database

from .. import clock
from ..assessment import OUTCOME_LABELS
from ..db import immediate_transaction
from ..references import format_reference
from .mailer import describe

STALE_CLAIM = timedelta(minutes=15)
MAX_BACKOFF = timedelta(hours=1)


@dataclass(frozen=True)
class Settings:
    front_desk: tuple[str, ...]
    patient_confirmation: bool
    public_base_url: str
    clinic_name: str
    clinic_phone: str
    sla_hours: int
    overdue_hours: int
    max_attempts: int
    backoff_seconds: int

    def request_link(self, reference: str) -> str:
        return f"{self.public_base_url}/staff/requests/{reference}"

    @classmethod
    def from_config(cls, config) -> "Settings":
        return cls(
            front_desk=tuple(config["FRONT_DESK_EMAILS"]),
            patient_confirmation=config["PATIENT_CONFIRMATION_EMAIL"],
            public_base_url=config["PUBLIC_BASE_URL"].rstrip("/"),
            clinic_name=config["CLINIC_NAME"],
            clinic_phone=config["CLINIC_PHONE"],
            sla_hours=config["CONTACT_SLA_HOURS"],
            overdue_hours=config["OVERDUE_REMINDER_HOURS"],
            max_attempts=config["OUTBOX_MAX_ATTEMPTS"],
            backoff_seconds=config["OUTBOX_BACKOFF_SECONDS"],
        )


def _enqueue(db: Database, kind: str, request_id: int, recipient: str, subject: str, body: str) -> None:
    now = clock.iso(clock.now())
    db.execute(
        "INSERT OR IGNORE INTO outbox (kind, request_id, recipient, subject, body, next_attempt_at, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [kind, request_id, recipient, subject, body, now, now],
    )


def enqueue_new_request(db: Database, settings: Settings, request: dict[str, Any]) -> None:
    """The front desk's notice and the patient's confirmation. No name, contact or health details."""
    reference = format_reference(request["reference"])
    outcome = OUTCOME_LABELS[request["outcome"]].split(":")[0].lower()
    subject = f"New consultation request {reference} ({outcome})"
    if request["urgent"]:
        subject = "URGENT: " + subject
    body = render_template("email/new_request.txt", reference=reference, outcome=outcome,
                           link=settings.request_link(request["reference"]),
                           urgent=request["urgent"], due_at=request["due_at"], settings=settings)
    for address in settings.front_desk:
        _enqueue(db, "new_request", request["id"], address, subject, body)
    if settings.patient_confirmation and request.get("email"):
        body = render_template("email/patient_confirmation.txt", reference=reference, settings=settings,
                               due_at=request["due_at"])
        _enqueue(db, "patient_confirmation", request["id"], request["email"],
                 f"{settings.clinic_name}: we received your request ({reference})", body)


def enqueue_overdue(db: Database, settings: Settings) -> int:
    """A reminder for each request still new after `overdue_hours`, once per address."""
    if not settings.front_desk:
        return 0
    cutoff = clock.iso(clock.now() - timedelta(hours=settings.overdue_hours))
    count = 0
    with db.atomic():
        for request in list(db.query(
            """SELECT id, reference, due_at FROM requests r WHERE status = 'new' AND created_at <= ?
               AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.request_id = r.id AND o.kind = 'overdue_reminder')""",
            [cutoff],
        )):
            reference = format_reference(request["reference"])
            body = render_template("email/overdue_reminder.txt", reference=reference, due_at=request["due_at"],
                                   link=settings.request_link(request["reference"]),
                                   settings=settings)
            for address in settings.front_desk:
                _enqueue(db, "overdue_reminder", request["id"], address,
                         f"Reminder: request {reference} not yet called ({settings.overdue_hours} hours)", body)
                count += 1
    return count


BATCH = 5  # small batches let several workers share a backlog


def claim(db: Database, worker: str, limit: int = BATCH, only_ids: Iterable[int] | None = None) -> list[dict]:
    """Take up to `limit` due messages for this worker; no other worker can take them."""
    now = clock.now()
    ids = list(only_ids) if only_ids is not None else None
    if ids == []:
        return []
    with immediate_transaction(db):
        db.execute(
            "UPDATE outbox SET status = 'failed', last_error = ? WHERE status = 'sending' AND claimed_at < ?",
            ["Interrupted while sending: it may or may not have been delivered. Check, then retry.",
             clock.iso(now - STALE_CLAIM)],
        )
        restrict = f" AND id IN ({', '.join('?' * len(ids))})" if ids else ""
        return list(db.query(
            f"""UPDATE outbox SET status = 'sending', claimed_by = ?, claimed_at = ?, attempts = attempts + 1
                WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?{restrict}
                             ORDER BY id LIMIT ?)
                RETURNING *""",
            [worker, clock.iso(now), clock.iso(now), *(ids or []), limit],
        ))


def backoff(settings: Settings, attempts: int) -> timedelta:
    """Wait before the next try: base, then doubling, at most an hour."""
    return min(timedelta(seconds=settings.backoff_seconds * 2 ** (attempts - 1)), MAX_BACKOFF)


def mark_sent(db: Database, message: dict, worker: str) -> None:
    db.execute("UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL WHERE id = ? AND claimed_by = ?",
               [clock.iso(clock.now()), message["id"], worker])


def mark_unsent(db: Database, settings: Settings, message: dict, worker: str, error: str) -> None:
    failed = message["attempts"] >= settings.max_attempts
    db.execute(
        "UPDATE outbox SET status = ?, next_attempt_at = ?, last_error = ? WHERE id = ? AND claimed_by = ?",
        ["failed" if failed else "pending", clock.iso(clock.now() + backoff(settings, message["attempts"])),
         error[:500], message["id"], worker],
    )


def deliver(db: Database, settings: Settings, send: Callable[[dict], None], worker: str,
            only_ids: Iterable[int] | None = None) -> dict[str, int]:
    """Claim and send due messages until none are left; returns counts of sent and unsent."""
    counts = {"sent": 0, "unsent": 0}
    while True:
        batch = claim(db, worker, only_ids=only_ids)
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
    return db.execute(
        "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, last_error = NULL"
        " WHERE id = ? AND status = 'failed'",
        [clock.iso(clock.now()), message_id],
    ).rowcount == 1


def ids_for_request(db: Database, request_id: int) -> list[int]:
    return [r["id"] for r in db.query("SELECT id FROM outbox WHERE request_id = ? AND status = 'pending'",
                                      [request_id])]


def listing(db: Database, status: str | None = None, limit: int = 200) -> list[dict]:
    where = " WHERE o.status = ?" if status else ""
    return list(db.query(
        f"""SELECT o.id, o.kind, o.recipient, o.subject, o.status, o.attempts, o.next_attempt_at, o.last_error,
                   o.created_at, o.sent_at FROM outbox o{where} ORDER BY o.id DESC LIMIT ?""",
        [status, limit] if status else [limit],
    ))


def counts(db: Database) -> dict[str, int]:
    found = {status: 0 for status in ("pending", "sending", "sent", "failed")}
    for row in db.query("SELECT status, count(*) AS n FROM outbox GROUP BY status"):
        found[row["status"]] = row["n"]
    return found
