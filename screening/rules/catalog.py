"""A Babel extractor: the patient-facing words of a rules module, for the catalogs.

The rules stay plain data and code in English (pure, no gettext): this reads the module's
source and picks out what a patient reads: each criterion's title, each explanation a
criterion returns (`return STATUS, "..."`), each flag's patient text and the adults-only
message. Clinical words (rules, staff texts, sources) are left out: staff read English.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any, BinaryIO

PATIENT_ARGUMENT = {"Criterion": 1, "FlagInfo": 2}  # position of the patient's words in each call
PATIENT_CONSTANTS = {"ADULT_ONLY_MESSAGE"}


def _text(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def extract(fileobj: BinaryIO, keywords: Any, comment_tags: Any, options: dict) -> Iterator[tuple]:
    for node in ast.walk(ast.parse(fileobj.read())):
        found = None
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) and len(node.value.elts) == 2:
            found = _text(node.value.elts[1])
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in PATIENT_ARGUMENT:
            position = PATIENT_ARGUMENT[node.func.id]
            found = _text(node.args[position]) if len(node.args) > position else None
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id in PATIENT_CONSTANTS for t in node.targets
        ):
            found = _text(node.value)
        if found:
            yield node.lineno, "gettext", found, ["rules: for the patient"]
