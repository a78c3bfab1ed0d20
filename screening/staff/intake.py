"""The physician's intake: what to check first, in clinical words; reviews; exports.

Everything here reads a screening with the questionnaire definition and the
rules version it was answered and assessed under, so an old screening shows
its own questions, codes and flags. The meaning of each flag lives in the rules
(`flag_reasons`); nothing here repeats it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from types import ModuleType
from typing import Any

from sqlite_utils import Database

from .. import clock, rules
from .. import questionnaire as q
from ..rules.common import sorted_flags


@dataclass(frozen=True)
class Reading:
    """One answer in clinical words, with the patient's own words beside it."""

    clinical: str
    patient: str


@dataclass
class SafetyEntry:
    flag: str
    kind: str  # urgent | review | contraindication | precaution | stop
    title: str
    details: list[Reading] = field(default_factory=list)


@dataclass(frozen=True)
class Screening:
    """A stored screening with the definition and rules it was answered and assessed under."""

    definition: q.Definition
    rules: ModuleType
    answers: dict[str, Any]

    @classmethod
    def of(cls, row: dict[str, Any]) -> Screening:
        definition = q.definition(row["questionnaire_version"])
        return cls(definition, rules.for_version(row["rules_version"]), definition.shown_answers(row["answers"]))

    def reading(self, link_id: str, value: Any) -> Reading:
        """One answer (a code, or typed text) in clinical and in the patient's words."""
        item = self.definition.items[link_id]
        if item.type == q.MULTI and item.option(value).clinical:  # each option names itself
            return Reading(item.option(value).clinical, item.label_for(value))
        patient = item.labels(value)[0]
        return Reading(f"{item.clinical}: {item.labels(value, clinical=True)[0]}", patient)

    def answer(self, link_id: str) -> Reading | None:
        """The whole answer to one item, or None when it was not asked."""
        if link_id not in self.answers:
            return None
        item = self.definition.items[link_id]
        value = self.answers[link_id]
        return Reading(", ".join(item.labels(value, clinical=True)), ", ".join(item.labels(value)))

    def safety_panel(self, flags: list[str]) -> list[SafetyEntry]:
        """Each stored flag, most serious first, with the answers that raised it.

        A flag whose every reason a more serious one already lists (an urgent red
        flag under an emergency) is not listed twice.
        """
        reasons = self.rules.flag_reasons(self.answers)
        entries, listed = [], set()
        for flag in sorted_flags(flags, self.rules.FLAGS):
            found = [r for r in reasons.get(flag, []) if r not in listed]
            if reasons.get(flag) and not found:
                continue
            listed.update(found)
            info = self.rules.FLAGS[flag]
            entries.append(
                SafetyEntry(
                    flag, info.kind, info.clinical_text, [self.reading(link_id, value) for link_id, value in found]
                )
            )
        return entries

    def facts(self, section: str) -> list[tuple[q.Step, list[tuple[q.Item, Reading]]]]:
        """Every answer of the steps the intake shows in `section` ("history" or "safety")."""
        return [
            (step, [(item, self.answer(item.link_id)) for item in step.items if item.link_id in self.answers])
            for step in self.definition.steps
            if step.intake == section and any(item.link_id in self.answers for item in step.items)
        ]

    def criterion_answers(self, code: str) -> list[tuple[q.Item, Reading]]:
        """The answers a criterion read, to show beside it."""
        return [
            (self.definition.items[link_id], self.answer(link_id))
            for link_id in self.rules.CRITERIA[code].inputs
            if link_id in self.answers
        ]

    def age_warning(self, date_of_birth: str, screened_at: str) -> str | None:
        """A warning when the age band chosen does not fit the date of birth given on the request form."""
        ages = self.definition.age_range(self.answers)
        if ages is None:
            return None
        born, on = date.fromisoformat(date_of_birth), clock.parse(screened_at).date()
        age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
        if ages[0] <= age <= ages[1]:
            return None
        band = self.answer("age_band").patient if "age_band" in self.answers else f"{ages[0]} to {ages[1]}"
        return (
            f"Age does not match: the screening says “{band}”, but the date of birth given makes the "
            f"patient {age} at the time of screening. Check the date of birth when you call."
        )


# Reviews


def reviews(db: Database, request_id: int) -> list[dict]:
    return list(
        db.query(
            """SELECT v.at, v.note, u.display_name AS reviewer FROM reviews v JOIN users u ON u.id = v.user_id
           WHERE v.request_id = ? ORDER BY v.at DESC, v.id DESC""",
            [request_id],
        )
    )


def add_review(db: Database, request_id: int, user_id: int, note: str) -> bool:
    """Record a review; pressing Mark reviewed again with the same note records nothing (False).

    A changed note is a new review, kept beside the earlier one: what the physician asked for changed.
    One statement checks and inserts, so two presses at once cannot both count.
    """
    return (
        db.execute(
            """INSERT INTO reviews (request_id, user_id, at, note)
           SELECT :request, :user, :at, :note WHERE NOT EXISTS (
               SELECT 1 FROM (SELECT note FROM reviews WHERE request_id = :request AND user_id = :user
                              ORDER BY at DESC, id DESC LIMIT 1) AS latest WHERE latest.note IS :note)""",
            {"request": request_id, "user": user_id, "at": clock.iso(clock.now()), "note": note or None},
        ).rowcount
        == 1
    )


# Export of screenings (no contact details)

SCREENING_COLUMNS = [
    "screening_id",
    "created_at",
    "updated_at",
    "questionnaire_version",
    "rules_version",
    "outcome",
    "flags",
    "peg_score",
    "request_made",
]


def answer_columns() -> list[str]:
    """Every linkId of every version, current ones first: one export holds screenings of all versions."""
    columns = list(q.current().items)
    for version in reversed(q.VERSIONS):
        columns += [link_id for link_id in q.definition(version).items if link_id not in columns]
    return columns


def screening_rows(db: Database, start: str | None = None, end: str | None = None) -> Iterator[list[Any]]:
    """One row per screening: the columns above, then one column per linkId (multi joined with ';').

    Codes are written as stored, under the screening's own questionnaire version.
    """
    columns = answer_columns()
    clauses, params = [], []
    if start:
        clauses.append("s.created_at >= ?")
        params.append(start)
    if end:
        clauses.append("s.created_at < ?")
        params.append(end)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    made = "EXISTS (SELECT 1 FROM requests r WHERE r.screening_id = s.id) AS request_made"
    sql = f"SELECT s.*, {made} FROM screenings s{where} ORDER BY s.id"  # fixed clauses, bound values  # nosec B608
    for row in db.query(sql, params):
        answers = json.loads(row["answers"])
        fixed = [
            row["id"],
            row["created_at"],
            row["updated_at"],
            row["questionnaire_version"],
            row["rules_version"],
            row["outcome"],
            ";".join(json.loads(row["flags"])),
            row["peg_score"],
            "yes" if row["request_made"] else "no",
        ]
        yield fixed + [
            ";".join(map(str, v)) if isinstance(v, list) else v for v in (answers.get(link_id) for link_id in columns)
        ]


def screening_header() -> list[str]:
    return SCREENING_COLUMNS + answer_columns()
