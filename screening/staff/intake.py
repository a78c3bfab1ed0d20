"""The physician's intake: what to check first, from the answers and the definition; reviews; exports."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterator

from sqlite_utils import Database

from .. import clock, questionnaire as q
from ..assessment import OTHER_RED_FLAGS, URGENT_RED_FLAGS


@dataclass
class SafetyEntry:
    kind: str  # urgent | review | contraindication | precaution
    title: str
    details: list[str] = field(default_factory=list)


def _labels(link_id: str, answers: dict[str, Any], only: frozenset[str] | None = None) -> list[str]:
    value = answers.get(link_id)
    if value is None:
        return []
    codes = value if isinstance(value, list) else [value]
    item = q.ITEMS[link_id]
    return [item.label_for(c) for c in codes if (only is None or c in only) and c not in item.exclusive_codes]


def safety_panel(answers: dict[str, Any]) -> list[SafetyEntry]:
    """Everything that could change whether or how to do the procedure, most serious first."""
    entries = []
    urgent = _labels("red_flags", answers, URGENT_RED_FLAGS)
    if urgent:
        entries.append(SafetyEntry("urgent", "Urgent red flags: patient told to seek emergency care", urgent))
    other = _labels("red_flags", answers, OTHER_RED_FLAGS)
    if other:
        entries.append(SafetyEntry("review", "Red flags for a non-facet cause", other))
    thinners = answers.get("blood_thinners", [])
    bleeding = answers.get("bleeding_disorder")
    if thinners != ["none"] or bleeding in ("yes", "not_sure"):
        details = (["Not sure whether they take a blood thinner"] if thinners == ["not_sure"]
                   else _labels("blood_thinners", answers))
        if bleeding == "yes":
            details.append("Reports a bleeding problem or bleeds or bruises very easily")
        elif bleeding == "not_sure":
            details.append("Not sure about a bleeding problem")
        entries.append(SafetyEntry("contraindication", "Bleeding risk: needs an anticoagulation plan", details))
    allergies = [a for a in answers.get("allergies", []) if a not in ("none", "latex")]
    if allergies:
        entries.append(SafetyEntry("contraindication", "Allergies to what is injected",
                                   [q.ITEMS["allergies"].label_for(a) for a in allergies]))
    if answers.get("infection") == "yes":
        entries.append(SafetyEntry("contraindication", "Current infection",
                                   ["Fever, antibiotics now, or a skin problem near the painful area"]))
    if answers.get("pregnant") in ("yes", "not_sure"):
        entries.append(SafetyEntry("contraindication", "Pregnancy",
                                   [q.ITEMS["pregnant"].label_for(answers["pregnant"])]))
    if "latex" in answers.get("allergies", []):
        entries.append(SafetyEntry("precaution", "Latex allergy"))
    if answers.get("diabetes") == "yes":
        entries.append(SafetyEntry("precaution", "Diabetes: steroid may raise blood glucose"))
    if answers.get("lie_prone") == "no":
        entries.append(SafetyEntry("precaution", "Cannot lie prone for about 30 minutes"))
    return entries


def answer_text(answers: dict[str, Any], link_id: str) -> str:
    """Words for an answer, or an em dash when the item was not asked."""
    if link_id not in answers:
        return "—"
    return ", ".join(q.answer_labels(q.ITEMS[link_id], answers[link_id]))


# Reviews

def reviews(db: Database, request_id: int) -> list[dict]:
    return list(db.query(
        """SELECT v.at, v.note, u.display_name AS reviewer FROM reviews v JOIN users u ON u.id = v.user_id
           WHERE v.request_id = ? ORDER BY v.at DESC, v.id DESC""",
        [request_id],
    ))


def add_review(db: Database, request_id: int, user_id: int, note: str) -> None:
    db.execute("INSERT INTO reviews (request_id, user_id, at, note) VALUES (?, ?, ?, ?)",
               [request_id, user_id, clock.iso(clock.now()), note or None])


# Export of screenings (no contact details)

SCREENING_COLUMNS = ["screening_id", "created_at", "updated_at", "questionnaire_version", "rules_version",
                     "outcome", "flags", "peg_score", "request_made"]


def screening_rows(db: Database, start: str | None = None, end: str | None = None) -> Iterator[list[Any]]:
    """One row per screening: the columns above, then one column per linkId (multi joined with ';')."""
    clauses, params = [], []
    if start:
        clauses.append("s.created_at >= ?")
        params.append(start)
    if end:
        clauses.append("s.created_at < ?")
        params.append(end)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    for row in db.query(
        f"""SELECT s.*, EXISTS (SELECT 1 FROM requests r WHERE r.screening_id = s.id) AS request_made
            FROM screenings s{where} ORDER BY s.id""",
        params,
    ):
        answers = json.loads(row["answers"])
        fixed = [row["id"], row["created_at"], row["updated_at"], row["questionnaire_version"],
                 row["rules_version"], row["outcome"], ";".join(json.loads(row["flags"])), row["peg_score"],
                 "yes" if row["request_made"] else "no"]
        yield fixed + [";".join(map(str, v)) if isinstance(v, list) else v
                       for v in (answers.get(link_id) for link_id in q.ITEMS)]


def screening_header() -> list[str]:
    return SCREENING_COLUMNS + list(q.ITEMS)
