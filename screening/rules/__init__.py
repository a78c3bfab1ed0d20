"""The candidacy rules, one module per released version.

A stored screening names the rules version that assessed it; its outcome,
flags and criteria are never recomputed, but reading it (which answers raised
a flag, the criteria's words) asks `for_version(screening.rules_version)`.
Every rules module offers: VERSION, QUESTIONNAIRE_VERSION, FLAGS, CRITERIA,
assess(answers), flag_reasons(answers), urgency_of_flags(flags) and safety_net(answers).
"""

from __future__ import annotations

from types import ModuleType

from . import v1, v2

CURRENT = v2
_BY_VERSION: dict[str, ModuleType] = {module.VERSION: module for module in (v1, v2)}
VERSIONS = tuple(_BY_VERSION)


def for_version(version: str) -> ModuleType:
    """The rules module of `version`; LookupError when there is none."""
    try:
        return _BY_VERSION[version]
    except KeyError:
        raise LookupError(f"no rules version {version!r}") from None
