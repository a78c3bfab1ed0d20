"""Rules 2.0.0 (questionnaire 2.0.0) against the spec, case by case and by property.

The expected behaviour is written out in this file from the spec's Red flags,
Criteria, Flags, Outcome and Python interface sections; nothing outside the
project is read.
"""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screening import questionnaire
from screening.rules import v2

from .answers import EVERY_FLAG, LIKELY, likely

Q = questionnaire.definition("2.0.0")
P = pytest.param

# --- The spec, written out -------------------------------------------------------------------

EMERGENCY_CODES = ("bladder_bowel", "saddle_numbness", "leg_weakness")
SAME_DAY_CODES = ("hand_clumsiness", "fever", "recent_trauma")
REVIEW_CODES = ("cancer_history", "weight_loss", "night_pain", "weakened_immunity", "osteoporosis")
EMERGENCY_COMBINATIONS = (("cancer_history", "hand_clumsiness"), ("weakened_immunity", "fever"))

STATUSES = {"met", "not_met", "unclear"}
BLOCKING = ("spine_pain", "chronic_pain", "localized_pain", "failed_conservative_care")
REQUIRED_FOR_LIKELY = BLOCKING + (
    "facet_pattern",
    "moderate_pain",
    "functional_impact",
    "no_other_cause",
    "no_contraindications",
)
INFORMING = ("diagnostic_clarity", "further_treatment")
CRITERIA = REQUIRED_FOR_LIKELY + INFORMING

FLAG_KINDS = {
    "emergency_red_flag": "urgent",
    "urgent_red_flag": "urgent",
    "serious_cause_review": "review",
    "claudication_review": "review",
    "repeat_rfa_review": "review",
    "prior_procedure_review": "review",
    "bleeding_risk": "contraindication",
    "allergy_local_anesthetic": "contraindication",
    "allergy_contrast": "contraindication",
    "infection": "contraindication",
    "pregnancy": "contraindication",
    "aspirin": "precaution",
    "allergy_steroid": "precaution",
    "allergy_latex": "precaution",
    "allergy_other": "precaution",
    "prior_spine_surgery": "precaution",
    "diabetes": "precaution",
    "implanted_device": "precaution",
    "cannot_lie_prone": "precaution",
    "minor": "stop",
}
REVIEW_FLAGS = {f for f, kind in FLAG_KINDS.items() if kind == "review"}
ANTICOAGULANTS = ("warfarin", "doac", "antiplatelet", "injectable", "other", "not_sure")
DEVICES = ("pacemaker", "defibrillator", "spinal_cord_stimulator", "other_implant")

# localized_pain for every pain_spread x limb_vs_spine x numbness_tingling (the spec's table).
LOCALIZED = {
    ("above_knee_elbow", "spine_worse", "no"): "met",
    ("above_knee_elbow", "spine_worse", "yes"): "unclear",
    ("above_knee_elbow", "equal", "no"): "met",
    ("above_knee_elbow", "equal", "yes"): "unclear",
    ("above_knee_elbow", "limb_worse", "no"): "unclear",
    ("above_knee_elbow", "limb_worse", "yes"): "unclear",
    ("below_knee_elbow", "spine_worse", "no"): "unclear",
    ("below_knee_elbow", "spine_worse", "yes"): "unclear",
    ("below_knee_elbow", "equal", "no"): "unclear",
    ("below_knee_elbow", "equal", "yes"): "unclear",
    ("below_knee_elbow", "limb_worse", "no"): "not_met",
    ("below_knee_elbow", "limb_worse", "yes"): "not_met",
}

MINOR = {"age_band": "under_18", "red_flags": ["none"]}


def assess(**changes):
    """Assess the likely-candidate answers with some changed (None removes an item)."""
    return v2.assess(likely(**changes))


def spec_flags(a):
    """The spec's Flags table, for shown answers."""
    red = set(a["red_flags"])
    flags = set()
    if red & set(EMERGENCY_CODES) or any(set(combo) <= red for combo in EMERGENCY_COMBINATIONS):
        flags.add("emergency_red_flag")
    if red & set(EMERGENCY_CODES + SAME_DAY_CODES):
        flags.add("urgent_red_flag")
    if red & set(REVIEW_CODES):
        flags.add("serious_cause_review")
    if a.get("walking_leg_symptoms") == "yes":
        flags.add("claudication_review")
    if a.get("prior_rfa_relief") == "ge_50_6m":
        flags.add("repeat_rfa_review")
    if a.get("prior_mbb_relief") in ("lt_50", "50_79") or a.get("prior_rfa_relief") == "lt_50":
        flags.add("prior_procedure_review")
    thinners = set(a.get("blood_thinners", ()))
    if thinners & set(ANTICOAGULANTS) or a.get("bleeding_disorder") in ("yes", "not_sure"):
        flags.add("bleeding_risk")
    if "aspirin" in thinners:
        flags.add("aspirin")
    for allergy in ("local_anesthetic", "contrast", "steroid", "latex", "other"):
        if allergy in a.get("allergies", ()):
            flags.add(f"allergy_{allergy}")
    if a.get("infection") == "yes":
        flags.add("infection")
    if a.get("pregnant") in ("yes", "not_sure"):
        flags.add("pregnancy")
    if "spine_surgery" in a.get("prior_procedures", ()):
        flags.add("prior_spine_surgery")
    if a.get("diabetes") == "yes":
        flags.add("diabetes")
    if set(a.get("implanted_device", ["none"])) != {"none"}:
        flags.add("implanted_device")
    if a.get("lie_prone") == "no":
        flags.add("cannot_lie_prone")
    if a["age_band"] == "under_18":
        flags.add("minor")
    return flags


def spec_criteria(a, flags):
    """The spec's Criteria table, for shown answers of an adult; every criterion unclear for a minor."""
    if a["age_band"] == "under_18":
        return dict.fromkeys(CRITERIA, "unclear")
    tried = set(a["treatments_tried"])
    if tried == {"none"} or a["treatment_relief"] == "good":
        conservative = "not_met"
    elif tried & {"physical_therapy", "chiropractic", "exercise"} and a["treatment_duration"] == "gt_3m":
        conservative = "met"
    else:
        conservative = "unclear"
    spread = a["pain_spread"]
    met = "met"
    return {
        "spine_pain": met if set(a["pain_regions"]) & {"neck", "mid_back", "low_back"} else "not_met",
        "chronic_pain": met if a["pain_duration"] in ("3m_6m", "6m_12m", "gt_12m") else "not_met",
        "localized_pain": met if spread == "stays" else LOCALIZED[spread, a["limb_vs_spine"], a["numbness_tingling"]],
        "failed_conservative_care": conservative,
        "facet_pattern": met if set(a["worse_with"]) & {"bending_backward", "twisting"} else "not_met",
        "moderate_pain": met if a["peg_pain"] >= 4 else "not_met",
        "functional_impact": met if a["peg_enjoyment"] >= 4 or a["peg_activity"] >= 4 else "not_met",
        "no_other_cause": met if a["red_flags"] == ["none"] and a.get("walking_leg_symptoms") != "yes" else "not_met",
        "no_contraindications": "not_met" if any(FLAG_KINDS[f] == "contraindication" for f in flags) else met,
        "diagnostic_clarity": met
        if a.get("imaging_facet") == "yes" or a.get("prior_mbb_relief") == "ge_80"
        else "unclear",
        "further_treatment": met
        if a["rfa_interest"] == "yes" or a.get("prior_rfa_relief") in ("ge_50_6m", "ge_50_lt_6m")
        else "unclear",
    }


def spec_outcome(flags, criteria):
    """The spec's Outcome section: the first rule that applies."""
    if "urgent_red_flag" in flags:
        return "urgent"
    if "minor" in flags or any(criteria[c] == "not_met" for c in BLOCKING):
        return "unlikely"
    if all(criteria[c] == "met" for c in REQUIRED_FOR_LIKELY) and not flags & REVIEW_FLAGS:
        return "likely"
    return "possible"


# --- The likely candidate: the base every case below changes ----------------------------------


