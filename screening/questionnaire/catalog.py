"""A Babel extractor: the patient-facing words of the current questionnaire version, for the catalogs.

babel.cfg points `pybabel extract` at the definition files; only the current version's words
are extracted (earlier versions are read by staff only, in English). Staff's clinical words
are never extracted, so nothing staff-only reaches a patient's catalog.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from typing import Any, BinaryIO

from . import CURRENT_VERSION, definition_from_data


def extract(fileobj: BinaryIO, keywords: Any, comment_tags: Any, options: dict) -> Iterator[tuple]:
    raw = fileobj.read().decode("utf-8")
    definition = definition_from_data(tomllib.loads(raw))
    if definition.version != CURRENT_VERSION:
        return
    lines = raw.splitlines()
    for text in definition.patient_texts():
        needle = text.replace('"', '\\"')
        lineno = next((n for n, line in enumerate(lines, 1) if needle in line), 0)
        yield lineno, "gettext", text, [f"questionnaire {definition.version}"]
