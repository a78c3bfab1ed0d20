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

from .. import clock

COOKIE_NAME = "draft"


def new_token() -> str:
    return secrets.token_urlsafe(16)  # 128 bits


def draft_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(db: Database, days: int) -> str:
    token = new_token()
    now = clock.now()
    db.execute(
        "INSERT INTO drafts (id, answers, created_at, updated_at, expires_at) VALUES (?, '{}', ?, ?, ?)",
        [draft_id(token), clock.iso(now), clock.iso(now), clock.iso(now + timedelta(days=days))],
    )
    return token


def load(db: Database, token: str | None) -> dict[str, Any] | None:
    """The draft's answers, or None when there is no such draft or it has expired."""
    if not token or len(token) > 64:
        return None
    rows = list(db.query(
        "SELECT answers FROM drafts WHERE id = ? AND expires_at > ?",
        [draft_id(token), clock.iso(clock.now())],
    ))
    return json.loads(rows[0]["answers"]) if rows else None


def save(db: Database, token: str, answers: dict[str, Any], days: int) -> None:
    """Store the answers and push the expiry `days` ahead of now."""
    now = clock.now()
    db.execute(
        "UPDATE drafts SET answers = ?, updated_at = ?, expires_at = ? WHERE id = ?",
        [json.dumps(answers), clock.iso(now), clock.iso(now + timedelta(days=days)), draft_id(token)],
    )


def delete(db: Database, token: str) -> None:
    db.execute("DELETE FROM drafts WHERE id = ?", [draft_id(token)])


def purge_expired(db: Database) -> int:
    return db.execute("DELETE FROM drafts WHERE expires_at <= ?", [clock.iso(clock.now())]).rowcount