def test_likely_candidate_meets_every_criterion_with_no_flag():
    result = v2.assess(LIKELY)
    assert result.outcome == "likely"
    assert result.flags == set()
    assert result.criteria == dict.fromkeys(CRITERIA, "met")
    assert result.peg_score == 6.3
    assert result.answers == LIKELY


def test_criteria_and_flags_are_the_spec_codes_and_kinds():
    assert set(v2.CRITERIA) == set(CRITERIA)
    assert {code: info.kind for code, info in v2.FLAGS.items()} == FLAG_KINDS


def test_every_flag_but_minor_raised_at_once():
    result = v2.assess(EVERY_FLAG)
    assert result.flags == set(FLAG_KINDS) - {"minor"}
    assert result.outcome == "urgent"


# --- Red flags: tiers and the two emergency combinations --------------------------------------


@pytest.mark.parametrize("code", [P(c, id=c) for c in EMERGENCY_CODES])
def test_emergency_tier_red_flag(code):
    result = assess(red_flags=[code])
    assert result.flags == {"emergency_red_flag", "urgent_red_flag"}
    assert result.outcome == "urgent"
    assert result.criteria["no_other_cause"] == "not_met"
    assert v2.urgency([code]) == "emergency"
    assert v2.urgency_of_flags(result.flags) == "emergency"


@pytest.mark.parametrize("code", [P(c, id=c) for c in SAME_DAY_CODES])
def test_same_day_tier_red_flag(code):
    result = assess(red_flags=[code])
    assert result.flags == {"urgent_red_flag"}
    assert result.outcome == "urgent"
    assert result.criteria["no_other_cause"] == "not_met"
    assert v2.urgency([code]) == "same_day"
    assert v2.urgency_of_flags(result.flags) == "same_day"


@pytest.mark.parametrize("code", [P(c, id=c) for c in REVIEW_CODES])
def test_review_tier_red_flag_is_not_urgent(code):
    result = assess(red_flags=[code])
    assert result.flags == {"serious_cause_review"}
    assert result.outcome == "possible"
    assert result.criteria["no_other_cause"] == "not_met"
    assert v2.urgency([code]) is None
    assert v2.urgency_of_flags(result.flags) is None


@pytest.mark.parametrize("combo", [P(list(c), id="+".join(c)) for c in EMERGENCY_COMBINATIONS])
def test_emergency_combination(combo):
    result = assess(red_flags=combo)
    assert result.flags == {"emergency_red_flag", "urgent_red_flag", "serious_cause_review"}
    assert result.outcome == "urgent"
    assert v2.urgency(combo) == "emergency"
    assert v2.urgency(list(reversed(combo))) == "emergency"
    assert v2.urgency_of_flags(result.flags) == "emergency"


@pytest.mark.parametrize(
    "codes, tier",
    [
        P(["cancer_history"], None, id="cancer-alone"),
        P(["hand_clumsiness"], "same_day", id="hand-clumsiness-alone"),
        P(["weakened_immunity"], None, id="weakened-immunity-alone"),
        P(["fever"], "same_day", id="fever-alone"),
        P(["cancer_history", "fever"], "same_day", id="cancer-with-fever"),
        P(["weakened_immunity", "hand_clumsiness"], "same_day", id="weak-immunity-with-hand-clumsiness"),
        P(
            ["cancer_history", "weakened_immunity", "weight_loss", "night_pain", "osteoporosis"],
            None,
            id="every-review-code",
        ),
        P(["hand_clumsiness", "fever", "recent_trauma"], "same_day", id="every-same-day-code"),
    ],
)
def test_halves_and_crossings_of_the_combinations_are_not_emergencies(codes, tier):
    result = assess(red_flags=codes)
    assert v2.urgency(codes) == tier
    assert "emergency_red_flag" not in result.flags
    assert ("urgent_red_flag" in result.flags) == (tier == "same_day")
    assert result.outcome == ("urgent" if tier else "possible")


@pytest.mark.parametrize(
    "codes",
    [
        P(["bladder_bowel", "night_pain"], id="emergency-with-review"),
        P(["leg_weakness", "fever"], id="emergency-with-same-day"),
        P([c for c in Q.items["red_flags"].codes if c != "none"], id="every-red-flag"),
    ],
)
def test_mixed_tiers_take_the_most_urgent(codes):
    result = assess(red_flags=codes)
    assert {"emergency_red_flag", "urgent_red_flag"} <= result.flags
    assert result.outcome == "urgent"
    assert v2.urgency(codes) == "emergency"


@pytest.mark.parametrize(
    "red_flags",
    [
        P(["none"], id="none"),
        P([], id="empty"),
        P(None, id="not-answered"),
    ],
)
def test_no_urgency_without_urgent_red_flags(red_flags):
    assert v2.urgency(red_flags) is None


@pytest.mark.parametrize(
    "flags, tier",
    [
        P({"emergency_red_flag", "urgent_red_flag"}, "emergency", id="emergency"),
        P({"urgent_red_flag", "serious_cause_review"}, "same_day", id="same-day"),
        P(["urgent_red_flag"], "same_day", id="same-day-as-list"),
        P({"serious_cause_review", "bleeding_risk"}, None, id="review-only"),
        P(set(), None, id="no-flags"),
    ],
)
def test_urgency_of_stored_flags(flags, tier):
    assert v2.urgency_of_flags(flags) == tier


# --- Criteria, at every edge of the spec's table -----------------------------------------------


