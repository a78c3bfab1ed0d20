"""Save and finish later: a single-use code, emailed to the patient, that opens their draft in another browser.

The code is never stored (screening/link_codes.py: only its hash, the code made when the email is sent).
Pressing the button uses the code up (a mail scanner following the link spends
nothing), moves the draft to the new browser under a new key (the old browser's
key stops working, as a lost phone's should) and cancels every other code of
that draft. Asking for a new code cancels the earlier ones: only the newest works.
"""

from __future__ import annotations

from sqlite_utils import Database

from .. import clock
from ..db import immediate_transaction
from ..link_codes import LinkCodes, code_hash
from . import drafts

_RESUME = LinkCodes("resume")
expand = _RESUME.expand


def create(db: Database, draft_token: str, secret: str) -> tuple[str, str] | None:
    """A new link for this draft: (placeholder for the email, expiry). Earlier unused links are cancelled."""
    draft = next(db.query("SELECT id, expires_at FROM drafts WHERE id = ?", [drafts.draft_id(draft_token)]), None)
    if draft is None:
        return None
    link_id = _RESUME.new_link_id()
    with db.atomic():
        db.execute("DELETE FROM resume_links WHERE draft_id = ? AND used_at IS NULL", [draft["id"]])
        db.execute(
            "INSERT INTO resume_links (id, draft_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
            [code_hash(_RESUME.code_for(link_id, secret)), draft["id"], clock.iso(clock.now()), draft["expires_at"]],
        )
    return _RESUME.placeholder(link_id), draft["expires_at"]


def redeem(db: Database, typed_code: str) -> str | None:
    """Use a code: the draft's new cookie token, or None when the code is unknown, used or expired."""
    typed_hash = code_hash(typed_code)
    now = clock.iso(clock.now())
    new_token = drafts.new_token()
    with immediate_transaction(db):
        row = next(
            db.query(
                """SELECT l.draft_id FROM resume_links l JOIN drafts d ON d.id = l.draft_id
               WHERE l.id = :id AND l.used_at IS NULL AND l.expires_at > :now AND d.expires_at > :now""",
                {"id": typed_hash, "now": now},
            ),
            None,
        )
        if row is None:
            return None
        old_id, new_id = row["draft_id"], drafts.draft_id(new_token)
        db.execute("UPDATE resume_links SET used_at = ? WHERE id = ?", [now, typed_hash])
        db.execute("DELETE FROM resume_links WHERE draft_id = ? AND used_at IS NULL", [old_id])
        db.execute("UPDATE drafts SET id = ? WHERE id = ?", [new_id, old_id])
        db.execute("UPDATE screenings SET submission_key = ? WHERE submission_key = ?", [new_id, old_id])
    return new_token
