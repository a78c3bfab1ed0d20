"""Reading query-string values that people and bots can type anything into."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

DATE_HINT = "Enter a date as year-month-day, for example 2026-11-27"


def whole_number(text: str | None, minimum: int = 1, maximum: int = 999_999_999) -> int | None:
    """A whole number within bounds (SQLite-safe), or None."""
    if not text or not text.isdigit() or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None


@dataclass
class DateRange:
    """The days asked for by `from` and `to` (either may be missing), and a message per field that is wrong."""

    start: date | None = None
    end: date | None = None
    errors: dict[str, str] = field(default_factory=dict)


def date_range(args: Mapping[str, str]) -> DateRange:
    """`from` and `to` as dates: a date that cannot be read is an error said next to its field, never "no
    filter" (which would quietly return everything), and so is an end before the start."""
    chosen = DateRange()
    for name, attribute in (("from", "start"), ("to", "end")):
        text = (args.get(name) or "").strip()
        if text:
            try:
                setattr(chosen, attribute, date.fromisoformat(text))
            except ValueError:
                chosen.errors[name] = DATE_HINT
    if chosen.start and chosen.end and chosen.start > chosen.end:
        chosen.errors["to"] = "The end date must be on or after the start date"
    return chosen