@pytest.mark.parametrize(
    "changes, code, status",
    [
        # spine_pain
        P({"pain_regions": ["neck"], "neck_headache": "no"}, "spine_pain", "met", id="spine-neck"),
        P({"pain_regions": ["mid_back"]}, "spine_pain", "met", id="spine-mid-back"),
        P({"pain_regions": ["low_back"]}, "spine_pain", "met", id="spine-low-back"),
        P({"pain_regions": ["low_back", "other"]}, "spine_pain", "met", id="spine-low-back-and-other"),
        P({"pain_regions": ["other"]}, "spine_pain", "not_met", id="spine-only-other"),
        # chronic_pain, every duration
        P({"pain_duration": "lt_6w"}, "chronic_pain", "not_met", id="chronic-lt_6w"),
        P({"pain_duration": "6w_3m"}, "chronic_pain", "not_met", id="chronic-6w_3m"),
        P({"pain_duration": "3m_6m"}, "chronic_pain", "met", id="chronic-3m_6m"),
        P({"pain_duration": "6m_12m"}, "chronic_pain", "met", id="chronic-6m_12m"),
        P({"pain_duration": "gt_12m"}, "chronic_pain", "met", id="chronic-gt_12m"),
        # localized_pain when the pain stays (the other combinations: test_localized_pain)
        P({"pain_spread": "stays"}, "localized_pain", "met", id="localized-stays"),
        # failed_conservative_care
        P(
            {"treatments_tried": ["medication"], "treatment_duration": "gt_3m", "treatment_relief": "some"},
            "failed_conservative_care",
            "unclear",
            id="care-medication-only-3m",
        ),
        P(
            {"treatments_tried": ["medication"], "treatment_duration": "gt_3m", "treatment_relief": "none"},
            "failed_conservative_care",
            "unclear",
            id="care-medication-only-3m-no-relief",
        ),
        P(
            {"treatments_tried": ["injections"], "treatment_duration": "gt_3m", "treatment_relief": "some"},
            "failed_conservative_care",
            "unclear",
            id="care-injections-only-3m",
        ),
        P(
            {
                "treatments_tried": ["medication", "injections"],
                "treatment_duration": "gt_3m",
                "treatment_relief": "none",
            },
            "failed_conservative_care",
            "unclear",
            id="care-medication-and-injections-3m",
        ),
        P(
            {"treatments_tried": ["physical_therapy"], "treatment_duration": "6w_3m", "treatment_relief": "some"},
            "failed_conservative_care",
            "unclear",
            id="care-pt-6w_3m",
        ),
        P(
            {"treatments_tried": ["physical_therapy"], "treatment_duration": "lt_6w", "treatment_relief": "none"},
            "failed_conservative_care",
            "unclear",
            id="care-pt-lt_6w",
        ),
        P(
            {"treatments_tried": ["physical_therapy"], "treatment_duration": "gt_3m", "treatment_relief": "none"},
            "failed_conservative_care",
            "met",
            id="care-pt-3m-no-relief",
        ),
        P(
            {"treatments_tried": ["physical_therapy"], "treatment_duration": "gt_3m", "treatment_relief": "some"},
            "failed_conservative_care",
            "met",
            id="care-pt-3m-some-relief",
        ),
        P(
            {"treatments_tried": ["chiropractic"], "treatment_duration": "gt_3m", "treatment_relief": "none"},
            "failed_conservative_care",
            "met",
            id="care-chiropractic-3m-no-relief",
        ),
        P(
            {"treatments_tried": ["chiropractic"], "treatment_duration": "gt_3m", "treatment_relief": "some"},
            "failed_conservative_care",
            "met",
            id="care-chiropractic-3m-some-relief",
        ),
        P(
            {"treatments_tried": ["exercise"], "treatment_duration": "gt_3m", "treatment_relief": "none"},
            "failed_conservative_care",
            "met",
            id="care-exercise-3m-no-relief",
        ),
        P(
            {"treatments_tried": ["exercise"], "treatment_duration": "gt_3m", "treatment_relief": "some"},
            "failed_conservative_care",
            "met",
            id="care-exercise-3m-some-relief",
        ),
        P(
            {"treatments_tried": ["exercise", "injections"], "treatment_duration": "gt_3m", "treatment_relief": "some"},
            "failed_conservative_care",
            "met",
            id="care-exercise-and-injections-3m",
        ),
        P(
            {"treatments_tried": ["physical_therapy"], "treatment_duration": "gt_3m", "treatment_relief": "good"},
            "failed_conservative_care",
            "not_met",
            id="care-pt-3m-good-relief",
        ),
        P(
            {"treatments_tried": ["medication"], "treatment_duration": "lt_6w", "treatment_relief": "good"},
            "failed_conservative_care",
            "not_met",
            id="care-medication-short-good-relief",
        ),
        P(
            {"treatments_tried": ["none"], "treatment_duration": None, "treatment_relief": None},
            "failed_conservative_care",
            "not_met",
            id="care-none-tried",
        ),
        # facet_pattern
        P({"worse_with": ["bending_backward"]}, "facet_pattern", "met", id="facet-extension"),
        P({"worse_with": ["twisting"]}, "facet_pattern", "met", id="facet-rotation"),
        P({"worse_with": ["twisting", "sitting"]}, "facet_pattern", "met", id="facet-rotation-and-sitting"),
        P(
            {"worse_with": ["standing", "sitting", "bending_forward", "walking", "lying_down"]},
            "facet_pattern",
            "not_met",
            id="facet-every-other-movement",
        ),
        P({"worse_with": ["none"]}, "facet_pattern", "not_met", id="facet-none"),
        # moderate_pain
        P({"peg_pain": 3}, "moderate_pain", "not_met", id="pain-3"),
        P({"peg_pain": 4}, "moderate_pain", "met", id="pain-4"),
        P({"peg_pain": 0}, "moderate_pain", "not_met", id="pain-0"),
        P({"peg_pain": 10}, "moderate_pain", "met", id="pain-10"),
        # functional_impact
        P({"peg_enjoyment": 3, "peg_activity": 3}, "functional_impact", "not_met", id="function-3-3"),
        P({"peg_enjoyment": 4, "peg_activity": 0}, "functional_impact", "met", id="function-4-0"),
        P({"peg_enjoyment": 0, "peg_activity": 4}, "functional_impact", "met", id="function-0-4"),
        P({"peg_enjoyment": 0, "peg_activity": 0}, "functional_impact", "not_met", id="function-0-0"),
        P({"peg_enjoyment": 10, "peg_activity": 10}, "functional_impact", "met", id="function-10-10"),
        # no_other_cause
        P({"walking_leg_symptoms": "no"}, "no_other_cause", "met", id="other-cause-walking-no"),
        P({"walking_leg_symptoms": "yes"}, "no_other_cause", "not_met", id="other-cause-walking-yes"),
        P(
            {"pain_regions": ["neck"], "neck_headache": "yes", "walking_leg_symptoms": None},
            "no_other_cause",
            "met",
            id="other-cause-neck-only-not-asked",
        ),
        P({"red_flags": ["night_pain"]}, "no_other_cause", "not_met", id="other-cause-review-red-flag"),
        # diagnostic_clarity (informs only)
        P({"imaging_facet": "yes"}, "diagnostic_clarity", "met", id="clarity-imaging-facet-yes"),
        P({"imaging_facet": "no"}, "diagnostic_clarity", "unclear", id="clarity-imaging-facet-no"),
        P({"imaging_facet": "not_sure"}, "diagnostic_clarity", "unclear", id="clarity-imaging-facet-not-sure"),
        P({"imaging": ["none"], "imaging_facet": None}, "diagnostic_clarity", "unclear", id="clarity-no-imaging"),
        P(
            {"imaging": ["not_sure"], "imaging_facet": None},
            "diagnostic_clarity",
            "unclear",
            id="clarity-imaging-not-sure",
        ),
        P(
            {"imaging_facet": "no", "prior_procedures": ["mbb"], "prior_mbb_relief": "ge_80"},
            "diagnostic_clarity",
            "met",
            id="clarity-prior-mbb-ge_80",
        ),
        P(
            {"imaging": ["none"], "imaging_facet": None, "prior_procedures": ["mbb"], "prior_mbb_relief": "ge_80"},
            "diagnostic_clarity",
            "met",
            id="clarity-prior-mbb-ge_80-no-imaging",
        ),
        P(
            {"imaging_facet": "no", "prior_procedures": ["mbb"], "prior_mbb_relief": "50_79"},
            "diagnostic_clarity",
            "unclear",
            id="clarity-prior-mbb-50_79",
        ),
        P(
            {"imaging_facet": "no", "prior_procedures": ["mbb"], "prior_mbb_relief": "not_sure"},
            "diagnostic_clarity",
            "unclear",
            id="clarity-prior-mbb-not-sure",
        ),
        # further_treatment (informs only)
        P({"rfa_interest": "yes"}, "further_treatment", "met", id="further-rfa-interest-yes"),
        P({"rfa_interest": "no"}, "further_treatment", "unclear", id="further-rfa-interest-no"),
        P({"rfa_interest": "not_sure"}, "further_treatment", "unclear", id="further-rfa-interest-not-sure"),
        P(
            {"rfa_interest": "no", "prior_procedures": ["rfa"], "prior_rfa_relief": "ge_50_6m"},
            "further_treatment",
            "met",
            id="further-prior-rfa-ge_50_6m",
        ),
        P(
            {"rfa_interest": "no", "prior_procedures": ["rfa"], "prior_rfa_relief": "ge_50_lt_6m"},
            "further_treatment",
            "met",
            id="further-prior-rfa-ge_50_lt_6m",
        ),
        P(
            {"rfa_interest": "no", "prior_procedures": ["rfa"], "prior_rfa_relief": "lt_50"},
            "further_treatment",
            "unclear",
            id="further-prior-rfa-lt_50",
        ),
        P(
            {"rfa_interest": "not_sure", "prior_procedures": ["rfa"], "prior_rfa_relief": "not_sure"},
            "further_treatment",
            "unclear",
            id="further-prior-rfa-not-sure",
        ),
    ],
)
def test_criterion_status(changes, code, status):
    assert assess(**changes).criteria[code] == status


@pytest.mark.parametrize(
    "spread, limb, numbness, status", [P(*key, status, id="-".join(key)) for key, status in LOCALIZED.items()]
)
def test_localized_pain(spread, limb, numbness, status):
    result = assess(pain_spread=spread, limb_vs_spine=limb, numbness_tingling=numbness)
    assert result.criteria["localized_pain"] == status
    # From the likely candidate, localized_pain alone decides the outcome.
    assert result.outcome == {"met": "likely", "unclear": "possible", "not_met": "unlikely"}[status]


