"""Candidacy rules 2.0.0, for questionnaire 2.0.0: answers in, assessment out.

Pure: no Flask, no database. Each criterion carries the patient's explanation,
the rule in clinical words, its source and the items it reads; each flag, the
answers that raised it. The red-flag tiers live here and nowhere else: the
patient pages, the due time and the intake all ask `urgency()`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import questionnaire
from .common import (
    EMERGENCY,
    LIKELY,
    MET,
    NOT_MET,
    POSSIBLE,
    SAME_DAY,
    UNCLEAR,
    UNLIKELY,
    URGENT,
    Assessment,
    Criterion,
    CriterionResult,
    FlagInfo,
    Reason,
    chosen,
    evaluate_criteria,
    has,
    peg_score,
)

VERSION = "2.0.0"
QUESTIONNAIRE_VERSION = "2.0.0"

# Red flags by tier (NICE NG59, GIRFT cauda equina pathway, NICE NG234).
EMERGENCY_RED_FLAGS = frozenset({"bladder_bowel", "saddle_numbness", "leg_weakness"})
SAME_DAY_RED_FLAGS = frozenset({"hand_clumsiness", "fever", "recent_trauma"})
REVIEW_RED_FLAGS = frozenset({"cancer_history", "weight_loss", "night_pain", "weakened_immunity", "osteoporosis"})
# Together these are emergencies: cancer pressing on the spinal cord; a spinal abscess.
EMERGENCY_COMBINATIONS = (frozenset({"cancer_history", "hand_clumsiness"}), frozenset({"weakened_immunity", "fever"}))

SPINE_REGIONS = frozenset({"neck", "mid_back", "low_back"})
CHRONIC_DURATIONS = frozenset({"3m_6m", "6m_12m", "gt_12m"})
FACET_MOVEMENTS = frozenset({"bending_backward", "twisting"})
NONINVASIVE_CARE = frozenset({"physical_therapy", "chiropractic", "exercise"})
ANTICOAGULATION = frozenset({"warfarin", "doac", "antiplatelet", "injectable", "other", "not_sure"})
ADULT_ONLY_MESSAGE = "The online screening is for adults, so this was not checked."

FLAGS: dict[str, FlagInfo] = {
    f.code: f
    for f in (
        FlagInfo(
            "emergency_red_flag",
            "urgent",
            "You told us about a symptom that needs emergency care now.",
            "EMERGENCY red flag: possible cauda equina, cord compression or spinal abscess",
        ),
        FlagInfo(
            "urgent_red_flag",
            "urgent",
            "You told us about a symptom that needs a doctor today.",
            "Urgent red flag: patient told to seek care today or now",
        ),
        FlagInfo(
            "serious_cause_review",
            "review",
            "You told us about something that can have another cause, such as cancer, weight loss, "
            "night pain, a weak immune system or thin bones. The doctor will check for other causes first.",
            "Red flag for a non-facet cause: exclude before any procedure",
        ),
        FlagInfo(
            "claudication_review",
            "review",
            "Your legs ache or feel weak when you walk or stand. The doctor will check whether the "
            "nerves in your lower back are being squeezed.",
            "Neurogenic claudication symptoms: consider spinal stenosis",
        ),
        FlagInfo(
            "repeat_rfa_review",
            "review",
            "An earlier radiofrequency ablation helped you for 6 months or more. The doctor will talk "
            "with you about whether it can be repeated.",
            "Prior RFA gave 50% or more for 6 months or more: repeat RFA may not need new blocks",
        ),
        FlagInfo(
            "prior_procedure_review",
            "review",
            "An earlier block or ablation did not help enough. The doctor will look at why before "
            "planning another one.",
            "Prior MBB under 80% or prior RFA under 50%",
        ),
        FlagInfo(
            "bleeding_risk",
            "contraindication",
            "You take a blood thinner, may have a bleeding problem, or are not sure. Keep taking your "
            "medicines as prescribed: the doctor will make a plan with you and your other doctors.",
            "Bleeding risk: anticoagulant, antiplatelet or bleeding disorder (ASRA plan needed)",
        ),
        FlagInfo(
            "allergy_local_anesthetic",
            "contraindication",
            "You are allergic to numbing medicine. The doctor will talk with you about it.",
            "Allergy: local anaesthetic",
        ),
        FlagInfo(
            "allergy_contrast",
            "contraindication",
            "You are allergic to X-ray dye. The doctor will plan around it.",
            "Allergy: iodinated contrast",
        ),
        FlagInfo(
            "infection",
            "contraindication",
            "You have an infection now. An injection waits until it is gone.",
            "Current infection, antibiotics or skin lesion near the site",
        ),
        FlagInfo(
            "pregnancy",
            "contraindication",
            "You are or may be pregnant. X-rays are used, so the doctor will talk with you first.",
            "Pregnant or pregnancy status uncertain (fluoroscopy)",
        ),
        FlagInfo(
            "aspirin",
            "precaution",
            "You take aspirin. Keep taking it as prescribed: the doctor will tell you whether to pause it.",
            "Aspirin: physician decides whether to hold",
        ),
        FlagInfo(
            "allergy_steroid",
            "precaution",
            "You are allergic to steroid medicine. A test block can be done with numbing medicine only.",
            "Allergy: corticosteroid (diagnostic block can omit steroid)",
        ),
        FlagInfo(
            "allergy_latex",
            "precaution",
            "You are allergic to latex. The team will use latex-free supplies.",
            "Latex allergy: latex-free room",
        ),
        FlagInfo(
            "allergy_other",
            "precaution",
            "You told us about another allergy. The team will check it before any procedure.",
            "Other allergy (see the patient's words)",
        ),
        FlagInfo(
            "prior_spine_surgery",
            "precaution",
            "You have had spine surgery. The doctor will check which parts of the spine were treated.",
            "Prior spine surgery: check fused or instrumented levels",
        ),
        FlagInfo(
            "diabetes",
            "precaution",
            "You have diabetes. Steroid medicine can raise blood sugar for a few days.",
            "Diabetes: steroid may raise glucose",
        ),
        FlagInfo(
            "implanted_device",
            "precaution",
            "You have an implanted device. The team will plan around it.",
            "Implanted electrical device: relevant to radiofrequency ablation",
        ),
        FlagInfo(
            "cannot_lie_prone",
            "precaution",
            "Lying on your stomach for 30 minutes is hard for you. Tell the team so they can help.",
            "Cannot lie prone for about 30 minutes",
        ),
        FlagInfo(
            "minor", "stop", "The online screening is for adults.", "Under 18: the online screening is for adults"
        ),
    )
}
CONTRAINDICATION_FLAGS = frozenset(c for c, f in FLAGS.items() if f.kind == "contraindication")
REVIEW_FLAGS = frozenset(c for c, f in FLAGS.items() if f.kind == "review")


def urgency(red_flags: Any) -> str | None:
    """EMERGENCY, SAME_DAY or None for the red flags chosen (a list of codes, or None)."""
    codes = set(red_flags) if isinstance(red_flags, list) else set()
    if codes & EMERGENCY_RED_FLAGS or any(combo <= codes for combo in EMERGENCY_COMBINATIONS):
        return EMERGENCY
    if codes & SAME_DAY_RED_FLAGS:
        return SAME_DAY
    return None


def urgency_of_flags(flags: set[str] | list[str]) -> str | None:
    """The same tier, read from a stored screening's flags."""
    if "emergency_red_flag" in flags:
        return EMERGENCY
    return SAME_DAY if "urgent_red_flag" in flags else None


