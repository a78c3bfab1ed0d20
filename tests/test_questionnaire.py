"""Every released definition against its contract, and the FHIR Questionnaire made from each."""

import subprocess
from pathlib import Path

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire

from screening import questionnaire as q
from screening import rules
from screening.fhir import OPTION_EXCLUSIVE, code_system, questionnaire_resource

P = pytest.param
ROOT = Path(__file__).resolve().parents[1]
ADULT = ("18_49", "50_64", "65_plus")

# The contract of questionnaire 2.0.0: linkId -> (type, codes, exclusive codes, controlling linkId).
# Written out here, apart from the definition, so that renaming a code or a linkId fails a test.
CONTRACT_V2 = {
    "age_band": ("single", "under_18 18_49 50_64 65_plus", "", None),
    "pain_regions": ("multi", "neck mid_back low_back other", "", None),
    "pain_side": ("single", "left right both middle", "", "pain_regions"),
    "neck_headache": ("single", "yes no", "", "pain_regions"),
    "pain_duration": ("single", "lt_6w 6w_3m 3m_6m 6m_12m gt_12m", "", None),
    "pain_spread": ("single", "stays above_knee_elbow below_knee_elbow", "", None),
    "limb_vs_spine": ("single", "spine_worse equal limb_worse", "", "pain_spread"),
    "numbness_tingling": ("single", "yes no", "", "pain_spread"),
    "walking_leg_symptoms": ("single", "yes no", "", "pain_regions"),
    "red_flags": (
        "multi",
        "bladder_bowel saddle_numbness leg_weakness hand_clumsiness fever recent_trauma "
        "cancer_history weight_loss night_pain weakened_immunity osteoporosis none",
        "none",
        None,
    ),
    "worse_with": (
        "multi",
        "bending_backward twisting standing sitting bending_forward walking lying_down none",
        "none",
        None,
    ),
    "treatments_tried": ("multi", "physical_therapy chiropractic exercise medication injections none", "none", None),
    "treatment_duration": ("single", "lt_6w 6w_3m gt_3m", "", "treatments_tried"),
    "treatment_relief": ("single", "none some good", "", "treatments_tried"),
    "imaging": ("multi", "mri ct xray none not_sure", "none not_sure", None),
    "imaging_facet": ("single", "yes no not_sure", "", "imaging"),
    "prior_procedures": ("multi", "mbb rfa epidural spine_surgery none", "none", None),
    "prior_mbb_relief": ("single", "ge_80 50_79 lt_50 not_sure", "", "prior_procedures"),
    "prior_rfa_relief": ("single", "ge_50_6m ge_50_lt_6m lt_50 not_sure", "", "prior_procedures"),
    "rfa_interest": ("single", "yes no not_sure", "", None),
    "blood_thinners": (
        "multi",
        "warfarin doac antiplatelet injectable aspirin other none not_sure",
        "none not_sure",
        None,
    ),
    "blood_thinner_other": ("text", "", "", "blood_thinners"),
    "bleeding_disorder": ("single", "yes no not_sure", "", None),
    "allergies": ("multi", "local_anesthetic steroid contrast latex other none", "none", None),
    "allergy_other": ("text", "", "", "allergies"),
    "infection": ("single", "yes no", "", None),
    "pregnant": ("single", "yes no not_sure not_applicable", "", None),
    "diabetes": ("single", "yes no", "", None),
    "implanted_device": ("multi", "pacemaker defibrillator spinal_cord_stimulator other_implant none", "none", None),
    "opioids": ("single", "yes no", "", None),
    "lie_prone": ("single", "yes no", "", None),
    "peg_pain": ("scale", "", "", None),
    "peg_enjoyment": ("scale", "", "", None),
    "peg_activity": ("scale", "", "", None),
}
# The PEG's published wording and anchors (Krebs et al. 2009): asked word for word.
PEG = {
    "peg_pain": (
        "What number best describes your pain on average in the past week?",
        ("No pain", "Pain as bad as you can imagine"),
    ),
    "peg_enjoyment": (
        "What number best describes how, during the past week, pain has interfered with your enjoyment of life?",
        ("Does not interfere", "Completely interferes"),
    ),
    "peg_activity": (
        "What number best describes how, during the past week, pain has interfered with your general activity?",
        ("Does not interfere", "Completely interferes"),
    ),
}


