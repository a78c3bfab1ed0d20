"""A block's diary and result as a FHIR R4 Bundle of Observations (each pain score coded LOINC 72514-3)."""

from __future__ import annotations

from typing import Any

from .store import Diary

LOINC = "http://loinc.org"
PAIN_SEVERITY = {
    "system": LOINC,
    "code": "72514-3",
    "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
}
UCUM = "http://unitsofmeasure.org"


def _score(entry: dict, label: str) -> dict[str, Any]:
    observation = {
        "resourceType": "Observation",
        "id": f"diary-entry-{entry['id']}",
        "status": "final",
        "code": {"coding": [PAIN_SEVERITY], "text": label},
        "effectiveDateTime": entry["observed_at"],
        "valueInteger": entry["pain"],
    }
    notes = []
    if entry["kind"] == "scheduled":
        notes.append(f"Scheduled {entry['slot']} minutes after the injection.")
        notes.append("Tried the activity that hurts most." if entry["tried_activity"] else "Did not try the activity.")
        notes.append(
            "Took pain medicine since the previous entry."
            if entry["medicine_taken"]
            else "No pain medicine since the previous entry."
        )
    if entry["entered_by"]:
        notes.append("Entered by staff from a paper diary.")
    if entry["correction"]:
        notes.append("A correction of an earlier entry for the same time.")
    if notes:
        observation["note"] = [{"text": " ".join(notes)}]
    return observation


def bundle(base_url: str, diary: Diary) -> dict[str, Any]:
    """Every entry (corrections included, marked) and the result as an Observation whose value is the outcome."""
    base = base_url.rstrip("/")
    block, result = diary.block, diary.result()
    resources = []
    for entry in diary.all_entries:
        if entry["kind"] == "baseline":
            resources.append(_score(entry, "Usual pain before the block, activity that hurts most"))
        elif entry["kind"] == "scheduled":
            resources.append(_score(entry, "Pain now, after a medial branch block"))
    components = []
    if result.peak is not None:
        components.append(
            {
                "code": {"text": "Peak relief within the expected duration"},
                "valueQuantity": {"value": result.peak, "unit": "%", "system": UCUM, "code": "%"},
            }
        )
    for threshold, minutes in ((80, result.minutes_at_80), (50, result.minutes_at_50)):
        if minutes is not None:
            components.append(
                {
                    "code": {"text": f"Minutes with relief at or above {threshold}%"},
                    "valueQuantity": {"value": round(minutes), "unit": "min", "system": UCUM, "code": "min"},
                }
            )
    resources.append(
        {
            "resourceType": "Observation",
            "id": f"block-{block['id']}-result",
            "status": "final",
            "code": {"text": f"Diagnostic medial branch block {block['block_number']}: relief result"},
            "effectiveDateTime": block["injected_at"],
            "valueCodeableConcept": {
                "coding": [{"system": f"{base}/CodeSystem/mbb-diary-result", "code": result.outcome}],
                "text": result.summary,
            },
            "component": components,
            "hasMember": [{"reference": f"Observation/{r['id']}"} for r in resources],
            "note": [
                {
                    "text": f"Levels {', '.join(block['levels'])}, side {block['side']}; "
                    f"{block['medicine_other'] or block['medicine']} (expected {block['expected_hours']:g} h); "
                    f"sedation {block['sedation'].replace('_', ' ')}."
                }
            ],
        }
    )
    if not components:
        resources[-1].pop("component")
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"{base}/Observation/{r['id']}", "resource": r} for r in resources],
    }
