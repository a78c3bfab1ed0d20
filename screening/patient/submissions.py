"""Storing finished screenings and consultation requests, exactly once."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from .. import clock, rules
from ..assessment import Assessment
from ..db import immediate_transaction
from ..references import new_reference
from . import drafts


def store_screening(db: Database, submission_key: str, assessment: Assessment, language: str | None = None) -> int:
    """Insert or refresh the screening for this draft (`language`: the one it was answered in); returns its id.

    A screening is kept even when no request follows, for the clinic's statistics
    (answers only, never contact details).
    """
    now = clock.iso(clock.now())
    row = {
        "questionnaire_version": assessment.questionnaire_version,
        "rules_version": assessment.rules_version,
        "answers": json.dumps(assessment.answers),
        "outcome": assessment.outcome,
        "flags": json.dumps(sorted(assessment.flags)),
        "criteria": json.dumps(assessment.criteria),
        "peg_score": assessment.peg_score,
    }
    db.execute(
        """
        INSERT INTO screenings (submission_key, created_at, updated_at, questionnaire_version,
            rules_version, answers, outcome, flags, criteria, peg_score)
        VALUES (:key, :now, :now, :questionnaire_version, :rules_version, :answers, :outcome,
            :flags, :criteria, :peg_score)
        ON CONFLICT (submission_key) DO UPDATE SET updated_at = :now,
            questionnaire_version = :questionnaire_version, rules_version = :rules_version,
            answers = :answers, outcome = :outcome, flags = :flags, criteria = :criteria,
            peg_score = :peg_score
        WHERE NOT EXISTS (SELECT 1 FROM requests WHERE requests.screening_id = screenings.id)
        """,
        {"key": submission_key, "now": now, **row},
    )
    if language:
        db.execute(
            """UPDATE screenings SET language = ? WHERE submission_key = ?
                      AND NOT EXISTS (SELECT 1 FROM requests WHERE requests.screening_id = screenings.id)""",
            [language, submission_key],
        )
    return next(db.query("SELECT id FROM screenings WHERE submission_key = ?", [submission_key]))["id"]


def reference_for(db: Database, submission_key: str) -> str | None:
    """The reference of the request already made from this draft, if any."""
    rows = list(
        db.query(
            """SELECT r.reference FROM requests r JOIN screenings s ON s.id = r.screening_id
           WHERE s.submission_key = ?""",
            [submission_key],
        )
    )
    return rows[0]["reference"] if rows else None


def submit_request(
    db: Database,
    token: str,
    assessment: Assessment,
    contact: dict[str, Any],
    due: Callable[[datetime], datetime],
    on_created: Callable[[Database, dict[str, Any]], None] | None = None,
    language: str | None = None,
) -> tuple[str, int | None]:
    """Store screening and request and delete the draft, in one transaction.

    `on_created(db, request)` runs inside that transaction (the notifications are
    stored with the request). Returns (reference, id of the new request); a second
    submit of the same draft (refresh, double click, two tabs) returns the first
    request's reference and None instead of creating another.
    """
    key = drafts.draft_id(token)
    with immediate_transaction(db):
        existing = reference_for(db, key)
        if existing:
            return existing, None
        screening_id = store_screening(db, key, assessment, language)
        now = clock.now()
        request = {
            **contact,
            "screening_id": screening_id,
            "urgent": int(assessment.outcome == "urgent"),
            "status": "new",
            "created_at": clock.iso(now),
            "due_at": clock.iso(due(now)),
        }
        columns = ", ".join(request)
        placeholders = ", ".join(f":{name}" for name in request)
        while True:
            reference = new_reference()
            try:
                with db.atomic():
                    db.execute(  # column names are this function's own keys; every value is bound
                        f"INSERT INTO requests (reference, {columns}) VALUES (:reference, {placeholders})",  # nosec B608
                        {"reference": reference, **request},
                    )
                break
            except sqlite3.IntegrityError:
                if not list(db.query("SELECT 1 FROM requests WHERE reference = ?", [reference])):
                    raise  # another constraint failed: not a reference collision
        created = next(db.query("SELECT * FROM requests WHERE reference = ?", [reference]))
        if on_created:
            on_created(db, {**created, "outcome": assessment.outcome})
        drafts.delete(db, token)
    return reference, created["id"]


CONTACT_FIELDS = (
    "full_name",
    "phone",
    "email",
    "date_of_birth",
    "preferred_contact",
    "best_times",
    "voicemail_ok",
    "language",
    "interpreter",
    "accessibility_needs",
    "location",
    "patient_status",
    "insurance",
    "message",
)


def same_contact(db: Database, reference: str, contact: dict[str, Any]) -> bool:
    """Whether the request stored under `reference` has these contact details (a second tab's are lost)."""
    row = next(db.query("SELECT * FROM requests WHERE reference = ?", [reference]))
    return all(row[name] == contact.get(name) for name in CONTACT_FIELDS)


def sent_at(db: Database, reference: str) -> datetime:
    return clock.parse(next(db.query("SELECT created_at FROM requests WHERE reference = ?", [reference]))["created_at"])


def sent_request(db: Database, reference: str) -> dict[str, Any] | None:
    """What the confirmation page repeats: when the call is due, the urgent advice's tier, the summary."""
    row = next(
        db.query(
            """SELECT r.created_at, r.due_at, r.email, s.flags, s.rules_version, s.questionnaire_version, s.answers
           FROM requests r JOIN screenings s ON s.id = r.screening_id WHERE r.reference = ?""",
            [reference],
        ),
        None,
    )
    if row is None:
        return None
    rules_module = rules.for_version(row["rules_version"])
    tier = rules_module.urgency_of_flags(json.loads(row["flags"]))
    answers = json.loads(row["answers"])
    return {
        "due_at": row["due_at"],
        "created_at": row["created_at"],
        "tier": tier,
        "email": row["email"],
        "questionnaire_version": row["questionnaire_version"],
        "assessment": rules_module.assess(answers),
    }