def test_the_current_version_is_2_0_0_and_every_release_loads():
    assert q.CURRENT_VERSION == "2.0.0" == rules.CURRENT.VERSION == rules.CURRENT.QUESTIONNAIRE_VERSION
    assert q.VERSIONS == ("1.0.0", "2.0.0") and rules.VERSIONS == ("1.0.0", "2.0.0")
    for version in q.VERSIONS:
        assert q.definition(version).version == version
    with pytest.raises(LookupError):
        q.definition("../../etc/passwd")


@pytest.mark.parametrize("link_id", sorted(CONTRACT_V2))
def test_every_v2_item_is_defined_as_the_contract_says(link_id):
    kind, codes, exclusive, controller = CONTRACT_V2[link_id]
    item = q.current().items[link_id]
    assert item.type == kind
    assert item.codes == tuple(codes.split())
    assert item.exclusive_codes == frozenset(exclusive.split())
    assert (item.shown_when.link_id if item.shown_when else None) == controller
    assert item.text and item.clinical and (item.required_message or kind == "text")


def test_v2_has_exactly_the_contract_items():
    assert set(q.current().items) == set(CONTRACT_V2)


def test_adults_only_every_item_but_the_age_and_the_red_flags():
    definition = q.current()
    minor = definition.shown_answers({"age_band": "under_18", "red_flags": ["none"], "pain_regions": ["neck"]})
    assert minor == {"age_band": "under_18", "red_flags": ["none"]}
    for item in definition.items.values():
        step = definition.step_of_item[item.link_id]
        if item.link_id in ("age_band", "red_flags"):
            assert step.shown_when is None
        else:
            assert step.shown_when == q.Condition("age_band", ADULT), item.link_id


@pytest.mark.parametrize("link_id", sorted(PEG))
def test_peg_is_asked_in_its_published_wording(link_id):
    item = q.current().items[link_id]
    assert (item.text, item.scale_anchors) == PEG[link_id]


@pytest.mark.parametrize(
    "link_id, codes",
    [
        P(
            "pain_duration",
            [
                "Less than 6 weeks",
                "6 weeks to less than 3 months",
                "3 months to less than 6 months",
                "6 months to less than a year",
                "A year or longer",
            ],
            id="pain-duration",
        ),
        P(
            "treatment_duration",
            ["Less than 6 weeks", "6 weeks to less than 3 months", "3 months or longer"],
            id="treatment-duration",
        ),
    ],
)
def test_answer_ranges_do_not_overlap(link_id, codes):
    assert [o.label for o in q.current().items[link_id].options] == codes


def test_terms_a_patient_may_not_know_are_explained_where_they_appear():
    items = q.current().items
    assert "space around the nerves" in items["prior_procedures"].label_for("epidural")
    assert "small joints at the back of the spine" in items["imaging_facet"].help
    assert "heat" in items["rfa_interest"].help and "Any answer is fine" in items["rfa_interest"].help


@pytest.mark.parametrize("version", q.VERSIONS)
def test_no_duplicate_ids_and_conditions_refer_to_earlier_items(version):
    definition = q.definition(version)
    link_ids = [item.link_id for step in definition.steps for item in step.items]
    assert len(link_ids) == len(set(link_ids)) and not set(link_ids) & set(definition.step_ids)
    order = list(definition.items)
    conditions = [(item.link_id, item.shown_when) for item in definition.items.values() if item.shown_when]
    conditions += [(step.items[0].link_id, step.shown_when) for step in definition.steps if step.shown_when]
    for link_id, condition in conditions:
        controller = definition.items[condition.link_id]
        assert order.index(controller.link_id) < order.index(link_id)
        assert set(condition.any_of) <= set(controller.codes)


def test_v1_is_kept_as_it_was_released():
    v1 = q.definition("1.0.0")
    assert v1.step_ids == ("about", "urgent", "worse", "tried", "tests", "safety", "peg")
    assert len(v1.items) == 25 and "trauma" in v1.items["red_flags"].codes
    assert v1.items["peg_pain"].text == "On average, how bad was your pain in the past week?"