def safety_net(a: Mapping[str, Any]) -> frozenset[str]:
    """The red flags to watch for later: low back pain that spreads can turn into cauda equina syndrome."""
    if has(a, "pain_regions", {"low_back"}) and a.get("pain_spread") not in (None, "stays"):
        return EMERGENCY_RED_FLAGS
    return frozenset()


def _spine_pain(a, _flags):
    if has(a, "pain_regions", SPINE_REGIONS):
        return MET, "Your pain is in your neck or back, where the facet joints are."
    return NOT_MET, (
        "This procedure is for neck and back pain. Pain in other places, such as a knee or "
        "shoulder, is usually treated by a joint or sports medicine doctor. Your own doctor "
        "can help you find one."
    )


def _chronic_pain(a, _flags):
    if a["pain_duration"] in CHRONIC_DURATIONS:
        return MET, "You have had the pain for 3 months or longer."
    return NOT_MET, (
        "Your pain started less than 3 months ago. New pain often gets better with time, "
        "activity and simple treatments, so a block is not usually the first step."
    )


def _localized_pain(a, _flags):
    spread, limb, numb = a["pain_spread"], a.get("limb_vs_spine"), a.get("numbness_tingling")
    if spread == "stays":
        return MET, "Your pain stays in your neck or back."
    if spread == "above_knee_elbow" and limb in ("spine_worse", "equal") and numb == "no":
        return MET, (
            "Your pain spreads a little, but not past your knee or elbow, and your neck or back hurts at least as much."
        )
    if spread == "below_knee_elbow" and limb == "limb_worse":
        return NOT_MET, (
            "Your arm or leg hurts more than your neck or back, and the pain goes past your knee "
            "or elbow. That often comes from a pinched nerve, which is treated differently."
        )
    if numb == "yes":
        return UNCLEAR, (
            "You have numbness or tingling in an arm or leg. The doctor will check whether a nerve is involved."
        )
    return UNCLEAR, (
        "Your pain spreads into an arm or leg. The facet joints can cause this, and so can a "
        "nerve. The doctor will check which it is."
    )


