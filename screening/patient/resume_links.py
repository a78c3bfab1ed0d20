"""Save and finish later: a single-use link that opens a patient's draft in another browser.

The email carries only the link (no health data). Only the SHA-256 of its token
is stored. Opening the link shows a button; pressing it uses the link up, so
a mail scanner that follows links cannot spend it. Using it moves the draft to
the new browser under a new key: the old browser's key stops working, as a lost
phone's should.
"""
from __future__ import annotations

import hashlib
import secrets

from sqlite_utils import Database

from .. import clock
from ..db import immediate_transaction
from . import drafts


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(db: Database, draft_token: str) -> tuple[str, str] | None:
    """A new link token for this draft and when it expires (with the draft), or None without a draft."""
    row = next(db.query("SELECT id, expires_at FROM drafts WHERE id = ?", [drafts.draft_id(draft_token)]), None)
    if row is None:
        return None
    token = secrets.token_urlsafe(32)
    db.execute("INSERT INTO resume_links (id, draft_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
               [_hash(token), row["id"], clock.iso(clock.now()), row["expires_at"]])
    return token, row["expires_at"]


def usable(db: Database, token: str) -> bool:
    if not token or len(token) > 100:
        return False
    return next(db.query(
        """SELECT 1 FROM resume_links l JOIN drafts d ON d.id = l.draft_id
           WHERE l.id = :id AND l.used_at IS NULL AND l.expires_at > :now AND d.expires_at > :now""",
        {"id": _hash(token), "now": clock.iso(clock.now())}), None) is not None


def redeem(db: Database, token: str) -> str | None:
    """Use the link: the draft's new cookie token, or None when the link is unknown, used or expired."""
    if not usable(db, token):
        return None
    now = clock.iso(clock.now())
    new_token = drafts.new_token()
    new_id = drafts.draft_id(new_token)
    with immediate_transaction(db):
        old_id = next(db.query("SELECT draft_id FROM resume_links WHERE id = ? AND used_at IS NULL",
                               [_hash(token)]), {}).get("draft_id")
        if old_id is None:  # used a moment ago by a double click
            return None
        db.execute("UPDATE resume_links SET used_at = ? WHERE id = ?", [now, _hash(token)])
        db.execute("UPDATE drafts SET id = ? WHERE id = ?", [new_id, old_id])
        db.execute("UPDATE screenings SET submission_key = ? WHERE submission_key = ?", [new_id, old_id])
        db.execute("UPDATE resume_links SET draft_id = ? WHERE draft_id = ?", [new_id, old_id])
    return new_token
