"""The screening questionnaire, defined once per version as data.

Each released version is a data file in `definitions/`, named by its version
and never edited once released. A stored screening names its version, and
everything that reads it asks `definition(version)`; the patient path uses
`current()`. Item ids and answer codes are the contract in
docs/data-dictionary-<version>.md; the wording is ours.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from .model import (  # noqa: F401 (the package's public names)
    MULTI,
    SCALE,
    SCALE_MAX,
    SCALE_MIN,
    SINGLE,
    TEXT,
    TEXT_MAX,
    Condition,
    Definition,
    Item,
    Option,
    Step,
    definition_from_data,
)

DEFINITIONS = Path(__file__).resolve().parent / "definitions"
CURRENT_VERSION = "2.0.0"


def _sort_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


VERSIONS: tuple[str, ...] = tuple(sorted((p.stem for p in DEFINITIONS.glob("*.toml")), key=_sort_key))


@cache
def definition(version: str) -> Definition:
    """The released definition of `version`; LookupError when there is none."""
    if version not in VERSIONS:
        raise LookupError(f"no questionnaire version {version!r}")
    with (DEFINITIONS / f"{version}.toml").open("rb") as file:
        loaded = definition_from_data(tomllib.load(file))
    if loaded.version != version:
        raise ValueError(f"{version}.toml says it is version {loaded.version}")
    return loaded


def current() -> Definition:
    return definition(CURRENT_VERSION)
