"""The definition against the spec's contract, and the FHIR Questionnaire made from it."""
import re
from pathlib import Path

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire

from screening import questionnaire as q
from screening.fhir import code_system, questionnaire_resource

SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec" / "questionnaire.md"
ROW = re.compile(r"^\| `(?P<link_id>\w+)` \| (?P<type>[^|]+) \| (?P<codes>[^|]*) \| (?P<shown>[^|]+) \|$")
CODE = re.compile(r"`(\w+)`( \(exclusive\))?")
TYPES = {"single": q.SINGLE, "multi": q.MULTI, "int 0-10": q.SCALE}


def spec_items():
    """linkId -> (type, codes, exclusive codes, controlling linkId or None), read from the spec."""
    if not SPEC.exists():
        pytest.fail(f"the contract {SPEC} is missing")
    items = {}
    section = SPEC.read_text().split("## Items", 1)[1].split("\n## ", 1)[0]
    for line in section.splitlines():
        match = ROW.match(line.strip())
        if not match:
            continue
        kind = TYPES[match["type"].strip()]
        codes = [] if kind == q.SCALE else [c for c, _ in CODE.findall(match["codes"])]
        exclusive = {c for c, mark in CODE.findall(match["codes"]) if mark}
        controls = CODE.findall(match["shown"])
        items[match["link_id"]] = (kind, codes, exclusive, controls[0][0] if controls else None)
    return items


def test_spec_was_read():
    assert len(spec_items()) == 25


@pytest.mark.parametrize("link_id", sorted(spec_items()))
def test_every_spec_item_is_defined_with_its_codes(link_id):
    kind, codes, exclusive, controller = spec_items()[link_id]
    item = q.ITEMS[link_id]
    assert item.type == kind
    assert set(item.codes) == set(codes)
    assert item.exclusive_codes == exclusive
    assert (item.shown_when.link_id if item.shown_when else None) == controller
    assert item.text and item.short and item.required_message


def test_no_duplicate_ids_or_codes():
    link_ids = [item.link_id for step in q.STEPS for item in step.items]
    assert len(link_ids) == len(set(link_ids))
    assert not set(link_ids) & set(q.STEP_IDS)
    for item in q.ITEMS.values():
        assert len(item.codes) == len(set(item.codes)), item.link_id


def test_shown_when_refers_to_an_earlier_item_and_its_real_codes():
    order = list(q.ITEMS)
    for item in q.ITEMS.values():
        if item.shown_when:
            controller = q.ITEMS[item.shown_when.link_id]
            assert order.index(controller.link_id) < order.index(item.link_id)
            assert set(item.shown_when.any_of) <= set(controller.codes)


def test_urgent_symptoms_are_asked_early():
    assert q.STEP_OF_ITEM["red_flags"] is q.STEPS[1]


@pytest.mark.parametrize("answers, hidden", [
    ({"pain_spread": "stays", "limb_vs_spine": "equal"}, {"limb_vs_spine"}),
    ({"treatments_tried": ["none"], "treatment_relief": "good"}, {"treatment_relief"}),
    ({"imaging": ["not_sure"], "imaging_facet": "yes"}, {"imaging_facet"}),
    ({"imaging": ["xray", "ct"], "imaging_facet": "yes"}, set()),
])
def test_shown_answers_discards_answers_to_hidden_items(answers, hidden):
    assert set(q.shown_answers(answers)) == set(answers) - hidden


def test_fhir_questionnaire_validates_as_r4():
    resource = questionnaire_resource("https://clinic.example/fhir")
    parsed = Questionnaire.model_validate(resource)
    assert parsed.version == q.VERSION


def test_fhir_questionnaire_mirrors_the_definition():
    base = "https://clinic.example/fhir"
    resource = questionnaire_resource(base)
    groups = resource["item"]
    assert [g["linkId"] for g in groups] == list(q.STEP_IDS)
    items = {i["linkId"]: i for g in groups for i in g["item"]}
    assert set(items) == set(q.ITEMS)
    for link_id, item in q.ITEMS.items():
        fhir_item = items[link_id]
        if item.type == q.SCALE:
            assert fhir_item["type"] == "integer"
            continue
        assert fhir_item["type"] == "choice"
        assert fhir_item["repeats"] is (item.type == q.MULTI)
        codings = [o["valueCoding"] for o in fhir_item["answerOption"]]
        assert [c["code"] for c in codings] == list(item.codes)
        assert {c["system"] for c in codings} == {code_system(base)}
    when = items["treatment_relief"]["enableWhen"]
    assert items["treatment_relief"]["enableBehavior"] == "any"
    assert {w["answerCoding"]["code"] for w in when} == set(q.ITEMS["treatment_relief"].shown_when.any_of)
    assert {w["question"] for w in when} == {"treatments_tried"}


def test_questionnaire_is_served_publicly(client, app):
    response = client.get("/questionnaire.json")
    assert response.status_code == 200
    assert response.json["url"].startswith(app.config["FHIR_BASE_URL"])
    Questionnaire.model_validate(response.json)
