"""Request reference numbers: short, random, easy to read out over the phone."""
import re
import secrets

# Crockford base32: no I, L, O or U, so a reference read over the phone is unambiguous.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 8
_TYPED = re.compile(rf"^[{ALPHABET}]{{4}}-?[{ALPHABET}]{{4}}$")


def new_reference() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def format_reference(reference: str) -> str:
    """ABCD-EFGH: two groups of four are easier to read and say."""
    return f"{reference[:4]}-{reference[4:]}"


def normalize(text: str) -> str | None:
    """A reference as stored (ABCDEFGH) from what someone typed (abcd-efgh), or None if it is not one."""
    typed = text.strip().upper()
    return typed.replace("-", "") if _TYPED.match(typed) else None
