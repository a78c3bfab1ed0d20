"""FHIR R4 resources built from the questionnaire definition (pure, no Flask)."""
from __future__ import annotations

from typing import Any

from . import questionnaire as q

QUESTIONNAIRE_ID = "mbb-screening"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"


def questionnaire_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/Questionnaire/{QUESTIONNAIRE_ID}"


def code_system(base_url: str) -> str:
    """One code system for every answer code of the questionnaire."""
    return f"{base_url.rstrip('/')}/CodeSystem/{QUESTIONNAIRE_ID}-answers"


def _item(item: q.Item, system: str) -> dict[str, Any]:
    resource: dict[str, Any] = {"linkId": item.link_id, "text": item.text, "required": True}
    if item.type == q.SCALE:
        resource["type"] = "integer"
        resource["extension"] = [
            {"url": MIN_VALUE, "valueInteger": q.SCALE_MIN},
            {"url": MAX_VALUE, "valueInteger": q.SCALE_MAX},
        ]
    else:
        resource["type"] = "choice"
        resource["repeats"] = item.type == q.MULTI
        resource["answerOption"] = [
            {"valueCoding": {"system": system, "code": o.code, "display": o.label}}
            for o in item.options
        ]
    if item.shown_when:
        resource["enableWhen"] = [
            {"question": item.shown_when.link_id, "operator": "=",
             "answerCoding": {"system": system, "code": code}}
            for code in item.shown_when.any_of
        ]
        resource["enableBehavior"] = "any"
    return resource


def questionnaire_resource(base_url: str) -> dict[str, Any]:
    system = code_system(base_url)
    return {
        "resourceType": "Questionnaire",
        "id": QUESTIONNAIRE_ID,
        "url": questionnaire_url(base_url),
        "version": q.VERSION,
        "name": "MedialBranchBlockScreening",
        "title": "Medial branch block screening",
        "status": "active",
        "subjectType": ["Patient"],
        "description": "Patient self-screening for a diagnostic medial branch block. "
                       "A screening result, not a diagnosis.",
        "item": [
            {"linkId": step.id, "type": "group", "text": step.title,
             "item": [_item(item, system) for item in step.items]}
            for step in q.STEPS
        ],
    }
