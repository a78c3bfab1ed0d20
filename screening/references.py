"""Request reference numbers: short, random, easy to read out over the phone."""

import re
import secrets

# Crockford base32: no I, L, O or U, so a reference read over the phone is unambiguous.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 8
_STORED = re.compile(rf"[{ALPHABET}]{{{LENGTH}}}")
# Read out over the phone or copied by hand, O is 0 and I or L is 1 (Crockford's decoding rule).
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_reference() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def format_reference(reference: str) -> str:
    """ABCD-EFGH: two groups of four are easier to read and say."""
    return f"{reference[:4]}-{reference[4:]}"


def normalize(text: str) -> str | None:
    """A reference as stored (ABCDEFGH) from what someone typed or said ("abcd efgh", "ABCO-EFGH"), or None."""
    typed = re.sub(r"[\s-]", "", text).upper().translate(_LOOK_ALIKES)
    return typed if _STORED.fullmatch(typed) else None
