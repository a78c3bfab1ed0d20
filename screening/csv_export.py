"""CSV streamed in batches of rows, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)


# A phone number in E.164 ("+12025550104") starts with "+" but is no formula: written as it is.
E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def cell(value: Any) -> str:
    """Text for one cell; a leading formula character is neutralised with a quote (except in a phone number)."""
    if value.__class__ is not str:  # most cells are text already and skip str(): each export calls this a million times
        if value is None:
            return ""
        value = str(value)
    if value[:1] in _FORMULA_FIRST and not E164.fullmatch(value):
        return "'" + value
    return value


# Rows per chunk sent: one chunk per row made 100,001 writes to the socket for 100,000 rows; a batch keeps
# the memory of a chunk small (about 100-300 KB) and the export at the speed of reading the rows.
BATCH_ROWS = 1000


def stream(header: list[str], rows: Iterable[list[Any]], generated: Iterable[int] = ()) -> Iterator[str]:
    """The header at once (the download starts), then the rows BATCH_ROWS at a time, read lazily.

    `generated`: the positions of columns whose text the app writes itself (references, codes, times), which
    can never start a formula and are written as they are; every other cell is checked.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield _take(buffer)
    plain = set(generated)
    checked = [position for position in range(len(header)) if position not in plain]
    batch = []
    for row in rows:
        row = list(row)
        for position in checked:
            row[position] = cell(row[position])
        batch.append(row)
        if len(batch) == BATCH_ROWS:
            writer.writerows(batch)
            batch.clear()
            yield _take(buffer)
    if batch:
        writer.writerows(batch)
        yield _take(buffer)


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate(0)
    return text