def _failed_conservative_care(a, _flags):
    tried = set(a["treatments_tried"])
    if tried == {"none"}:
        return NOT_MET, (
            "Treatments such as physical therapy or exercise are usually tried first. "
            "The doctor can help you start them."
        )
    if a["treatment_relief"] == "good":
        return NOT_MET, "Your treatments are helping a lot, so an injection may not be needed now."
    if tried & NONINVASIVE_CARE and a["treatment_duration"] == "gt_3m":
        return MET, (
            "You have tried physical therapy, chiropractic care or exercise for 3 months or more, "
            "and you still have pain."
        )
    if not tried & NONINVASIVE_CARE:
        return UNCLEAR, (
            "Before a block, most plans ask for about 3 months of physical therapy, "
            "chiropractic care or exercise. Medicine or shots alone do not count for this. "
            "The doctor can help you start."
        )
    return UNCLEAR, (
        "You have tried treatments for less than 3 months. Most plans ask for about "
        "3 months first. The doctor may suggest more time."
    )


def _facet_pattern(a, _flags):
    if has(a, "worse_with", FACET_MOVEMENTS):
        return MET, ("Your pain gets worse when you lean back or twist. This is common with facet joint pain.")
    return NOT_MET, (
        "Your pain does not get worse when you lean back or twist. That pattern is common with "
        "facet joint pain, but not having it does not rule it out."
    )


def _moderate_pain(a, _flags):
    if a["peg_pain"] >= 4:
        return MET, "Your average pain in the past week was 4 or more out of 10."
    return NOT_MET, (
        "Your average pain in the past week was 3 or less out of 10. A block is usually for "
        "pain that is at least moderate."
    )


def _functional_impact(a, _flags):
    if a["peg_enjoyment"] >= 4 or a["peg_activity"] >= 4:
        return MET, "Your pain gets in the way of your daily life or your enjoyment of life."
    return NOT_MET, (
        "Your pain gets in the way of your daily life only a little (3 or less out of 10). "
        "Blocks are usually for pain that limits what you can do."
    )


def _no_other_cause(a, _flags):
    if a["red_flags"] == ["none"] and a.get("walking_leg_symptoms") != "yes":
        return MET, "You did not tell us about signs that point to another cause."
    return NOT_MET, ("You told us about a sign that can have another cause. The doctor needs to check for it first.")


def _no_contraindications(_a, flags):
    if not flags & CONTRAINDICATION_FLAGS:
        return MET, (
            "You did not tell us about a blood thinner, a bleeding problem, an allergy to the "
            "medicines used, an infection or a pregnancy. The doctor will still check your health "
            "and medicines before any injection."
        )
    return NOT_MET, (
        "You told us about something the doctor must plan for before an injection, such as a "
        "blood thinner, an allergy, an infection or a pregnancy. This does not rule it out."
    )


