"""The diary code: unguessable (80 bits), never stored, derived again whenever the sheet is printed or the email sent.

The database holds a random link id and the SHA-256 of the code; the code is the HMAC of the link id under
SECRET_KEY, so a copy of the database opens no diary. The link carries the code after a `#`, which browsers never
send to a server (no access log holds it); a small script copies it into the form, and without JavaScript the
patient types the code printed on the sheet.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from ..references import ALPHABET

CODE_LENGTH = 16  # Crockford base32: 80 bits
PLACEHOLDER = re.compile(r"\[\[diary-code:([0-9a-f]{32})\]\]")
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_link_id() -> str:
    return secrets.token_hex(16)


def code_for(link_id: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"diary:{link_id}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest, "big")
    return "".join(ALPHABET[(number >> (5 * i)) & 31] for i in range(CODE_LENGTH))


def formatted(code: str) -> str:
    """ABCD-EFGH-JKMN-PQRS: four groups are easier to copy from paper."""
    return "-".join(code[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalize(typed: str) -> str:
    return re.sub(r"[\s-]", "", typed or "").upper().translate(_LOOK_ALIKES)[:40]


def code_hash(code: str) -> str:
    return hashlib.sha256(normalize(code).encode()).hexdigest()


def placeholder(link_id: str) -> str:
    return f"[[diary-code:{link_id}]]"


def expand(body: str, secret: str) -> str:
    """At sending time: the placeholders of a stored email become their codes (never stored)."""
    return PLACEHOLDER.sub(lambda match: formatted(code_for(match.group(1), secret)), body)
