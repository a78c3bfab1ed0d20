"""FHIR R4 resources built from a questionnaire definition (pure, no Flask).

Every version of the definition gives its own Questionnaire (`url|version`),
and a QuestionnaireResponse is always built with the definition its screening
was answered under.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import questionnaire as q

QUESTIONNAIRE_ID = "mbb-screening"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
# SDC: an answer that cannot be combined with others ("None of these", "I'm not sure").
OPTION_EXCLUSIVE = "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive"
# Core extension: the same text in another language, on a string's element (_text, _display, _title).
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
TITLE = "Medial branch block screening"


def questionnaire_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/Questionnaire/{QUESTIONNAIRE_ID}"


def code_system(base_url: str) -> str:
    """One code system for every answer code of the questionnaire."""
    return f"{base_url.rstrip('/')}/CodeSystem/{QUESTIONNAIRE_ID}-answers"


def _enable_when(condition: q.Condition | None, system: str) -> dict[str, Any]:
    if condition is None:
        return {}
    return {
        "enableWhen": [
            {"question": condition.link_id, "operator": "=", "answerCoding": {"system": system, "code": code}}
            for code in condition.any_of
        ],
        "enableBehavior": "any",
    }


def _translations(english: str, others: Mapping[str, str]) -> dict[str, Any]:
    """The translation extensions for a string element, one per language whose words differ."""
    return {
        "extension": [
            {
                "url": TRANSLATION,
                "extension": [{"url": "lang", "valueCode": language}, {"url": "content", "valueString": text}],
            }
            for language, text in sorted(others.items())
            if text and text != english
        ]
    }


def _with_translations(resource: dict[str, Any], key: str, others: Mapping[str, str]) -> dict[str, Any]:
    element = _translations(resource[key], others)
    if element["extension"]:
        resource[f"_{key}"] = element
    return resource


def _option(option: q.Option, system: str, others: Mapping[str, q.Option] = {}) -> dict[str, Any]:  # noqa: B006
    coding = {"system": system, "code": option.code, "display": option.label}
    resource: dict[str, Any] = {
        "valueCoding": _with_translations(coding, "display", {language: o.label for language, o in others.items()})
    }
    if option.exclusive:
        resource["extension"] = [{"url": OPTION_EXCLUSIVE, "valueBoolean": True}]
    return resource


def _item(item: q.Item, system: str, others: Mapping[str, q.Item] = {}) -> dict[str, Any]:  # noqa: B006
    resource: dict[str, Any] = _with_translations(
        {"linkId": item.link_id, "text": item.text, "required": item.required},
        "text",
        {language: other.text for language, other in others.items()},
    )
    if item.type == q.TEXT:
        resource["type"] = "string"
        resource["maxLength"] = q.TEXT_MAX
    elif item.type == q.SCALE:
        resource["type"] = "integer"
        resource["extension"] = [
            {"url": MIN_VALUE, "valueInteger": q.SCALE_MIN},
            {"url": MAX_VALUE, "valueInteger": q.SCALE_MAX},
        ]
    else:
        resource["type"] = "choice"
        resource["repeats"] = item.type == q.MULTI
        resource["answerOption"] = [
            _option(o, system, {language: other.options[n] for language, other in others.items()})
            for n, o in enumerate(item.options)
        ]
    resource.update(_enable_when(item.shown_when, system))
    return resource


def questionnaire_resource(
    definition: q.Definition,
    base_url: str,
    translations: Mapping[str, q.Definition] = {},  # noqa: B006
    titles: Mapping[str, str] = {},
) -> dict[str, Any]:  # noqa: B006
    """The Questionnaire; `translations` (language -> the same version in that language) add the
    standard translation extension to every text, so one resource carries every language."""
    system = code_system(base_url)
    steps = {language: other.steps_by_id for language, other in translations.items()}
    items = {language: other.items for language, other in translations.items()}
    resource = {
        "resourceType": "Questionnaire",
        "id": QUESTIONNAIRE_ID,
        "url": questionnaire_url(base_url),
        "version": definition.version,
        "name": "MedialBranchBlockScreening",
        "title": TITLE,
        "status": "active",
        "subjectType": ["Patient"],
        "description": "Patient self-screening for a diagnostic medial branch block. "
        "A screening result, not a diagnosis.",
        "item": [
            {
                **_with_translations(
                    {"linkId": step.id, "type": "group", "text": step.title},
                    "text",
                    {language: by_id[step.id].title for language, by_id in steps.items()},
                ),
                **_enable_when(step.shown_when, system),
                "item": [
                    _item(item, system, {language: found[item.link_id] for language, found in items.items()})
                    for item in step.items
                ],
            }
            for step in definition.steps
        ],
    }
    return _with_translations(resource, "title", titles)


ASSESSMENT_EXTENSION = "StructureDefinition/mbb-screening-assessment"


def assessment_system(base_url: str) -> str:
    """Codes for the outcome, the criteria and their statuses, and the flags."""
    return f"{base_url.rstrip('/')}/CodeSystem/{QUESTIONNAIRE_ID}-assessment"


def _answer(item: q.Item, value: Any, system: str) -> list[dict[str, Any]]:
    if item.type == q.SCALE:
        return [{"valueInteger": value}]
    if item.type == q.TEXT:
        return [{"valueString": value}]
    codes = value if isinstance(value, list) else [value]
    return [{"valueCoding": {"system": system, "code": code, "display": item.label_for(code)}} for code in codes]


def questionnaire_response(
    definition: q.Definition,
    base_url: str,
    *,
    screening_id: int,
    authored: str,
    answers: dict[str, Any],
    outcome: str,
    criteria: dict[str, str],
    flags: list[str],
    peg_score: float | None,
    rules_version: str,
) -> dict[str, Any]:
    """A completed QuestionnaireResponse, nested like the Questionnaire (one group per step).

    The assessment travels as a contained Observation: the outcome as its value,
    each criterion, flag and the PEG score as components. RiskAssessment would
    need a Patient subject, which this export deliberately does not carry.
    """
    system, rules = code_system(base_url), assessment_system(base_url)
    groups = []
    for step in definition.steps:
        items = [
            {"linkId": item.link_id, "text": item.text, "answer": _answer(item, answers[item.link_id], system)}
            for item in step.items
            if item.link_id in answers
        ]
        if items:
            groups.append({"linkId": step.id, "text": step.title, "item": items})

    def concept(code: str, display: str | None = None) -> dict[str, Any]:
        coding = {"system": rules, "code": code}
        if display:
            coding["display"] = display
        return {"coding": [coding]}

    components = [
        {"code": concept(f"criterion:{code}"), "valueCodeableConcept": concept(status)}
        for code, status in criteria.items()
    ]
    components += [{"code": concept("flag"), "valueCodeableConcept": concept(flag)} for flag in sorted(flags)]
    if peg_score is not None:
        components.append(
            {
                "code": concept("peg-score", "PEG score (mean of three 0-10 items)"),
                "valueQuantity": {"value": peg_score, "unit": "score"},
            }
        )
    observation = {
        "resourceType": "Observation",
        "id": "assessment",
        "status": "final",
        "code": concept("outcome", "Medial branch block screening outcome"),
        "effectiveDateTime": authored,
        "method": {"text": f"Screening rules version {rules_version}; a screening result, not a diagnosis"},
        "valueCodeableConcept": concept(outcome),
        "component": components,
    }
    return {
        "resourceType": "QuestionnaireResponse",
        "id": f"screening-{screening_id}",
        "contained": [observation],
        "extension": [
            {"url": f"{base_url.rstrip('/')}/{ASSESSMENT_EXTENSION}", "valueReference": {"reference": "#assessment"}}
        ],
        "questionnaire": f"{questionnaire_url(base_url)}|{definition.version}",
        "status": "completed",
        "authored": authored,
        "item": groups,
    }


def answers_from_response(definition: q.Definition, resource: dict[str, Any]) -> dict[str, Any]:
    """The answers dict back from a QuestionnaireResponse made by questionnaire_response()."""
    answers: dict[str, Any] = {}

    def walk(items):
        for entry in items:
            if "item" in entry:
                walk(entry["item"])
            if "answer" not in entry:
                continue
            item = definition.items[entry["linkId"]]
            if item.type == q.SCALE:
                answers[item.link_id] = entry["answer"][0]["valueInteger"]
            elif item.type == q.TEXT:
                answers[item.link_id] = entry["answer"][0]["valueString"]
            else:
                codes = [a["valueCoding"]["code"] for a in entry["answer"]]
                answers[item.link_id] = codes if item.type == q.MULTI else codes[0]

    walk(resource.get("item", []))
    return answers
