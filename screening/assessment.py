"""The current candidacy rules: `assess(answers)` as the spec's Python interface names it.

Pure: no Flask, no database. The rules themselves live in `screening.rules`,
one module per version; this module points at the current one.
"""

from __future__ import annotations

from .rules import CURRENT
from .rules.common import OUTCOME_LABELS, OUTCOMES, SOURCES, URGENT, Assessment  # noqa: F401 (for callers)

assess = CURRENT.assess
urgency = CURRENT.urgency
FLAGS = CURRENT.FLAGS
CRITERIA = CURRENT.CRITERIA
