"""What every version of the candidacy rules shares: the result types and their words.

Pure: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

MET, NOT_MET, UNCLEAR = "met", "not_met", "unclear"
STATUSES = (MET, NOT_MET, UNCLEAR)
URGENT, UNLIKELY, LIKELY, POSSIBLE = "urgent", "unlikely", "likely", "possible"
OUTCOMES = (LIKELY, POSSIBLE, UNLIKELY, URGENT)

OUTCOME_LABELS = {
    LIKELY: "Likely a good fit",
    POSSIBLE: "Possibly a fit",
    UNLIKELY: "Unlikely to be the right first step",
    URGENT: "Urgent: needs medical care",
}

# How soon a patient with red flags must get care: the urgent advice they are given.
EMERGENCY, SAME_DAY = "emergency", "same_day"
URGENCY_LABELS = {EMERGENCY: "Emergency", SAME_DAY: "Same day"}

# Flag kinds, most serious first: the order of the intake's safety panel and of flag lists.
FLAG_KINDS = ("urgent", "review", "contraindication", "precaution", "stop")

# The clinical sources the criteria cite, by key.
SOURCES = {
    "clinic-page": "The clinic's page on medial branch blocks: who is a good candidate",
    "lcd-l38803": "Medicare LCD L38803, Facet Joint Interventions for Pain Management (2021, revised 2024)",
    "cohen-2020": "Cohen et al., lumbar facet joint pain consensus guidelines, Reg Anesth Pain Med 2020;45:424-467",
    "red-flags": "NICE NG59 (2016, updated 2020); GIRFT suspected cauda equina pathway (2023); "
    "ACR Appropriateness Criteria, Low Back Pain (2021)",
    "asra-2018": "Narouze et al., spine procedures and anticoagulants (ASRA, 2nd ed.), Reg Anesth Pain Med "
    "2018;43:225-262",
    "hurley-2022": "Hurley et al., cervical facet joint pain consensus guidelines, Reg Anesth Pain Med 2022;47:3-59",
    "peg-2009": "Krebs et al., the PEG three-item pain scale, J Gen Intern Med 2009;24:733-738",
}

# An answer that raised a flag: (linkId, code) for a choice, (linkId, text) for free text.
Reason = tuple[str, Any]


@dataclass(frozen=True)
class FlagInfo:
    code: str
    kind: str  # one of FLAG_KINDS
    patient_text: str  # for the patient's summary
    clinical_text: str  # for staff


@dataclass(frozen=True)
class Criterion:
    code: str
    title: str  # for the patient
    rule: str  # the rule in clinical words
    source: str  # a key of SOURCES
    inputs: tuple[str, ...]  # the linkIds it reads, shown beside it on the intake
    evaluate: Callable[[Mapping[str, Any], set[str]], tuple[str, str]]  # -> (status, explanation)


@dataclass(frozen=True)
class CriterionResult:
    code: str
    status: str
    explanation: str  # for the patient
    title: str
    rule: str  # for the clinician
    source: str


@dataclass(frozen=True)
class Assessment:
    outcome: str
    flags: set[str]
    criteria: dict[str, str]
    peg_score: float | None
    details: dict[str, CriterionResult] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)  # the shown, validated answers
    questionnaire_version: str = ""
    rules_version: str = ""


def has(answers: Mapping[str, Any], link_id: str, codes: frozenset[str] | set[str]) -> bool:
    value = answers.get(link_id)
    chosen = set(value) if isinstance(value, list) else {value}
    return bool(chosen & codes)


def chosen(answers: Mapping[str, Any], link_id: str, codes: frozenset[str] | set[str]) -> list[Reason]:
    """The reasons behind a flag: which of `codes` the patient chose for `link_id`."""
    value = answers.get(link_id)
    values = value if isinstance(value, list) else [value]
    return [(link_id, code) for code in values if code in codes]


def peg_score(answers: Mapping[str, Any]) -> float | None:
    """Mean of the three PEG items, one decimal (Krebs et al. 2009)."""
    values = [answers.get(k) for k in ("peg_pain", "peg_enjoyment", "peg_activity")]
    if any(v is None for v in values):
        return None
    return round(sum(values) / 3, 1)


def sorted_flags(flags, infos: Mapping[str, FlagInfo]) -> list[str]:
    """Flags most serious first (by kind, then in the order the rules list them)."""
    order = list(infos)
    known = [f for f in flags if f in infos]
    return sorted(known, key=lambda f: (FLAG_KINDS.index(infos[f].kind), order.index(f)))


def evaluate_criteria(
    criteria: Mapping[str, Criterion], answers: Mapping[str, Any], flags: set[str]
) -> dict[str, CriterionResult]:
    details = {}
    for code, criterion in criteria.items():
        status, explanation = criterion.evaluate(answers, flags)
        details[code] = CriterionResult(code, status, explanation, criterion.title, criterion.rule, criterion.source)
    return details