@pytest.mark.parametrize(
    "changes",
    [P({"blood_thinners": [code]}, id=f"blood-thinner-{code}") for code in ANTICOAGULANTS]
    + [
        P({"blood_thinners": ["warfarin", "aspirin"]}, id="warfarin-with-aspirin"),
        P({"bleeding_disorder": "yes"}, id="bleeding-disorder-yes"),
        P({"bleeding_disorder": "not_sure"}, id="bleeding-disorder-not-sure"),
        P({"allergies": ["local_anesthetic"]}, id="allergy-local-anesthetic"),
        P({"allergies": ["contrast"]}, id="allergy-contrast"),
        P({"infection": "yes"}, id="infection"),
        P({"pregnant": "yes"}, id="pregnant"),
        P({"pregnant": "not_sure"}, id="maybe-pregnant"),
    ],
)
def test_each_contraindication_makes_no_contraindications_not_met_but_not_unlikely(changes):
    result = assess(**changes)
    assert result.criteria["no_contraindications"] == "not_met"
    assert result.outcome == "possible"


@pytest.mark.parametrize(
    "changes, flag",
    [
        P({"blood_thinners": ["aspirin"]}, "aspirin", id="aspirin-alone"),
        P({"allergies": ["steroid"]}, "allergy_steroid", id="steroid-allergy"),
        P({"allergies": ["latex"]}, "allergy_latex", id="latex-allergy"),
        P({"allergies": ["other"], "allergy_other": "Penicillin"}, "allergy_other", id="other-allergy"),
        P({"prior_procedures": ["spine_surgery"]}, "prior_spine_surgery", id="spine-surgery"),
        P({"diabetes": "yes"}, "diabetes", id="diabetes"),
        P({"implanted_device": ["spinal_cord_stimulator"]}, "implanted_device", id="implanted-device"),
        P({"lie_prone": "no"}, "cannot_lie_prone", id="cannot-lie-prone"),
        P({"pregnant": "no"}, None, id="not-pregnant"),
        P({"opioids": "yes"}, None, id="opioids-scored-by-no-rule"),
        P({"pain_side": "left"}, None, id="pain-side-scored-by-no-rule"),
    ],
)
def test_precautions_alone_keep_the_candidate_likely(changes, flag):
    result = assess(**changes)
    assert result.flags == ({flag} if flag else set())
    assert result.criteria["no_contraindications"] == "met"
    assert result.outcome == "likely"


def test_every_precaution_at_once_keeps_the_candidate_likely():
    result = assess(
        blood_thinners=["aspirin"],
        allergies=["steroid", "latex", "other"],
        allergy_other="Nuts",
        prior_procedures=["epidural", "spine_surgery"],
        diabetes="yes",
        implanted_device=list(DEVICES),
        lie_prone="no",
        opioids="yes",
    )
    assert result.flags == {f for f, kind in FLAG_KINDS.items() if kind == "precaution"}
    assert result.criteria == dict.fromkeys(CRITERIA, "met")
    assert result.outcome == "likely"


@pytest.mark.parametrize(
    "changes",
    [
        P({"imaging_facet": "no", "rfa_interest": "no"}, id="imaging-no-rfa-no"),
        P({"imaging": ["none"], "imaging_facet": None, "rfa_interest": "not_sure"}, id="no-imaging-rfa-unsure"),
        P({"imaging": ["xray"], "imaging_facet": "not_sure", "rfa_interest": "no"}, id="xray-unsure-rfa-no"),
        P(
            {"imaging_facet": "no", "prior_procedures": ["mbb"], "prior_mbb_relief": "not_sure", "rfa_interest": "no"},
            id="prior-mbb-unsure",
        ),
    ],
)
def test_informing_criteria_never_lower_the_outcome(changes):
    result = assess(**changes)
    assert result.criteria["diagnostic_clarity"] == "unclear"
    assert result.criteria["further_treatment"] == "unclear"
    assert result.outcome == "likely"


# --- Flags, raised by their trigger and only by it ---------------------------------------------


@pytest.mark.parametrize(
    "changes, flags",
    [
        P({"walking_leg_symptoms": "yes"}, {"claudication_review"}, id="claudication"),
        P({"prior_procedures": ["rfa"], "prior_rfa_relief": "ge_50_6m"}, {"repeat_rfa_review"}, id="repeat-rfa"),
        P({"prior_procedures": ["mbb"], "prior_mbb_relief": "lt_50"}, {"prior_procedure_review"}, id="prior-mbb-lt_50"),
        P({"prior_procedures": ["mbb"], "prior_mbb_relief": "50_79"}, {"prior_procedure_review"}, id="prior-mbb-50_79"),
        P({"prior_procedures": ["rfa"], "prior_rfa_relief": "lt_50"}, {"prior_procedure_review"}, id="prior-rfa-lt_50"),
        P(
            {"prior_procedures": ["mbb", "rfa"], "prior_mbb_relief": "lt_50", "prior_rfa_relief": "ge_50_6m"},
            {"prior_procedure_review", "repeat_rfa_review"},
            id="prior-mbb-failed-rfa-lasting",
        ),
        *[P({"blood_thinners": [code]}, {"bleeding_risk"}, id=f"bleeding-{code}") for code in ANTICOAGULANTS],
        P(
            {"blood_thinners": ["other"], "blood_thinner_other": "Brilique"},
            {"bleeding_risk"},
            id="bleeding-other-named",
        ),
        P({"blood_thinners": ["doac", "aspirin"]}, {"bleeding_risk", "aspirin"}, id="bleeding-doac-with-aspirin"),
        P({"bleeding_disorder": "yes"}, {"bleeding_risk"}, id="bleeding-disorder-yes"),
        P({"bleeding_disorder": "not_sure"}, {"bleeding_risk"}, id="bleeding-disorder-not-sure"),
        P({"blood_thinners": ["aspirin"]}, {"aspirin"}, id="aspirin"),
        P({"allergies": ["local_anesthetic"]}, {"allergy_local_anesthetic"}, id="allergy-local-anesthetic"),
        P({"allergies": ["contrast"]}, {"allergy_contrast"}, id="allergy-contrast"),
        P({"allergies": ["steroid"]}, {"allergy_steroid"}, id="allergy-steroid"),
        P({"allergies": ["latex"]}, {"allergy_latex"}, id="allergy-latex"),
        P({"allergies": ["other"]}, {"allergy_other"}, id="allergy-other-unnamed"),
        P({"allergies": ["other"], "allergy_other": "Penicillin"}, {"allergy_other"}, id="allergy-other-named"),
        P(
            {"allergies": ["local_anesthetic", "steroid", "contrast", "latex", "other"]},
            {"allergy_local_anesthetic", "allergy_steroid", "allergy_contrast", "allergy_latex", "allergy_other"},
            id="every-allergy",
        ),
        P({"prior_procedures": ["spine_surgery"]}, {"prior_spine_surgery"}, id="prior-spine-surgery"),
        *[P({"implanted_device": [device]}, {"implanted_device"}, id=f"implant-{device}") for device in DEVICES],
        P({"diabetes": "yes"}, {"diabetes"}, id="diabetes"),
        P({"lie_prone": "no"}, {"cannot_lie_prone"}, id="cannot-lie-prone"),
        P({"pregnant": "yes"}, {"pregnancy"}, id="pregnant-yes"),
        P({"pregnant": "not_sure"}, {"pregnancy"}, id="pregnant-not-sure"),
        P({"infection": "yes"}, {"infection"}, id="infection"),
        P({"age_band": "under_18"}, {"minor"}, id="minor"),
    ],
)
def test_flag_raised_by_its_trigger_alone(changes, flags):
    assert assess(**changes).flags == flags