@pytest.mark.parametrize(
    "answers, hidden",
    [
        P(
            {"age_band": "50_64", "pain_regions": ["low_back"], "pain_spread": "stays", "limb_vs_spine": "equal"},
            {"limb_vs_spine"},
            id="spread-stays",
        ),
        P(
            {"age_band": "50_64", "treatments_tried": ["none"], "treatment_relief": "good"},
            {"treatment_relief"},
            id="nothing-tried",
        ),
        P(
            {"age_band": "50_64", "pain_regions": ["low_back"], "neck_headache": "yes"},
            {"neck_headache"},
            id="no-neck-pain",
        ),
        P(
            {"age_band": "50_64", "pain_regions": ["neck"], "walking_leg_symptoms": "yes"},
            {"walking_leg_symptoms"},
            id="no-low-back-pain",
        ),
        P({"age_band": "50_64", "imaging": ["xray", "ct"], "imaging_facet": "yes"}, set(), id="scans"),
    ],
)
def test_shown_answers_discards_answers_to_hidden_items(answers, hidden):
    assert set(q.current().shown_answers(answers)) == set(answers) - hidden


# FHIR


@pytest.mark.parametrize("version", q.VERSIONS)
def test_fhir_questionnaire_of_every_version_validates_and_mirrors_its_definition(version):
    base = "https://clinic.example/fhir"
    definition = q.definition(version)
    resource = questionnaire_resource(definition, base)
    assert Questionnaire.model_validate(resource).version == version
    groups = resource["item"]
    assert [g["linkId"] for g in groups] == list(definition.step_ids)
    items = {i["linkId"]: i for g in groups for i in g["item"]}
    assert set(items) == set(definition.items)
    for link_id, item in definition.items.items():
        fhir_item = items[link_id]
        assert fhir_item["required"] is item.required
        if item.type == q.SCALE:
            assert fhir_item["type"] == "integer"
            continue
        if item.type == q.TEXT:
            assert fhir_item["type"] == "string" and fhir_item["maxLength"] == q.TEXT_MAX
            continue
        assert fhir_item["type"] == "choice" and fhir_item["repeats"] is (item.type == q.MULTI)
        codings = [o["valueCoding"] for o in fhir_item["answerOption"]]
        assert [c["code"] for c in codings] == list(item.codes)
        assert {c["system"] for c in codings} == {code_system(base)}
        exclusive = {
            o["valueCoding"]["code"]
            for o in fhir_item["answerOption"]
            if {"url": OPTION_EXCLUSIVE, "valueBoolean": True} in o.get("extension", [])
        }
        assert exclusive == item.exclusive_codes, link_id  # a forms client must not combine "none"


def test_fhir_questionnaire_carries_the_branching():
    resource = questionnaire_resource(q.current(), "https://clinic.example/fhir")
    groups = {g["linkId"]: g for g in resource["item"]}
    assert "enableWhen" not in groups["age"] and "enableWhen" not in groups["urgent"]
    assert {w["answerCoding"]["code"] for w in groups["pain"]["enableWhen"]} == set(ADULT)
    assert groups["pain"]["enableBehavior"] == "any"
    relief = {i["linkId"]: i for i in groups["tests"]["item"]}["prior_mbb_relief"]
    assert [(w["question"], w["answerCoding"]["code"]) for w in relief["enableWhen"]] == [("prior_procedures", "mbb")]


@pytest.mark.parametrize(
    "query, version",
    [
        P("", "2.0.0", id="current"),
        P("?version=2.0.0", "2.0.0", id="v2"),
        P("?version=1.0.0", "1.0.0", id="v1"),
    ],
)
def test_each_version_is_served_publicly(client, app, query, version):
    response = client.get(f"/questionnaire.json{query}")
    assert response.status_code == 200 and response.json["version"] == version
    assert response.json["url"].startswith(app.config["FHIR_BASE_URL"])
    Questionnaire.model_validate(response.json)


@pytest.mark.parametrize("version", ["3.0.0", "1.0", "../1.0.0", ""])
def test_unknown_versions_are_404(client, version):
    assert client.get("/questionnaire.json", query_string={"version": version}).status_code == 404


def test_the_project_reads_nothing_outside_itself():
    """A clone has nothing beside it: no tracked file may point outside the project."""
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    needles = ["../" + "shared", "shared/" + "spec", "parents" + "[2]"]
    offenders = []
    for name in tracked.split():
        path = ROOT / name
        if path.suffix in {".py", ".toml", ".cfg", ".ini", ".txt", ".html", ".js", ".css"} or name in (
            "Makefile",
            ".ci/run",
        ):
            text = path.read_text(errors="ignore")
            if any(needle in text for needle in needles):
                offenders.append(name)
    assert offenders == []
