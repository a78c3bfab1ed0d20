"""Candidacy rules 1.0.0, for questionnaire 1.0.0 (superseded by 2.0.0).

Kept so that screenings assessed under them read as they were: their stored
outcome, flags and criteria are never recomputed, but the intake still asks
these rules which answers raised each flag. Released: never edit.
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
    UNCLEAR,
    UNLIKELY,
    URGENT,
    Assessment,
    Criterion,
    FlagInfo,
    Reason,
    chosen,
    evaluate_criteria,
    has,
    peg_score,
)

VERSION = "1.0.0"
QUESTIONNAIRE_VERSION = "1.0.0"

URGENT_RED_FLAGS = frozenset({"bladder_bowel", "saddle_numbness", "leg_weakness", "fever", "trauma"})
OTHER_RED_FLAGS = frozenset({"cancer_history", "weight_loss", "night_pain"})
SPINE_REGIONS = frozenset({"neck", "mid_back", "low_back"})
CHRONIC_DURATIONS = frozenset({"3m_6m", "6m_12m", "gt_12m"})
FACET_MOVEMENTS = frozenset({"bending_backward", "twisting"})
THINNERS = frozenset({"warfarin", "doac", "antiplatelet", "injectable", "aspirin", "not_sure"})

FLAGS: dict[str, FlagInfo] = {
    f.code: f
    for f in (
        FlagInfo(
            "urgent_red_flag",
            "urgent",
            "You told us about a symptom that needs emergency care now.",
            "Urgent red flag (possible cauda equina, infection or fracture)",
        ),
        FlagInfo(
            "serious_cause_review",
            "review",
            "You told us about cancer, unexplained weight loss or night pain. "
            "The doctor will check for other causes of your pain.",
            "Red flag for a non-facet cause: review before any procedure",
        ),
        FlagInfo(
            "bleeding_risk",
            "contraindication",
            "You take a blood thinner, may have a bleeding problem, or are not sure. "
            "The doctor will make a plan with you. Do not stop any medicine on your own.",
            "Bleeding risk: anticoagulant/antiplatelet or bleeding disorder (ASRA plan needed)",
        ),
        FlagInfo(
            "allergy_local_anesthetic",
            "contraindication",
            "You are allergic to numbing medicine.",
            "Allergy: local anesthetic",
        ),
        FlagInfo(
            "allergy_steroid", "contraindication", "You are allergic to steroid medicine.", "Allergy: corticosteroid"
        ),
        FlagInfo("allergy_contrast", "contraindication", "You are allergic to X-ray dye.", "Allergy: contrast medium"),
        FlagInfo(
            "infection",
            "contraindication",
            "You have an infection now. The procedure waits until it is gone.",
            "Current infection (systemic or at the site)",
        ),
        FlagInfo(
            "pregnancy",
            "contraindication",
            "You are or may be pregnant. X-rays are used, so the doctor will talk with you first.",
            "Pregnant or possibly pregnant (fluoroscopy)",
        ),
        FlagInfo(
            "allergy_latex",
            "precaution",
            "You are allergic to latex. The team will use latex-free supplies.",
            "Latex allergy: latex-free room",
        ),
        FlagInfo(
            "diabetes",
            "precaution",
            "You have diabetes. Steroid medicine can raise blood sugar for a few days.",
            "Diabetes: steroid may raise glucose",
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


def _spine_pain(a, _flags):
    if has(a, "pain_regions", SPINE_REGIONS):
        return MET, "Your pain is in your neck or back, where the facet joints are."
    return NOT_MET, (
        "This procedure is for neck and back pain. Pain in other places usually needs a different kind of care."
    )


def _chronic_pain(a, _flags):
    if a["pain_duration"] in CHRONIC_DURATIONS:
        return MET, "You have had the pain for 3 months or longer."
    return NOT_MET, (
        "Your pain started less than 3 months ago. New pain often gets better "
        "with time and simple care, so a block is not usually the first step."
    )


def _localized_pain(a, _flags):
    spread, limb = a["pain_spread"], a.get("limb_vs_spine")
    if spread == "stays":
        return MET, "Your pain stays in your neck or back."
    if limb == "limb_worse":
        return NOT_MET, (
            "Your arm or leg hurts more than your neck or back. That often comes from "
            "a pinched nerve rather than the facet joints."
        )
    if spread == "above_knee_elbow":
        return MET, (
            "Your pain spreads a little, but not past your knee or elbow, and your neck or back hurts at least as much."
        )
    return UNCLEAR, (
        "Your pain reaches past your knee or elbow. The doctor will check whether "
        "it comes from a nerve or from the joints of the spine."
    )


def _failed_conservative_care(a, _flags):
    if a["treatments_tried"] == ["none"]:
        return NOT_MET, (
            "Treatments such as physical therapy, exercise or pain medicine "
            "are usually tried first. The doctor can help you start them."
        )
    if a["treatment_relief"] == "good":
        return NOT_MET, ("Your treatments are already helping a lot, so an injection may not be needed now.")
    if a["treatment_duration"] in ("6w_3m", "gt_3m"):
        return MET, "You have tried other treatments for 6 weeks or more and still have pain."
    return UNCLEAR, (
        "You have tried treatments for less than 6 weeks. The doctor may suggest giving them a little more time."
    )


def _facet_pattern(a, _flags):
    if has(a, "worse_with", FACET_MOVEMENTS):
        return MET, (
            "Your pain gets worse when you bend backward or twist. That pattern is common with facet joint pain."
        )
    return NOT_MET, (
        "Your pain does not get worse when you bend backward or twist, which is "
        "common with facet joint pain. This alone does not rule it out."
    )


def _moderate_pain(a, _flags):
    if a["peg_pain"] >= 4:
        return MET, "Your average pain in the past week was 4 or more out of 10."
    return NOT_MET, (
        "Your average pain in the past week was 3 or less out of 10. "
        "A block is usually for pain that is at least moderate."
    )


def _no_other_cause(a, _flags):
    if a["red_flags"] == ["none"]:
        return MET, "You did not report any warning signs of another cause."
    return NOT_MET, ("You reported a warning sign. A doctor needs to check for other causes of your pain first.")


def _no_contraindications(_a, flags):
    if not flags & CONTRAINDICATION_FLAGS:
        return MET, "You did not report anything that would make the injection unsafe."
    return NOT_MET, (
        "You reported something the doctor must plan for before an injection, "
        "such as a blood thinner, an allergy, an infection or a pregnancy."
    )


def _diagnostic_clarity(a, _flags):
    if a.get("imaging_facet") == "yes":
        return MET, "A doctor said your scan showed a problem in the facet joints."
    return UNCLEAR, (
        "Scans have not shown clearly that the facet joints are involved. "
        "That is common: the block itself helps find out."
    )


def _further_treatment(a, _flags):
    if a["rfa_interest"] == "yes" or has(a, "prior_procedures", {"rfa"}):
        return MET, (
            "You are open to a longer-lasting treatment (radiofrequency ablation). A block is the usual step before it."
        )
    return UNCLEAR, "You can talk with the doctor about longer-lasting treatment later."


CRITERIA: dict[str, Criterion] = {
    c.code: c
    for c in (
        Criterion(
            "spine_pain",
            "Pain in the neck or back",
            "Axial pain in neck, mid back or low back",
            "lcd-l38803",
            ("pain_regions",),
            _spine_pain,
        ),
        Criterion(
            "chronic_pain",
            "Pain for 3 months or more",
            "Duration at least 3 months",
            "lcd-l38803",
            ("pain_duration",),
            _chronic_pain,
        ),
        Criterion(
            "localized_pain",
            "Pain mostly in the spine",
            "Axial > radicular: no pain below knee/elbow, limb not worse than spine",
            "cohen-2020",
            ("pain_spread", "limb_vs_spine"),
            _localized_pain,
        ),
        Criterion(
            "failed_conservative_care",
            "Other treatments tried",
            "Failed at least 6 weeks of conservative care, relief none or partial",
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
            "PEG average pain >= 4/10",
            "lcd-l38803",
            ("peg_pain",),
            _moderate_pain,
        ),
        Criterion(
            "no_other_cause",
            "No warning signs of another cause",
            "No red flags for a non-facet cause",
            "red-flags",
            ("red_flags",),
            _no_other_cause,
        ),
        Criterion(
            "no_contraindications",
            "Safe to have an injection",
            "No bleeding risk, allergy to injectate, infection or pregnancy",
            "asra-2018",
            ("blood_thinners", "bleeding_disorder", "allergies", "infection", "pregnant"),
            _no_contraindications,
        ),
        Criterion(
            "diagnostic_clarity",
            "Scans point to the facet joints",
            "Imaging reported facet arthropathy (informs only)",
            "clinic-page",
            ("imaging", "imaging_facet"),
            _diagnostic_clarity,
        ),
        Criterion(
            "further_treatment",
            "Open to longer-lasting treatment",
            "Prognostic block before radiofrequency ablation (informs only)",
            "cohen-2020",
            ("rfa_interest", "prior_procedures"),
            _further_treatment,
        ),
    )
}

BLOCKING_CRITERIA = ("spine_pain", "chronic_pain", "localized_pain", "failed_conservative_care")
REQUIRED_FOR_LIKELY = BLOCKING_CRITERIA + ("facet_pattern", "moderate_pain", "no_other_cause", "no_contraindications")


def flag_reasons(a: Mapping[str, Any]) -> dict[str, list[Reason]]:
    """Each flag the answers raise, with the answers that raised it."""
    reasons: dict[str, list[Reason]] = {
        "urgent_red_flag": chosen(a, "red_flags", URGENT_RED_FLAGS),
        "serious_cause_review": chosen(a, "red_flags", OTHER_RED_FLAGS),
        "bleeding_risk": chosen(a, "blood_thinners", THINNERS) + chosen(a, "bleeding_disorder", {"yes", "not_sure"}),
        "infection": chosen(a, "infection", {"yes"}),
        "pregnancy": chosen(a, "pregnant", {"yes", "not_sure"}),
        "diabetes": chosen(a, "diabetes", {"yes"}),
        "cannot_lie_prone": chosen(a, "lie_prone", {"no"}),
        "minor": chosen(a, "age_band", {"under_18"}),
    }
    for allergy in ("local_anesthetic", "steroid", "contrast", "latex"):
        reasons[f"allergy_{allergy}"] = chosen(a, "allergies", {allergy})
    return {flag: found for flag, found in reasons.items() if found}


def urgency_of_flags(flags: set[str] | list[str]) -> str | None:
    """Version 1 told every patient with an urgent red flag to get emergency care."""
    return EMERGENCY if "urgent_red_flag" in flags else None


def outcome_for(flags: set[str], criteria: Mapping[str, str]) -> str:
    if "urgent_red_flag" in flags:
        return URGENT
    if "minor" in flags or any(criteria[c] == NOT_MET for c in BLOCKING_CRITERIA):
        return UNLIKELY
    if all(criteria[c] == MET for c in REQUIRED_FOR_LIKELY):
        return LIKELY
    return POSSIBLE


def assess(answers: Mapping[str, Any]) -> Assessment:
    """Assess a complete set of version 1.0.0 answers; raises ValueError naming the linkId when invalid."""
    a = questionnaire.definition(QUESTIONNAIRE_VERSION).validated_answers(answers)
    flags = set(flag_reasons(a))
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


def safety_net(_answers: Mapping[str, Any]) -> frozenset[str]:
    """Version 1 listed no symptoms to watch for later; every rules module answers this question."""
    return frozenset()