@pytest.mark.parametrize(
    "changes, flag",
    [
        P({"walking_leg_symptoms": "no"}, "claudication_review", id="claudication-walking-no"),
        P(
            {"pain_regions": ["neck"], "neck_headache": "no", "walking_leg_symptoms": "yes"},
            "claudication_review",
            id="claudication-neck-only",
        ),
        P(
            {"prior_procedures": ["rfa"], "prior_rfa_relief": "ge_50_lt_6m"},
            "repeat_rfa_review",
            id="repeat-rfa-short-relief",
        ),
        P({"prior_procedures": ["rfa"], "prior_rfa_relief": "lt_50"}, "repeat_rfa_review", id="repeat-rfa-lt_50"),
        P({"prior_procedures": ["rfa"], "prior_rfa_relief": "not_sure"}, "repeat_rfa_review", id="repeat-rfa-not-sure"),
        P({"prior_procedures": ["mbb"], "prior_mbb_relief": "ge_80"}, "prior_procedure_review", id="prior-mbb-ge_80"),
        P(
            {"prior_procedures": ["mbb"], "prior_mbb_relief": "not_sure"},
            "prior_procedure_review",
            id="prior-mbb-not-sure",
        ),
        P(
            {"prior_procedures": ["rfa"], "prior_rfa_relief": "ge_50_6m"},
            "prior_procedure_review",
            id="prior-rfa-ge_50_6m",
        ),
        P(
            {"prior_procedures": ["rfa"], "prior_rfa_relief": "ge_50_lt_6m"},
            "prior_procedure_review",
            id="prior-rfa-ge_50_lt_6m",
        ),
        P(
            {"prior_procedures": ["rfa"], "prior_rfa_relief": "not_sure"},
            "prior_procedure_review",
            id="prior-rfa-not-sure",
        ),
        P({"prior_procedures": ["epidural"]}, "prior_procedure_review", id="prior-epidural-only"),
        P({"blood_thinners": ["aspirin"]}, "bleeding_risk", id="bleeding-aspirin-alone"),
        P({"blood_thinners": ["none"]}, "bleeding_risk", id="bleeding-no-thinners"),
        P({"bleeding_disorder": "no"}, "bleeding_risk", id="bleeding-disorder-no"),
        P({"blood_thinners": ["warfarin"]}, "aspirin", id="aspirin-warfarin-only"),
        P({"blood_thinners": ["not_sure"]}, "aspirin", id="aspirin-not-sure"),
        P({"allergies": ["steroid"]}, "allergy_local_anesthetic", id="allergy-steroid-is-not-local"),
        P({"allergies": ["latex"]}, "allergy_contrast", id="allergy-latex-is-not-contrast"),
        P({"allergies": ["contrast"]}, "allergy_other", id="allergy-contrast-is-not-other"),
        P({"infection": "no"}, "infection", id="infection-no"),
        P({"pregnant": "no"}, "pregnancy", id="pregnant-no"),
        P({"pregnant": "not_applicable"}, "pregnancy", id="pregnant-not-applicable"),
        P({"diabetes": "no"}, "diabetes", id="diabetes-no"),
        P({"implanted_device": ["none"]}, "implanted_device", id="implant-none"),
        P({"lie_prone": "yes"}, "cannot_lie_prone", id="lie-prone-yes"),
        P(
            {"prior_procedures": ["epidural", "mbb"], "prior_mbb_relief": "ge_80"},
            "prior_spine_surgery",
            id="spine-surgery-not-had",
        ),
        P({"age_band": "18_49"}, "minor", id="minor-18-49"),
        P({"age_band": "65_plus"}, "minor", id="minor-65-plus"),
        P({"red_flags": ["none"]}, "serious_cause_review", id="review-no-red-flags"),
        P({"red_flags": ["fever"]}, "serious_cause_review", id="review-same-day-only"),
        P({"red_flags": ["night_pain"]}, "urgent_red_flag", id="urgent-review-only"),
    ],
)
def test_flag_not_raised_without_its_trigger(changes, flag):
    assert flag not in assess(**changes).flags


@pytest.mark.parametrize(
    "changes, flag",
    [
        P({"red_flags": ["weight_loss"]}, "serious_cause_review", id="serious-cause"),
        P({"walking_leg_symptoms": "yes"}, "claudication_review", id="claudication"),
        P({"prior_procedures": ["rfa"], "prior_rfa_relief": "ge_50_6m"}, "repeat_rfa_review", id="repeat-rfa"),
        P({"prior_procedures": ["mbb"], "prior_mbb_relief": "lt_50"}, "prior_procedure_review", id="prior-mbb-lt_50"),
        P({"prior_procedures": ["mbb"], "prior_mbb_relief": "50_79"}, "prior_procedure_review", id="prior-mbb-50_79"),
        P({"prior_procedures": ["rfa"], "prior_rfa_relief": "lt_50"}, "prior_procedure_review", id="prior-rfa-lt_50"),
    ],
)
def test_each_review_flag_turns_likely_into_possible(changes, flag):
    result = assess(**changes)
    assert flag in result.flags
    assert result.outcome == "possible"


@pytest.mark.parametrize(
    "changes",
    [
        P({"prior_procedures": ["rfa"], "prior_rfa_relief": "ge_50_6m"}, id="repeat-rfa"),
        P({"prior_procedures": ["mbb"], "prior_mbb_relief": "50_79"}, id="prior-mbb-50_79"),
        P({"prior_procedures": ["rfa"], "prior_rfa_relief": "lt_50"}, id="prior-rfa-lt_50"),
    ],
)
def test_a_review_flag_alone_blocks_likely_with_every_criterion_met(changes):
    result = assess(**changes)
    assert all(result.criteria[c] == "met" for c in REQUIRED_FOR_LIKELY)
    assert result.outcome == "possible"


# --- Outcome: the first rule that applies ------------------------------------------------------


@pytest.mark.parametrize(
    "changes, outcome",
    [
        # urgent before unlikely
        P({"red_flags": ["fever"], "pain_duration": "lt_6w"}, "urgent", id="urgent-over-new-pain"),
        P({"red_flags": ["recent_trauma"], "pain_regions": ["other"]}, "urgent", id="urgent-over-not-spine"),
        P(
            {
                "red_flags": ["leg_weakness"],
                "pain_spread": "below_knee_elbow",
                "limb_vs_spine": "limb_worse",
                "numbness_tingling": "yes",
            },
            "urgent",
            id="urgent-over-sciatica-pattern",
        ),
        P(
            {
                "red_flags": ["saddle_numbness"],
                "treatments_tried": ["none"],
                "treatment_duration": None,
                "treatment_relief": None,
            },
            "urgent",
            id="urgent-over-nothing-tried",
        ),
        P(
            {"red_flags": ["hand_clumsiness"], "blood_thinners": ["warfarin"], "walking_leg_symptoms": "yes"},
            "urgent",
            id="urgent-over-review-and-contraindication",
        ),
        # urgent before minor
        P({"age_band": "under_18", "red_flags": ["fever"]}, "urgent", id="urgent-over-minor-same-day"),
        P({"age_band": "under_18", "red_flags": ["bladder_bowel"]}, "urgent", id="urgent-over-minor-emergency"),
        P(
            {"age_band": "under_18", "red_flags": ["weakened_immunity", "fever"]},
            "urgent",
            id="urgent-over-minor-combination",
        ),
        # unlikely before possible
        P(
            {"pain_duration": "lt_6w", "blood_thinners": ["doac"], "walking_leg_symptoms": "yes"},
            "unlikely",
            id="unlikely-over-possible-new-pain",
        ),
        P({"pain_regions": ["other"], "red_flags": ["night_pain"]}, "unlikely", id="unlikely-not-spine-review-flag"),
        P(
            {"treatment_relief": "good", "prior_procedures": ["mbb"], "prior_mbb_relief": "lt_50"},
            "unlikely",
            id="unlikely-good-relief-and-review",
        ),
        P({"age_band": "under_18", "red_flags": ["cancer_history"]}, "unlikely", id="unlikely-minor-review-flag"),
        P({"age_band": "under_18"}, "unlikely", id="unlikely-minor"),
        P(
            {"pain_duration": "6w_3m", "peg_pain": 2, "worse_with": ["none"]},
            "unlikely",
            id="unlikely-over-possible-criteria",
        ),
        # possible: a required criterion not met or unclear, or a review flag
        P({"worse_with": ["sitting"]}, "possible", id="possible-no-facet-pattern"),
        P({"peg_pain": 3}, "possible", id="possible-mild-pain"),
        P({"peg_enjoyment": 3, "peg_activity": 3}, "possible", id="possible-little-impact"),
        P({"walking_leg_symptoms": "yes"}, "possible", id="possible-claudication"),
        P({"blood_thinners": ["warfarin"]}, "possible", id="possible-contraindication"),
        P(
            {"pain_spread": "below_knee_elbow", "limb_vs_spine": "spine_worse", "numbness_tingling": "no"},
            "possible",
            id="possible-localized-unclear",
        ),
        P({"treatments_tried": ["medication"]}, "possible", id="possible-conservative-care-unclear"),
        # likely
        P({}, "likely", id="likely"),
        P(
            {
                "pain_regions": ["neck", "low_back"],
                "neck_headache": "yes",
                "pain_duration": "3m_6m",
                "pain_spread": "above_knee_elbow",
                "limb_vs_spine": "equal",
                "numbness_tingling": "no",
                "worse_with": ["twisting"],
                "treatments_tried": ["chiropractic"],
                "treatment_relief": "none",
                "peg_pain": 4,
                "peg_enjoyment": 0,
                "peg_activity": 4,
            },
            "likely",
            id="likely-at-every-edge",
        ),
    ],
)
def test_outcome(changes, outcome):
    assert assess(**changes).outcome == outcome


