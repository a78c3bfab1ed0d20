"""Request reference numbers: short, random, easy to read out over the phone."""
import secrets

# Crockford base32: no I, L, O or U, so a reference read over the phone is unambiguous.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 8


def new_reference() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def format_reference(reference: str) -> str:
    """ABCD-EFGH: two groups of four are easier to read and say."""
    return f"{reference[:4]}-{reference[4:]}"