def _diagnostic_clarity(a, _flags):
    if a.get("imaging_facet") == "yes" or a.get("prior_mbb_relief") == "ge_80":
        return MET, "A scan or an earlier block points to the facet joints."
    return UNCLEAR, (
        "Scans often do not show whether the facet joints cause pain. That is common: the block itself helps find out."
    )


def _further_treatment(a, _flags):
    if a["rfa_interest"] == "yes" or a.get("prior_rfa_relief") in ("ge_50_6m", "ge_50_lt_6m"):
        return MET, ("Radiofrequency ablation may be a later step for you. Blocks are the usual test before it.")
    return UNCLEAR, "You can talk with the doctor about longer-lasting treatment later, if you wish."


CRITERIA: dict[str, Criterion] = {
    c.code: c
    for c in (
        Criterion(
            "spine_pain",
            "Pain in the neck or back",
            "Axial pain: cervical, thoracic or lumbar",
            "lcd-l38803",
            ("pain_regions",),
            _spine_pain,
        ),
        Criterion(
            "chronic_pain",
            "Pain for 3 months or more",
            "Pain for at least 3 months",
            "lcd-l38803",
            ("pain_duration",),
            _chronic_pain,
        ),
        Criterion(
            "localized_pain",
            "Pain mostly in the spine",
            "Predominantly axial: not past knee or elbow, limb not worse, no paraesthesia",
            "cohen-2020",
            ("pain_spread", "limb_vs_spine", "numbness_tingling"),
            _localized_pain,
        ),
        Criterion(
            "failed_conservative_care",
            "Other treatments tried first",
            "At least 3 months of noninvasive care (PT, chiropractic or exercise), relief none or partial",
            "lcd-l38803",
            ("treatments_tried", "treatment_duration", "treatment_relief"),
            _failed_conservative_care,
        ),
        Criterion(
            "facet_pattern",
            "Pain pattern of the facet joints",
            "Pain worse with extension or rotation",
            "cohen-2020",
            ("worse_with",),
            _facet_pattern,
        ),
        Criterion(
            "moderate_pain",
            "Pain at least moderate",
            "PEG average pain 4/10 or more",
            "lcd-l38803",
            ("peg_pain",),
            _moderate_pain,
        ),
        Criterion(
            "functional_impact",
            "Pain limits daily life",
            "Functional deficit: PEG enjoyment or activity interference 4/10 or more",
            "lcd-l38803",
            ("peg_enjoyment", "peg_activity"),
            _functional_impact,
        ),
        Criterion(
            "no_other_cause",
            "No signs of another cause",
            "No red flags and no neurogenic claudication",
            "red-flags",
            ("red_flags", "walking_leg_symptoms"),
            _no_other_cause,
        ),
        Criterion(
            "no_contraindications",
            "Nothing the doctor must plan for first",
            "No bleeding risk, injectate or contrast allergy, infection or pregnancy",
            "asra-2018",
            ("blood_thinners", "blood_thinner_other", "bleeding_disorder", "allergies", "infection", "pregnant"),
            _no_contraindications,
        ),
        Criterion(
            "diagnostic_clarity",
            "Scans or an earlier block point to the facet joints",
            "Facet arthropathy on imaging, or prior MBB 80% or more (informs only)",
            "clinic-page",
            ("imaging", "imaging_facet", "prior_mbb_relief"),
            _diagnostic_clarity,
        ),
        Criterion(
            "further_treatment",
            "Radiofrequency ablation as a later step",
            "Interest in RFA, or prior RFA 50% or more (informs only)",
            "cohen-2020",
            ("rfa_interest", "prior_rfa_relief"),
            _further_treatment,
        ),
    )
}

BLOCKING_CRITERIA = ("spine_pain", "chronic_pain", "localized_pain", "failed_conservative_care")
REQUIRED_FOR_LIKELY = BLOCKING_CRITERIA + (
    "facet_pattern",
    "moderate_pain",
    "functional_impact",
    "no_other_cause",
    "no_contraindications",
)