# --- Adults only ----------------------------------------------------------------------------


def test_minor_with_only_age_and_red_flags():
    result = v2.assess(MINOR)
    assert result.outcome == "unlikely"
    assert result.flags == {"minor"}
    assert result.criteria == dict.fromkeys(CRITERIA, "unclear")
    assert result.peg_score is None
    assert result.answers == MINOR


def test_minor_answers_beyond_age_and_red_flags_are_ignored():
    result = assess(
        age_band="under_18", blood_thinners=["warfarin"], walking_leg_symptoms="yes", pregnant="yes", peg_pain=10
    )
    assert result.answers == MINOR
    assert result.flags == {"minor"}
    assert result.criteria == dict.fromkeys(CRITERIA, "unclear")
    assert result.peg_score is None
    assert result.outcome == "unlikely"


@pytest.mark.parametrize(
    "red_flags, flags, outcome",
    [
        *[P([c], {"minor", "emergency_red_flag", "urgent_red_flag"}, "urgent", id=c) for c in EMERGENCY_CODES],
        *[P([c], {"minor", "urgent_red_flag"}, "urgent", id=c) for c in SAME_DAY_CODES],
        *[P([c], {"minor", "serious_cause_review"}, "unlikely", id=c) for c in REVIEW_CODES],
        P(
            ["cancer_history", "hand_clumsiness"],
            {"minor", "emergency_red_flag", "urgent_red_flag", "serious_cause_review"},
            "urgent",
            id="cancer-with-hand-clumsiness",
        ),
    ],
)
def test_minor_with_red_flags(red_flags, flags, outcome):
    result = v2.assess({**MINOR, "red_flags": red_flags})
    assert result.flags == flags
    assert result.outcome == outcome
    assert result.criteria == dict.fromkeys(CRITERIA, "unclear")
    assert result.peg_score is None


def test_minor_must_still_answer_the_red_flags():
    with pytest.raises(ValueError, match="red_flags"):
        v2.assess({"age_band": "under_18"})


# --- Answers to hidden items are ignored ------------------------------------------------------


@pytest.mark.parametrize(
    "changes, hidden, absent_flag",
    [
        P({"neck_headache": "yes"}, {"neck_headache"}, None, id="neck-headache-without-neck-pain"),
        P(
            {"pain_regions": ["neck"], "neck_headache": "no", "walking_leg_symptoms": "yes"},
            {"walking_leg_symptoms"},
            "claudication_review",
            id="walking-symptoms-neck-only",
        ),
        P(
            {"pain_regions": ["other"], "walking_leg_symptoms": "yes", "pain_side": "left", "neck_headache": "yes"},
            {"walking_leg_symptoms", "pain_side", "neck_headache"},
            "claudication_review",
            id="not-spine-pain",
        ),
        P({"prior_mbb_relief": "lt_50"}, {"prior_mbb_relief"}, "prior_procedure_review", id="mbb-relief-without-mbb"),
        P(
            {"prior_procedures": ["rfa"], "prior_rfa_relief": "ge_50_lt_6m", "prior_mbb_relief": "50_79"},
            {"prior_mbb_relief"},
            "prior_procedure_review",
            id="mbb-relief-with-rfa-only",
        ),
        P({"prior_rfa_relief": "ge_50_6m"}, {"prior_rfa_relief"}, "repeat_rfa_review", id="rfa-relief-without-rfa"),
        P(
            {"blood_thinner_other": "Brilique"},
            {"blood_thinner_other"},
            "bleeding_risk",
            id="other-thinner-named-without-other",
        ),
        P(
            {"blood_thinners": ["aspirin"], "blood_thinner_other": "Warfarin"},
            {"blood_thinner_other"},
            "bleeding_risk",
            id="other-thinner-named-with-aspirin",
        ),
        P({"allergy_other": "Penicillin"}, {"allergy_other"}, "allergy_other", id="other-allergy-without-other"),
        P(
            {"limb_vs_spine": "limb_worse", "numbness_tingling": "yes"},
            {"limb_vs_spine", "numbness_tingling"},
            None,
            id="limb-answers-pain-stays",
        ),
        P(
            {"treatments_tried": ["none"], "treatment_duration": "gt_3m", "treatment_relief": "good"},
            {"treatment_duration", "treatment_relief"},
            None,
            id="care-answers-nothing-tried",
        ),
        P({"imaging": ["none"], "imaging_facet": "no"}, {"imaging_facet"}, None, id="facet-answer-without-scan"),
        P({"prior_mbb_relief": "banana"}, {"prior_mbb_relief"}, None, id="hidden-answer-not-even-checked"),
    ],
)
def test_answers_to_hidden_items_are_ignored(changes, hidden, absent_flag):
    result = assess(**changes)
    assert not hidden & set(result.answers)
    without = v2.assess({k: v for k, v in likely(**changes).items() if k not in hidden})
    assert result.answers == without.answers
    assert result.flags == without.flags
    assert result.criteria == without.criteria
    assert result.outcome == without.outcome
    if absent_flag:
        assert absent_flag not in result.flags


def test_hidden_answers_hide_what_depends_on_them():
    # Nothing tried: the care follow-ups are hidden, so "good relief" does not make the criterion not_met
    # for a reason other than "none tried", and the answers hold neither follow-up.
    result = assess(treatments_tried=["none"], treatment_duration="lt_6w", treatment_relief="good")
    assert "treatment_duration" not in result.answers
    assert "treatment_relief" not in result.answers
    assert result.criteria["failed_conservative_care"] == "not_met"
    # Pain that stays hides the limb follow-ups, so they cannot make localized_pain unclear.
    result = assess(pain_spread="stays", limb_vs_spine="limb_worse", numbness_tingling="yes")
    assert result.criteria["localized_pain"] == "met"
    assert result.outcome == "likely"


# --- Invalid answers: ValueError naming the linkId -------------------------------------------


