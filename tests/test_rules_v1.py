"""Rules 1.0.0, kept for screenings answered before 2.0.0, case by case (questionnaire 1.0.0)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screening import questionnaire
from screening.rules.common import OUTCOMES
from screening.rules.v1 import FLAGS, URGENT_RED_FLAGS, assess

from .answers import V1_LIKELY as LIKELY
from .answers import v1_likely as likely

q = questionnaire.definition("1.0.0")

P = pytest.param


def test_likely_candidate_meets_every_criterion():
    result = assess(LIKELY)
    assert result.outcome == "likely"
    assert result.flags == set()
    assert set(result.criteria.values()) == {"met"}
    assert result.peg_score == 6.3


@pytest.mark.parametrize(
    "answers, code, status",
    [
        P(likely(pain_regions=["neck"]), "spine_pain", "met", id="neck"),
        P(likely(pain_regions=["mid_back", "other"]), "spine_pain", "met", id="mid-back-and-other"),
        P(likely(pain_regions=["other"]), "spine_pain", "not_met", id="only-other"),
        P(likely(pain_duration="lt_6w"), "chronic_pain", "not_met", id="under-6-weeks"),
        P(likely(pain_duration="6w_3m"), "chronic_pain", "not_met", id="6w-3m-not-chronic"),
        P(likely(pain_duration="3m_6m"), "chronic_pain", "met", id="3m-6m-is-chronic"),
        P(likely(pain_duration="6m_12m"), "chronic_pain", "met", id="6m-12m"),
        P(likely(pain_duration="gt_12m"), "chronic_pain", "met", id="over-a-year"),
        P(likely(pain_spread="stays"), "localized_pain", "met", id="stays"),
        P(
            likely(pain_spread="above_knee_elbow", limb_vs_spine="spine_worse", numbness_tingling="no"),
            "localized_pain",
            "met",
            id="above-knee-spine-worse",
        ),
        P(
            likely(pain_spread="above_knee_elbow", limb_vs_spine="equal", numbness_tingling="yes"),
            "localized_pain",
            "met",
            id="above-knee-equal",
        ),
        P(
            likely(pain_spread="above_knee_elbow", limb_vs_spine="limb_worse", numbness_tingling="no"),
            "localized_pain",
            "not_met",
            id="above-knee-limb-worse",
        ),
        P(
            likely(pain_spread="below_knee_elbow", limb_vs_spine="limb_worse", numbness_tingling="yes"),
            "localized_pain",
            "not_met",
            id="below-knee-limb-worse",
        ),
        P(
            likely(pain_spread="below_knee_elbow", limb_vs_spine="spine_worse", numbness_tingling="no"),
            "localized_pain",
            "unclear",
            id="below-knee-spine-worse",
        ),
        P(
            likely(pain_spread="below_knee_elbow", limb_vs_spine="equal", numbness_tingling="no"),
            "localized_pain",
            "unclear",
            id="below-knee-equal",
        ),
        P(
            likely(treatments_tried=["none"], treatment_duration=None, treatment_relief=None),
            "failed_conservative_care",
            "not_met",
            id="nothing-tried",
        ),
        P(likely(treatment_relief="good"), "failed_conservative_care", "not_met", id="good-relief"),
        P(
            likely(treatment_relief="good", treatment_duration="lt_6w"),
            "failed_conservative_care",
            "not_met",
            id="good-relief-short",
        ),
        P(
            likely(treatment_relief="none", treatment_duration="6w_3m"),
            "failed_conservative_care",
            "met",
            id="no-relief-6w",
        ),
        P(
            likely(treatment_relief="some", treatment_duration="gt_3m"),
            "failed_conservative_care",
            "met",
            id="some-relief-3m",
        ),
        P(
            likely(treatment_relief="some", treatment_duration="lt_6w"),
            "failed_conservative_care",
            "unclear",
            id="tried-under-6-weeks",
        ),
        P(likely(worse_with=["twisting"]), "facet_pattern", "met", id="twisting"),
        P(likely(worse_with=["bending_backward"]), "facet_pattern", "met", id="extension"),
        P(likely(worse_with=["bending_forward", "sitting"]), "facet_pattern", "not_met", id="flexion-only"),
        P(likely(worse_with=["none"]), "facet_pattern", "not_met", id="nothing-worse"),
        P(likely(peg_pain=4), "moderate_pain", "met", id="peg-pain-4"),
        P(likely(peg_pain=10), "moderate_pain", "met", id="peg-pain-10"),
        P(likely(peg_pain=3), "moderate_pain", "not_met", id="peg-pain-3"),
        P(likely(peg_pain=0), "moderate_pain", "not_met", id="peg-pain-0"),
        P(likely(red_flags=["none"]), "no_other_cause", "met", id="no-red-flags"),
        P(likely(red_flags=["night_pain"]), "no_other_cause", "not_met", id="night-pain"),
        P(likely(red_flags=["fever"]), "no_other_cause", "not_met", id="fever"),
        P(likely(allergies=["latex"]), "no_contraindications", "met", id="latex-is-precaution-only"),
        P(likely(diabetes="yes", lie_prone="no"), "no_contraindications", "met", id="precautions-only"),
        P(likely(blood_thinners=["aspirin"]), "no_contraindications", "not_met", id="aspirin"),
        P(likely(pregnant="not_sure"), "no_contraindications", "not_met", id="maybe-pregnant"),
        P(likely(imaging_facet="yes"), "diagnostic_clarity", "met", id="facet-on-imaging"),
        P(likely(imaging_facet="no"), "diagnostic_clarity", "unclear", id="imaging-not-facet"),
        P(likely(imaging=["none"], imaging_facet=None), "diagnostic_clarity", "unclear", id="no-imaging"),
        P(likely(rfa_interest="yes"), "further_treatment", "met", id="wants-rfa"),
        P(likely(rfa_interest="no", prior_procedures=["rfa"]), "further_treatment", "met", id="had-rfa"),
        P(likely(rfa_interest="not_sure"), "further_treatment", "unclear", id="unsure-about-rfa"),
    ],
)
def test_criterion_status(answers, code, status):
    result = assess(answers)
    assert result.criteria[code] == status
    detail = result.details[code]
    assert detail.status == status and detail.explanation and detail.source


@pytest.mark.parametrize(
    "changes, flag",
    [
        P({"red_flags": ["bladder_bowel"]}, "urgent_red_flag", id="bladder-bowel"),
        P({"red_flags": ["saddle_numbness"]}, "urgent_red_flag", id="saddle"),
        P({"red_flags": ["leg_weakness"]}, "urgent_red_flag", id="weakness"),
        P({"red_flags": ["fever"]}, "urgent_red_flag", id="fever"),
        P({"red_flags": ["trauma"]}, "urgent_red_flag", id="trauma"),
        P({"red_flags": ["cancer_history"]}, "serious_cause_review", id="cancer"),
        P({"red_flags": ["weight_loss"]}, "serious_cause_review", id="weight-loss"),
        P({"red_flags": ["night_pain"]}, "serious_cause_review", id="night-pain"),
        P({"blood_thinners": ["warfarin"]}, "bleeding_risk", id="warfarin"),
        P({"blood_thinners": ["doac", "aspirin"]}, "bleeding_risk", id="doac-aspirin"),
        P({"blood_thinners": ["not_sure"]}, "bleeding_risk", id="unsure-thinners"),
        P({"bleeding_disorder": "yes"}, "bleeding_risk", id="bleeding-disorder"),
        P({"bleeding_disorder": "not_sure"}, "bleeding_risk", id="unsure-bleeding"),
        P({"allergies": ["local_anesthetic"]}, "allergy_local_anesthetic", id="anesthetic"),
        P({"allergies": ["steroid"]}, "allergy_steroid", id="steroid"),
        P({"allergies": ["contrast", "latex"]}, "allergy_contrast", id="contrast"),
        P({"allergies": ["latex"]}, "allergy_latex", id="latex"),
        P({"infection": "yes"}, "infection", id="infection"),
        P({"pregnant": "yes"}, "pregnancy", id="pregnant"),
        P({"pregnant": "not_sure"}, "pregnancy", id="maybe-pregnant"),
        P({"diabetes": "yes"}, "diabetes", id="diabetes"),
        P({"lie_prone": "no"}, "cannot_lie_prone", id="cannot-lie-prone"),
        P({"age_band": "under_18"}, "minor", id="minor"),
    ],
)
def test_flag_raised(changes, flag):
    assert flag in assess(likely(**changes)).flags


@pytest.mark.parametrize(
    "changes, flag",
    [
        P({"blood_thinners": ["none"], "bleeding_disorder": "no"}, "bleeding_risk", id="no-bleeding-risk"),
        P({"pregnant": "no"}, "pregnancy", id="not-pregnant"),
        P({"pregnant": "not_applicable"}, "pregnancy", id="pregnancy-not-applicable"),
        P({"red_flags": ["cancer_history"]}, "urgent_red_flag", id="cancer-is-not-urgent"),
        P({"age_band": "65_plus"}, "minor", id="adult"),
    ],
)
def test_flag_not_raised(changes, flag):
    assert flag not in assess(likely(**changes)).flags


@pytest.mark.parametrize(
    "changes, outcome",
    [
        P({}, "likely", id="all-met"),
        P({"red_flags": ["trauma"]}, "urgent", id="urgent"),
        P({"red_flags": ["fever"], "age_band": "under_18"}, "urgent", id="urgent-before-minor"),
        P(
            {"red_flags": ["leg_weakness"], "pain_regions": ["other"], "pain_duration": "lt_6w"},
            "urgent",
            id="urgent-before-unlikely",
        ),
        P({"age_band": "under_18"}, "unlikely", id="minor"),
        P({"pain_regions": ["other"]}, "unlikely", id="no-spine-pain"),
        P({"pain_duration": "6w_3m"}, "unlikely", id="not-chronic"),
        P(
            {"pain_spread": "below_knee_elbow", "limb_vs_spine": "limb_worse", "numbness_tingling": "yes"},
            "unlikely",
            id="limb-worse",
        ),
        P({"treatment_relief": "good"}, "unlikely", id="care-working"),
        P({"pain_duration": "6w_3m", "blood_thinners": ["warfarin"]}, "unlikely", id="unlikely-before-possible"),
        P({"worse_with": ["sitting"]}, "possible", id="no-facet-pattern"),
        P({"peg_pain": 3}, "possible", id="mild-pain"),
        P({"red_flags": ["night_pain"]}, "possible", id="serious-cause-review"),
        P({"blood_thinners": ["injectable"]}, "possible", id="contraindication"),
        P(
            {"pain_spread": "below_knee_elbow", "limb_vs_spine": "equal", "numbness_tingling": "no"},
            "possible",
            id="localized-unclear",
        ),
        P({"treatment_duration": "lt_6w"}, "possible", id="care-unclear"),
        P(
            {"imaging": ["none"], "imaging_facet": None, "rfa_interest": "no"},
            "likely",
            id="informing-criteria-never-lower",
        ),
        P({"allergies": ["latex"], "diabetes": "yes", "lie_prone": "no"}, "likely", id="precautions-keep-likely"),
    ],
)
def test_outcome(changes, outcome):
    assert assess(likely(**changes)).outcome == outcome


@pytest.mark.parametrize(
    "pain, enjoyment, activity, score",
    [
        P(7, 6, 6, 6.3, id="rounds-down"),
        P(5, 5, 4, 4.7, id="rounds-up"),
        P(0, 0, 0, 0.0, id="zero"),
        P(10, 10, 10, 10.0, id="max"),
    ],
)
def test_peg_score_is_mean_to_one_decimal(pain, enjoyment, activity, score):
    result = assess(likely(peg_pain=pain, peg_enjoyment=enjoyment, peg_activity=activity))
    assert result.peg_score == score


@pytest.mark.parametrize(
    "changes",
    [
        P({"limb_vs_spine": "limb_worse", "numbness_tingling": "banana"}, id="spread-stays"),
        P(
            {"treatments_tried": ["none"], "treatment_duration": "gt_3m", "treatment_relief": "good"},
            id="nothing-tried",
        ),
        P({"imaging": ["not_sure"], "imaging_facet": "maybe"}, id="imaging-unsure"),
    ],
)
def test_answers_to_hidden_items_are_ignored(changes):
    result = assess(likely(**changes))
    hidden = set(changes) - {"treatments_tried", "imaging"}
    assert not hidden & set(result.answers)
    assert result.answers == {k: v for k, v in likely(**changes).items() if k not in hidden}


@pytest.mark.parametrize(
    "answers, link_id",
    [
        P({**LIKELY, "favourite_colour": "blue"}, "favourite_colour", id="unknown-link-id"),
        P(likely(age_band="ancient"), "age_band", id="unknown-code-single"),
        P(likely(pain_regions=["knee"]), "pain_regions", id="unknown-code-multi"),
        P(likely(pain_regions="low_back"), "pain_regions", id="multi-given-a-string"),
        P(likely(pain_duration=["gt_12m"]), "pain_duration", id="single-given-a-list"),
        P(likely(peg_pain="7"), "peg_pain", id="peg-as-string"),
        P(likely(peg_pain=7.0), "peg_pain", id="peg-as-float"),
        P(likely(peg_pain=True), "peg_pain", id="peg-as-bool"),
        P(likely(peg_pain=11), "peg_pain", id="peg-above-10"),
        P(likely(peg_activity=-1), "peg_activity", id="peg-below-0"),
        P(likely(red_flags=["none", "fever"]), "red_flags", id="exclusive-combined"),
        P(likely(imaging=["none", "not_sure"]), "imaging", id="two-exclusives"),
        P(likely(blood_thinners=[]), "blood_thinners", id="empty-multi"),
        P(likely(diabetes=None), "diabetes", id="shown-item-missing"),
        P(likely(pain_spread="below_knee_elbow"), "limb_vs_spine", id="revealed-item-missing"),
        P(likely(treatment_relief=None), "treatment_relief", id="follow-up-missing"),
    ],
)
def test_invalid_answers_raise_value_error_naming_the_item(answers, link_id):
    with pytest.raises(ValueError, match=link_id):
        assess(answers)


def test_valid_answers_without_hidden_items_raise_nothing():
    assert assess(likely(pain_spread="stays", limb_vs_spine=None)).outcome == "likely"


def test_flags_are_known_codes():
    every_flag = assess(
        likely(
            red_flags=["fever", "night_pain"],
            blood_thinners=["warfarin"],
            allergies=["local_anesthetic", "steroid", "contrast", "latex"],
            infection="yes",
            pregnant="yes",
            diabetes="yes",
            lie_prone="no",
            age_band="under_18",
        )
    ).flags
    assert every_flag == set(FLAGS)


# Property-based: valid answer sets generated from the definition itself.


@st.composite
def valid_answers(draw):
    answers = {}
    for item in q.items.values():
        if not q.is_shown(item, answers):
            continue
        if item.type == questionnaire.SCALE:
            answers[item.link_id] = draw(st.integers(questionnaire.SCALE_MIN, questionnaire.SCALE_MAX))
        elif item.type == questionnaire.SINGLE:
            answers[item.link_id] = draw(st.sampled_from(item.codes))
        else:
            exclusive = sorted(item.exclusive_codes)
            others = [c for c in item.codes if c not in item.exclusive_codes]
            alone = st.sampled_from(exclusive).map(lambda c: [c])
            several = st.lists(st.sampled_from(others), min_size=1, unique=True)
            answers[item.link_id] = draw(st.one_of(alone, several) if exclusive else several)
    return answers


@settings(max_examples=300, deadline=None)
@given(valid_answers(), st.sampled_from(sorted(URGENT_RED_FLAGS)))
def test_property_assess_is_total_and_urgent_always_wins(answers, urgent_code):
    result = assess(answers)
    assert result.outcome in OUTCOMES
    assert set(result.criteria) == {
        "spine_pain",
        "chronic_pain",
        "localized_pain",
        "failed_conservative_care",
        "facet_pattern",
        "moderate_pain",
        "no_other_cause",
        "no_contraindications",
        "diagnostic_clarity",
        "further_treatment",
    }
    assert set(result.criteria.values()) <= {"met", "not_met", "unclear"}
    assert result.flags <= set(FLAGS)

    flagged = dict(answers)
    flagged["red_flags"] = sorted({*answers["red_flags"], urgent_code} - {"none"})
    assert assess(flagged).outcome == "urgent"
