"""CSV written row by row, safe to open in a spreadsheet."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# A phone number in E.164 ("+12025550104") starts with "+" but is no formula: written as it is.
E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def cell(value: Any) -> str:
    """Text for one cell; a leading formula character is neutralised with a quote (except in a phone number)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) and not E164.fullmatch(text) else text


def stream(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in _with_header(header, rows):
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)


def _with_header(header, rows):
    yield header
    for row in rows:
        yield [cell(value) for value in row]