@pytest.mark.parametrize(
    "answers, link_id",
    [
        # unknown linkId or code
        P({**LIKELY, "favourite_colour": "blue"}, "favourite_colour", id="unknown-link-id"),
        P({**LIKELY, "trauma": "yes"}, "trauma", id="unknown-link-id-v1-style"),
        P(likely(age_band="ancient"), "age_band", id="unknown-code-single"),
        P(likely(pain_spread="everywhere"), "pain_spread", id="unknown-code-pain-spread"),
        P(likely(pain_regions=["knee"]), "pain_regions", id="unknown-code-multi"),
        P(likely(red_flags=["trauma"]), "red_flags", id="retired-v1-red-flag"),
        P(likely(blood_thinners=["ibuprofen"]), "blood_thinners", id="unknown-blood-thinner"),
        # wrong types
        P(likely(pain_regions="low_back"), "pain_regions", id="multi-given-a-string"),
        P(likely(red_flags="none"), "red_flags", id="red-flags-given-a-string"),
        P(likely(pain_regions={"low_back": True}), "pain_regions", id="multi-given-a-mapping"),
        P(likely(pain_duration=["gt_12m"]), "pain_duration", id="single-given-a-list"),
        P(likely(diabetes=1), "diabetes", id="single-given-an-int"),
        P(likely(peg_pain="7"), "peg_pain", id="peg-as-string"),
        P(likely(blood_thinners=["other"], blood_thinner_other=42), "blood_thinner_other", id="text-given-an-int"),
        P(likely(allergies=["other"], allergy_other=["nuts"]), "allergy_other", id="text-given-a-list"),
        # PEG out of range, bool or float
        P(likely(peg_pain=11), "peg_pain", id="peg-pain-above-10"),
        P(likely(peg_pain=-1), "peg_pain", id="peg-pain-below-0"),
        P(likely(peg_enjoyment=11), "peg_enjoyment", id="peg-enjoyment-above-10"),
        P(likely(peg_activity=-1), "peg_activity", id="peg-activity-below-0"),
        P(likely(peg_pain=True), "peg_pain", id="peg-as-true"),
        P(likely(peg_activity=False), "peg_activity", id="peg-as-false"),
        P(likely(peg_pain=7.0), "peg_pain", id="peg-as-whole-float"),
        P(likely(peg_enjoyment=4.5), "peg_enjoyment", id="peg-as-fraction"),
        # an exclusive code combined with others
        P(likely(red_flags=["none", "fever"]), "red_flags", id="red-flags-none-with-fever"),
        P(likely(blood_thinners=["none", "not_sure"]), "blood_thinners", id="thinners-none-with-not-sure"),
        P(likely(blood_thinners=["warfarin", "not_sure"]), "blood_thinners", id="thinners-not-sure-with-warfarin"),
        P(likely(implanted_device=["none", "pacemaker"]), "implanted_device", id="implant-none-with-pacemaker"),
        P(likely(worse_with=["none", "twisting"]), "worse_with", id="worse-with-none-with-twisting"),
        P(likely(treatments_tried=["none", "exercise"]), "treatments_tried", id="treatments-none-with-exercise"),
        P(likely(imaging=["mri", "not_sure"]), "imaging", id="imaging-not-sure-with-mri"),
        P(likely(allergies=["none", "latex"]), "allergies", id="allergies-none-with-latex"),
        P(
            likely(prior_procedures=["none", "mbb"], prior_mbb_relief="ge_80"),
            "prior_procedures",
            id="procedures-none-with-mbb",
        ),
        # text over 100 characters
        P(
            likely(blood_thinners=["other"], blood_thinner_other="x" * 101),
            "blood_thinner_other",
            id="thinner-text-101",
        ),
        P(likely(allergies=["other"], allergy_other="y" * 101), "allergy_other", id="allergy-text-101"),
        # a shown required item missing
        P({}, "age_band", id="nothing-answered"),
        P(likely(age_band=None), "age_band", id="age-missing"),
        P(likely(red_flags=None), "red_flags", id="red-flags-missing"),
        P(likely(red_flags=[]), "red_flags", id="red-flags-empty-list"),
        P(likely(diabetes=None), "diabetes", id="diabetes-missing"),
        P(likely(peg_activity=None), "peg_activity", id="peg-activity-missing"),
        P(likely(pain_side=None), "pain_side", id="pain-side-missing"),
        P(likely(pain_regions=["neck", "low_back"]), "neck_headache", id="neck-headache-missing"),
        P(likely(walking_leg_symptoms=None), "walking_leg_symptoms", id="walking-symptoms-missing"),
        P(likely(pain_spread="below_knee_elbow", numbness_tingling="no"), "limb_vs_spine", id="limb-vs-spine-missing"),
        P(likely(pain_spread="above_knee_elbow", limb_vs_spine="equal"), "numbness_tingling", id="numbness-missing"),
        P(likely(treatment_duration=None), "treatment_duration", id="care-duration-missing"),
        P(likely(treatment_relief=None), "treatment_relief", id="care-relief-missing"),
        P(likely(imaging_facet=None), "imaging_facet", id="imaging-facet-missing"),
        P(likely(prior_procedures=["mbb"]), "prior_mbb_relief", id="mbb-relief-missing"),
        P(likely(prior_procedures=["rfa"]), "prior_rfa_relief", id="rfa-relief-missing"),
        P(likely(blood_thinners=None), "blood_thinners", id="blood-thinners-missing"),
    ],
)
def test_invalid_answers_raise_value_error_naming_the_item(answers, link_id):
    with pytest.raises(ValueError, match=re.escape(link_id)):
        v2.assess(answers)


def test_text_items_may_be_left_out():
    result = assess(blood_thinners=["other"], allergies=["other"])
    assert "blood_thinner_other" not in result.answers
    assert "allergy_other" not in result.answers
    assert result.flags == {"bleeding_risk", "allergy_other"}


def test_text_of_exactly_100_characters_is_accepted():
    result = assess(
        blood_thinners=["other"], blood_thinner_other="x" * 100, allergies=["other"], allergy_other="y" * 100
    )
    assert result.answers["blood_thinner_other"] == "x" * 100
    assert result.answers["allergy_other"] == "y" * 100


@pytest.mark.parametrize("value", [P(0, id="0"), P(10, id="10")])
def test_peg_at_either_end_of_the_scale_is_accepted(value):
    result = assess(peg_pain=value, peg_enjoyment=value, peg_activity=value)
    assert result.peg_score == float(value)


def test_hidden_required_items_may_be_left_out():
    result = assess(
        pain_regions=["other"],
        pain_side=None,
        walking_leg_symptoms=None,
        imaging=["none"],
        imaging_facet=None,
        treatments_tried=["none"],
        treatment_duration=None,
        treatment_relief=None,
    )
    assert result.outcome == "unlikely"
    assert result.criteria["spine_pain"] == "not_met"


# --- PEG score ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pain, enjoyment, activity, score",
    [
        P(7, 6, 6, 6.3, id="likely-candidate"),
        P(0, 0, 0, 0.0, id="zero"),
        P(10, 10, 10, 10.0, id="max"),
        P(1, 0, 0, 0.3, id="one-third"),
        P(2, 0, 0, 0.7, id="two-thirds"),
        P(5, 4, 4, 4.3, id="4.33"),
        P(10, 9, 9, 9.3, id="9.33"),
        P(10, 10, 9, 9.7, id="9.67"),
        P(3, 4, 5, 4.0, id="whole"),
    ],
)
def test_peg_score_is_the_mean_to_one_decimal(pain, enjoyment, activity, score):
    result = assess(peg_pain=pain, peg_enjoyment=enjoyment, peg_activity=activity)
    assert result.peg_score == score
    assert isinstance(result.peg_score, float)


# --- Which answers raised each flag ----------------------------------------------------------


def reasons(**changes):
    return {flag: set(found) for flag, found in v2.flag_reasons(assess(**changes).answers).items()}


def test_no_reasons_for_the_likely_candidate():
    assert v2.flag_reasons(v2.assess(LIKELY).answers) == {}


@pytest.mark.parametrize("combo", [P(list(c), id="+".join(c)) for c in EMERGENCY_COMBINATIONS])
def test_reasons_for_an_emergency_combination_name_both_codes(combo):
    found = reasons(red_flags=combo)
    assert found["emergency_red_flag"] == {("red_flags", code) for code in combo}
    same_day = next(code for code in combo if code in SAME_DAY_CODES)
    review = next(code for code in combo if code in REVIEW_CODES)
    assert found["urgent_red_flag"] == {("red_flags", same_day)}
    assert found["serious_cause_review"] == {("red_flags", review)}


def test_reasons_for_an_emergency_leave_out_half_a_combination():
    found = reasons(red_flags=["bladder_bowel", "cancer_history", "fever"])
    assert found["emergency_red_flag"] == {("red_flags", "bladder_bowel")}
    assert found["urgent_red_flag"] == {("red_flags", "bladder_bowel"), ("red_flags", "fever")}
    assert found["serious_cause_review"] == {("red_flags", "cancer_history")}


