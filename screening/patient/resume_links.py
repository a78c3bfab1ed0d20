"""Save and finish later: a single-use code, emailed to the patient, that opens their draft in another browser.

The code is never stored anywhere, not even in the outbox: the database holds a
random link id and the SHA-256 of the code, and the code is the HMAC of that id
under SECRET_KEY, computed only when the email is sent. A copy of the database
therefore opens nothing. The link carries the code after a `#`, which browsers
never send to a server, so no access log holds it; a small script copies it into
the form, and without JavaScript the patient types the code from the email.
Pressing the button uses the code up (a mail scanner following the link spends
nothing), moves the draft to the new browser under a new key (the old browser's
key stops working, as a lost phone's should) and cancels every other code of
that draft. Asking for a new code cancels the earlier ones: only the newest works.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from sqlite_utils import Database

from .. import clock
from ..db import immediate_transaction
from ..references import ALPHABET
from . import drafts

CODE_LENGTH = 16  # Crockford base32: 80 bits
PLACEHOLDER = re.compile(r"\[\[resume-code:([0-9a-f]{32})\]\]")
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def code_for(link_id: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"resume:{link_id}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest, "big")
    return "".join(ALPHABET[(number >> (5 * i)) & 31] for i in range(CODE_LENGTH))


def formatted(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalize(typed: str) -> str:
    return re.sub(r"[\s-]", "", typed or "").upper().translate(_LOOK_ALIKES)[:40]


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def create(db: Database, draft_token: str, secret: str) -> tuple[str, str] | None:
    """A new link for this draft: (placeholder for the email, expiry). Earlier unused links are cancelled."""
    draft = next(db.query("SELECT id, expires_at FROM drafts WHERE id = ?", [drafts.draft_id(draft_token)]), None)
    if draft is None:
        return None
    link_id = secrets.token_hex(16)
    with db.atomic():
        db.execute("DELETE FROM resume_links WHERE draft_id = ? AND used_at IS NULL", [draft["id"]])
        db.execute(
            "INSERT INTO resume_links (id, draft_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
            [_hash(code_for(link_id, secret)), draft["id"], clock.iso(clock.now()), draft["expires_at"]],
        )
    return f"[[resume-code:{link_id}]]", draft["expires_at"]


def expand(body: str, secret: str) -> str:
    """At sending time: the placeholders of a stored email become their codes (never stored)."""
    return PLACEHOLDER.sub(lambda match: formatted(code_for(match.group(1), secret)), body)


def redeem(db: Database, typed_code: str) -> str | None:
    """Use a code: the draft's new cookie token, or None when the code is unknown, used or expired."""
    code_hash = _hash(normalize(typed_code))
    now = clock.iso(clock.now())
    new_token = drafts.new_token()
    with immediate_transaction(db):
        row = next(
            db.query(
                """SELECT l.draft_id FROM resume_links l JOIN drafts d ON d.id = l.draft_id
               WHERE l.id = :id AND l.used_at IS NULL AND l.expires_at > :now AND d.expires_at > :now""",
                {"id": code_hash, "now": now},
            ),
            None,
        )
        if row is None:
            return None
        old_id, new_id = row["draft_id"], drafts.draft_id(new_token)
        db.execute("UPDATE resume_links SET used_at = ? WHERE id = ?", [now, code_hash])
        db.execute("DELETE FROM resume_links WHERE draft_id = ? AND used_at IS NULL", [old_id])
        db.execute("UPDATE drafts SET id = ? WHERE id = ?", [new_id, old_id])
        db.execute("UPDATE screenings SET submission_key = ? WHERE submission_key = ?", [new_id, old_id])
    return new_token
