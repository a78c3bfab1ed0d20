"""Server-side drafts: answers saved at every step, keyed by a random cookie token.

Only the SHA-256 of the token is stored, so a copy of the database does not
let anyone take over a patient's draft.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import timedelta
from typing import Any

from sqlite_utils import Database

from .. import clock, questionnaire

COOKIE_NAME = "draft"


def new_token() -> str:
    return secrets.token_urlsafe(16)  # 128 bits


def draft_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(db: Database, days: int, language: str | None = None) -> str:
    token = new_token()
    now = clock.now()
    db.execute(
        "INSERT INTO drafts (id, answers, created_at, updated_at, expires_at, questionnaire_version, language)"
        " VALUES (?, '{}', ?, ?, ?, ?, ?)",
        [
            draft_id(token),
            clock.iso(now),
            clock.iso(now),
            clock.iso(now + timedelta(days=days)),
            questionnaire.CURRENT_VERSION,
            language,
        ],
    )
    return token


def language(db: Database, token: str | None) -> str | None:
    """The language the patient chose for this draft (None: they have not chosen; the browser decides)."""
    if not token or len(token) > 64:
        return None
    row = next(
        db.query(
            "SELECT language FROM drafts WHERE id = ? AND expires_at > ?", [draft_id(token), clock.iso(clock.now())]
        ),
        None,
    )
    return row["language"] if row else None


def set_language(db: Database, token: str, chosen: str) -> None:
    db.execute("UPDATE drafts SET language = ? WHERE id = ?", [chosen, draft_id(token)])


def load(db: Database, token: str | None) -> dict[str, Any] | None:
    """The draft's answers under the current questionnaire, or None when there is no such draft or it expired.

    A draft begun under an earlier version is carried over once, here: the answers
    that keep their meaning stay, the rest will be asked again.
    """
    if not token or len(token) > 64:
        return None
    row = next(
        db.query(
            "SELECT answers, questionnaire_version FROM drafts WHERE id = ? AND expires_at > ?",
            [draft_id(token), clock.iso(clock.now())],
        ),
        None,
    )
    if row is None:
        return None
    answers = json.loads(row["answers"])
    if row["questionnaire_version"] != questionnaire.CURRENT_VERSION:
        answers = questionnaire.current().upgraded(answers, row["questionnaire_version"])
        db.execute(
            "UPDATE drafts SET answers = ?, questionnaire_version = ? WHERE id = ?",
            [json.dumps(answers), questionnaire.CURRENT_VERSION, draft_id(token)],
        )
    return answers


def save(db: Database, token: str, answers: dict[str, Any], days: int) -> None:
    """Store the answers and push the expiry `days` ahead of now."""
    now = clock.now()
    db.execute(
        "UPDATE drafts SET answers = ?, updated_at = ?, expires_at = ?, pending_form = NULL WHERE id = ?",
        [json.dumps(answers), clock.iso(now), clock.iso(now + timedelta(days=days)), draft_id(token)],
    )


def delete(db: Database, token: str) -> None:
    db.execute("DELETE FROM drafts WHERE id = ?", [draft_id(token)])


def keep_form(db: Database, token: str, page: str, fields: list[tuple[str, str]], **flags: bool) -> None:
    """Keep a form posted with errors for the page the browser is sent to next (post/redirect/get)."""
    db.execute(
        "UPDATE drafts SET pending_form = ? WHERE id = ?",
        [json.dumps({"page": page, "fields": fields, **flags}), draft_id(token)],
    )


def kept_form(db: Database, token: str, page: str) -> dict[str, Any] | None:
    """The form kept for `page`: a reload shows it again, until answers are next saved (`save` clears it)."""
    row = next(db.query("SELECT pending_form FROM drafts WHERE id = ?", [draft_id(token)]), None)
    if row is None or row["pending_form"] is None:
        return None
    kept = json.loads(row["pending_form"])
    return kept if kept["page"] == page else None