def test_reasons_for_bleeding_risk_include_the_typed_name():
    found = reasons(
        blood_thinners=["warfarin", "aspirin", "other"], blood_thinner_other="Brilique", bleeding_disorder="not_sure"
    )
    assert found["bleeding_risk"] == {
        ("blood_thinners", "warfarin"),
        ("blood_thinners", "other"),
        ("blood_thinner_other", "Brilique"),
        ("bleeding_disorder", "not_sure"),
    }
    assert found["aspirin"] == {("blood_thinners", "aspirin")}


def test_reasons_for_other_allergy_include_the_typed_name():
    found = reasons(allergies=["latex", "other"], allergy_other="Penicillin")
    assert found["allergy_other"] == {("allergies", "other"), ("allergy_other", "Penicillin")}
    assert found["allergy_latex"] == {("allergies", "latex")}


@pytest.mark.parametrize(
    "changes, flag, expected",
    [
        P(
            {"prior_procedures": ["mbb", "rfa"], "prior_mbb_relief": "50_79", "prior_rfa_relief": "lt_50"},
            "prior_procedure_review",
            {("prior_mbb_relief", "50_79"), ("prior_rfa_relief", "lt_50")},
            id="prior-procedures",
        ),
        P(
            {"prior_procedures": ["rfa"], "prior_rfa_relief": "ge_50_6m"},
            "repeat_rfa_review",
            {("prior_rfa_relief", "ge_50_6m")},
            id="repeat-rfa",
        ),
        P({"walking_leg_symptoms": "yes"}, "claudication_review", {("walking_leg_symptoms", "yes")}, id="claudication"),
        P(
            {"implanted_device": ["pacemaker", "spinal_cord_stimulator"]},
            "implanted_device",
            {("implanted_device", "pacemaker"), ("implanted_device", "spinal_cord_stimulator")},
            id="devices",
        ),
        P({"pregnant": "not_sure"}, "pregnancy", {("pregnant", "not_sure")}, id="pregnancy"),
        P({"lie_prone": "no"}, "cannot_lie_prone", {("lie_prone", "no")}, id="cannot-lie-prone"),
        P(
            {"prior_procedures": ["spine_surgery"]},
            "prior_spine_surgery",
            {("prior_procedures", "spine_surgery")},
            id="spine-surgery",
        ),
        P({"age_band": "under_18"}, "minor", {("age_band", "under_18")}, id="minor"),
    ],
)
def test_reasons_name_the_answers_behind_the_flag(changes, flag, expected):
    assert reasons(**changes)[flag] == expected


def test_reasons_cover_exactly_the_flags_raised():
    result = v2.assess(EVERY_FLAG)
    assert set(v2.flag_reasons(result.answers)) == result.flags
    assert all(v2.flag_reasons(result.answers).values())


# --- Safety net ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, watch_for",
    [
        P(
            {"pain_spread": "above_knee_elbow", "limb_vs_spine": "spine_worse", "numbness_tingling": "no"},
            set(EMERGENCY_CODES),
            id="low-back-above-knee",
        ),
        P(
            {"pain_spread": "below_knee_elbow", "limb_vs_spine": "limb_worse", "numbness_tingling": "yes"},
            set(EMERGENCY_CODES),
            id="low-back-below-knee",
        ),
        P(
            {
                "pain_regions": ["neck", "low_back"],
                "neck_headache": "no",
                "pain_spread": "above_knee_elbow",
                "limb_vs_spine": "equal",
                "numbness_tingling": "no",
            },
            set(EMERGENCY_CODES),
            id="neck-and-low-back-spreads",
        ),
        P({"pain_spread": "stays"}, set(), id="low-back-stays"),
        P(
            {
                "pain_regions": ["neck"],
                "neck_headache": "no",
                "pain_spread": "below_knee_elbow",
                "limb_vs_spine": "limb_worse",
                "numbness_tingling": "yes",
            },
            set(),
            id="neck-only-spreads",
        ),
        P(
            {
                "pain_regions": ["mid_back"],
                "pain_spread": "above_knee_elbow",
                "limb_vs_spine": "equal",
                "numbness_tingling": "no",
            },
            set(),
            id="mid-back-only-spreads",
        ),
        P(
            {
                "pain_regions": ["other"],
                "pain_spread": "below_knee_elbow",
                "limb_vs_spine": "limb_worse",
                "numbness_tingling": "no",
            },
            set(),
            id="not-spine-spreads",
        ),
        P(
            {
                "age_band": "under_18",
                "pain_spread": "below_knee_elbow",
                "limb_vs_spine": "limb_worse",
                "numbness_tingling": "yes",
            },
            set(),
            id="minor-not-asked",
        ),
    ],
)
def test_safety_net(changes, watch_for):
    assert set(v2.safety_net(assess(**changes).answers)) == watch_for


# --- Properties, over valid answers generated from the definition ---------------------------


def _multi(item):
    exclusive = sorted(item.exclusive_codes)
    others = [c for c in item.codes if c not in item.exclusive_codes]
    several = st.lists(st.sampled_from(others), min_size=1, unique=True)
    return st.one_of(st.sampled_from(exclusive).map(lambda c: [c]), several) if exclusive else several


def _value(item):
    if item.type == questionnaire.SCALE:
        return st.integers(questionnaire.SCALE_MIN, questionnaire.SCALE_MAX)
    if item.type == questionnaire.SINGLE:
        return st.sampled_from(item.codes)
    if item.type == questionnaire.TEXT:
        return st.text(max_size=questionnaire.TEXT_MAX)
    return _multi(item)


@st.composite
def valid_answers(draw):
    """The answers a patient can give: each shown item in order, text items optional."""
    answers = {}
    for item in Q.items.values():
        if not Q.is_shown(item, answers):
            continue
        if item.type == questionnaire.TEXT and draw(st.booleans()):
            continue
        answers[item.link_id] = draw(_value(item))
    return answers


@settings(max_examples=200, deadline=None)
@given(valid_answers())
def test_property_assess_is_total_and_follows_the_spec(answers):
    result = v2.assess(answers)
    assert set(result.criteria) == set(CRITERIA)
    assert set(result.criteria.values()) <= STATUSES
    assert result.flags <= set(FLAG_KINDS)

    shown = result.answers
    assert result.flags == spec_flags(shown)
    assert result.criteria == spec_criteria(shown, result.flags)
    assert result.outcome == spec_outcome(result.flags, result.criteria)
    assert set(v2.flag_reasons(shown)) == result.flags
    assert v2.urgency_of_flags(result.flags) == v2.urgency(answers["red_flags"])
    if answers["age_band"] == "under_18":
        assert result.peg_score is None
    else:
        assert result.peg_score == round(
            (answers["peg_pain"] + answers["peg_enjoyment"] + answers["peg_activity"]) / 3, 1
        )


@settings(max_examples=200, deadline=None)
@given(valid_answers(), st.sampled_from(EMERGENCY_CODES + SAME_DAY_CODES))
def test_property_an_emergency_or_same_day_red_flag_always_makes_it_urgent(answers, code):
    flagged = {**answers, "red_flags": sorted({*answers["red_flags"], code} - {"none"})}
    result = v2.assess(flagged)
    assert result.outcome == "urgent"
    assert "urgent_red_flag" in result.flags
    assert ("emergency_red_flag" in result.flags) == ("emergency_red_flag" in spec_flags(result.answers))
    if code in EMERGENCY_CODES:
        assert "emergency_red_flag" in result.flags


@settings(max_examples=200, deadline=None)
@given(valid_answers(), st.data())
def test_property_answers_to_hidden_items_change_nothing(answers, data):
    shown_result = v2.assess(answers)
    extra = {}
    for item in Q.items.values():
        if item.link_id not in answers and not Q.is_shown(item, shown_result.answers) and data.draw(st.booleans()):
            extra[item.link_id] = data.draw(_value(item))
    result = v2.assess({**answers, **extra})
    assert not set(extra) & set(result.answers)
    assert result.answers == shown_result.answers
    assert result.flags == shown_result.flags
    assert result.criteria == shown_result.criteria
    assert result.outcome == shown_result.outcome
