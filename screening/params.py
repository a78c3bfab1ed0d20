"""Reading query-string values that people and bots can type anything into."""
from __future__ import annotations

from datetime import date, timedelta


def whole_number(text: str | None, minimum: int = 1, maximum: int = 999_999_999) -> int | None:
    """A whole number within bounds (SQLite-safe), or None."""
    if not text or not text.isdigit() or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None


def day(text: str | None, next_day: bool = False) -> str | None:
    """An ISO date (or the day after it, for an end bound that includes the day), or None."""
    try:
        parsed = date.fromisoformat(text or "")
    except ValueError:
        return None
    return (parsed + timedelta(days=next_day)).isoformat()
