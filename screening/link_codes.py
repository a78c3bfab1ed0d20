"""Codes that open something without a sign-in: a saved draft ("finish later"), a pain diary.

A code is never stored, not even in the outbox: the database holds a random link id and the SHA-256 of the
code, and the code is the HMAC of the link id under SECRET_KEY, worked out only when an email is sent or a
sheet printed. A copy of the database therefore opens nothing. Links carry the code after a `#`, which
browsers never send to a server (no access log holds it); without JavaScript the patient types it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from .references import ALPHABET

CODE_LENGTH = 16  # Crockford base32: 80 bits
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


@dataclass(frozen=True)
class LinkCodes:
    """The codes of one purpose ("resume", "diary"): a code made for one never opens the other."""

    purpose: str

    def new_link_id(self) -> str:
        return secrets.token_hex(16)

    def code_for(self, link_id: str, secret: str) -> str:
        digest = hmac.new(secret.encode(), f"{self.purpose}:{link_id}".encode(), hashlib.sha256).digest()
        number = int.from_bytes(digest, "big")
        return "".join(ALPHABET[(number >> (5 * i)) & 31] for i in range(CODE_LENGTH))

    def placeholder(self, link_id: str) -> str:
        """What a queued email holds instead of the code."""
        return f"[[{self.purpose}-code:{link_id}]]"

    def expand(self, body: str, secret: str) -> str:
        """At sending time: the placeholders of a stored email become their codes (never stored)."""
        pattern = re.compile(rf"\[\[{self.purpose}-code:([0-9a-f]{{32}})\]\]")
        return pattern.sub(lambda match: formatted(self.code_for(match.group(1), secret)), body)


def formatted(code: str) -> str:
    """ABCD-EFGH-JKMN-PQRS: four groups are easier to copy from paper or read out."""
    return "-".join(code[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalize(typed: str) -> str:
    """A code as typed: dashes and spaces dropped, any case, Crockford's look-alikes (O is 0, I and L are 1)."""
    return re.sub(r"[\s-]", "", typed or "").upper().translate(_LOOK_ALIKES)[:40]


def code_hash(code: str) -> str:
    """What the database keeps of a code, typed or made."""
    return hashlib.sha256(normalize(code).encode()).hexdigest()