def flag_reasons(a: Mapping[str, Any]) -> dict[str, list[Reason]]:
    """Each flag the (shown, validated) answers raise, with the answers that raised it."""
    red_flags = a.get("red_flags")
    combos = [code for combo in EMERGENCY_COMBINATIONS if combo <= set(red_flags or ()) for code in sorted(combo)]
    reasons: dict[str, list[Reason]] = {
        "emergency_red_flag": (
            chosen(a, "red_flags", EMERGENCY_RED_FLAGS | set(combos)) if urgency(red_flags) == EMERGENCY else []
        ),
        "urgent_red_flag": chosen(a, "red_flags", EMERGENCY_RED_FLAGS | SAME_DAY_RED_FLAGS),
        "serious_cause_review": chosen(a, "red_flags", REVIEW_RED_FLAGS),
        "claudication_review": chosen(a, "walking_leg_symptoms", {"yes"}),
        "repeat_rfa_review": chosen(a, "prior_rfa_relief", {"ge_50_6m"}),
        "prior_procedure_review": chosen(a, "prior_mbb_relief", {"lt_50", "50_79"})
        + chosen(a, "prior_rfa_relief", {"lt_50"}),
        "bleeding_risk": chosen(a, "blood_thinners", ANTICOAGULATION)
        + ([("blood_thinner_other", a["blood_thinner_other"])] if a.get("blood_thinner_other") else [])
        + chosen(a, "bleeding_disorder", {"yes", "not_sure"}),
        "allergy_local_anesthetic": chosen(a, "allergies", {"local_anesthetic"}),
        "allergy_contrast": chosen(a, "allergies", {"contrast"}),
        "infection": chosen(a, "infection", {"yes"}),
        "pregnancy": chosen(a, "pregnant", {"yes", "not_sure"}),
        "aspirin": chosen(a, "blood_thinners", {"aspirin"}),
        "allergy_steroid": chosen(a, "allergies", {"steroid"}),
        "allergy_latex": chosen(a, "allergies", {"latex"}),
        "allergy_other": chosen(a, "allergies", {"other"})
        + ([("allergy_other", a["allergy_other"])] if a.get("allergy_other") else []),
        "prior_spine_surgery": chosen(a, "prior_procedures", {"spine_surgery"}),
        "diabetes": chosen(a, "diabetes", {"yes"}),
        "implanted_device": chosen(
            a, "implanted_device", {"pacemaker", "defibrillator", "spinal_cord_stimulator", "other_implant"}
        ),
        "cannot_lie_prone": chosen(a, "lie_prone", {"no"}),
        "minor": chosen(a, "age_band", {"under_18"}),
    }
    return {flag: found for flag, found in reasons.items() if found}


def outcome_for(flags: set[str], criteria: Mapping[str, str]) -> str:
    """The first outcome rule of the spec that applies."""
    if "urgent_red_flag" in flags:
        return URGENT
    if "minor" in flags or any(criteria[c] == NOT_MET for c in BLOCKING_CRITERIA):
        return UNLIKELY
    if all(criteria[c] == MET for c in REQUIRED_FOR_LIKELY) and not flags & REVIEW_FLAGS:
        return LIKELY
    return POSSIBLE


def assess(answers: Mapping[str, Any]) -> Assessment:
    """Assess a complete set of version 2.0.0 answers; raises ValueError naming the linkId when invalid."""
    a = questionnaire.definition(QUESTIONNAIRE_VERSION).validated_answers(answers)
    flags = set(flag_reasons(a))
    if "minor" in flags:  # only the age and the red flags were asked
        details = {
            code: CriterionResult(code, UNCLEAR, ADULT_ONLY_MESSAGE, c.title, c.rule, c.source)
            for code, c in CRITERIA.items()
        }
    else:
        details = evaluate_criteria(CRITERIA, a, flags)
    criteria = {code: d.status for code, d in details.items()}
    return Assessment(
        outcome=outcome_for(flags, criteria),
        flags=flags,
        criteria=criteria,
        peg_score=peg_score(a),
        details=details,
        answers=a,
        questionnaire_version=QUESTIONNAIRE_VERSION,
        rules_version=VERSION,
    )
