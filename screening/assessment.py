"""Candidacy rules for a medial branch block: answers in, assessment out.

Pure: no Flask, no database. Implements shared/spec/questionnaire.md exactly;
each criterion carries a patient-facing explanation, the rule in clinical
words and the key of its source in shared/spec/clinical-sources.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from .questionnaire import validated_answers

RULES_VERSION = "1.0.0"

MET, NOT_MET, UNCLEAR = "met", "not_met", "unclear"
URGENT, UNLIKELY, LIKELY, POSSIBLE = "urgent", "unlikely", "likely", "possible"
OUTCOMES = (LIKELY, POSSIBLE, UNLIKELY, URGENT)

URGENT_RED_FLAGS = frozenset({"bladder_bowel", "saddle_numbness", "leg_weakness", "fever", "trauma"})
OTHER_RED_FLAGS = frozenset({"cancer_history", "weight_loss", "night_pain"})
SPINE_REGIONS = frozenset({"neck", "mid_back", "low_back"})
CHRONIC_DURATIONS = frozenset({"3m_6m", "6m_12m", "gt_12m"})
FACET_MOVEMENTS = frozenset({"bending_backward", "twisting"})


# Keys of shared/spec/clinical-sources.md, with a short citation for clinicians.
SOURCES = {
    "clinic-page": "The clinic's page on medial branch blocks: who is a good candidate",
    "lcd-l38803": "Medicare LCD L38803, Facet Joint Interventions for Pain Management (2021)",
    "cohen-2020": "Cohen et al., lumbar facet joint pain consensus guidelines, Reg Anesth Pain Med 2020;45:424-467",
    "red-flags": "AHCPR Acute Low Back Problems in Adults, red flags; NICE-aligned primary care guidance",
    "asra-2018": "Narouze et al., spine procedures and anticoagulants (ASRA, 2nd ed.), Reg Anesth Pain Med 2018;43:225-262",
    "peg-2009": "Krebs et al., the PEG three-item pain scale, J Gen Intern Med 2009;24:733-738",
}


@dataclass(frozen=True)
class FlagInfo:
    code: str
    kind: str  # urgent | review | contraindication | precaution | stop
    patient_text: str
    clinical_text: str


FLAGS: dict[str, FlagInfo] = {
    f.code: f
    for f in (
        FlagInfo("urgent_red_flag", "urgent",
                 "You told us about a symptom that needs emergency care now.",
                 "Urgent red flag (possible cauda equina, infection or fracture)"),
        FlagInfo("serious_cause_review", "review",
                 "You told us about cancer, unexplained weight loss or night pain. "
                 "The doctor will check for other causes of your pain.",
                 "Red flag for a non-facet cause: review before any procedure"),
        FlagInfo("bleeding_risk", "contraindication",
                 "You take a blood thinner, may have a bleeding problem, or are not sure. "
                 "The doctor will make a plan with you. Do not stop any medicine on your own.",
                 "Bleeding risk: anticoagulant/antiplatelet or bleeding disorder (ASRA plan needed)"),
        FlagInfo("allergy_local_anesthetic", "contraindication",
                 "You are allergic to numbing medicine.",
                 "Allergy: local anesthetic"),
        FlagInfo("allergy_steroid", "contraindication",
                 "You are allergic to steroid medicine.",
                 "Allergy: corticosteroid"),
        FlagInfo("allergy_contrast", "contraindication",
                 "You are allergic to X-ray dye.",
                 "Allergy: contrast medium"),
        FlagInfo("infection", "contraindication",
                 "You have an infection now. The procedure waits until it is gone.",
                 "Current infection (systemic or at the site)"),
        FlagInfo("pregnancy", "contraindication",
                 "You are or may be pregnant. X-rays are used, so the doctor will talk with you first.",
                 "Pregnant or possibly pregnant (fluoroscopy)"),
        FlagInfo("allergy_latex", "precaution",
                 "You are allergic to latex. The team will use latex-free supplies.",
                 "Latex allergy: latex-free room"),
        FlagInfo("diabetes", "precaution",
                 "You have diabetes. Steroid medicine can raise blood sugar for a few days.",
                 "Diabetes: steroid may raise glucose"),
        FlagInfo("cannot_lie_prone", "precaution",
                 "Lying on your stomach for 30 minutes is hard for you. Tell the team so they can help.",
                 "Cannot lie prone for about 30 minutes"),
        FlagInfo("minor", "stop",
                 "The online screening is for adults.",
                 "Under 18: the online screening is for adults"),
    )
}
CONTRAINDICATION_FLAGS = frozenset(c for c, f in FLAGS.items() if f.kind == "contraindication")


@dataclass(frozen=True)
class CriterionResult:
    code: str
    status: str
    explanation: str  # for the patient
    title: str
    rule: str  # for the clinician
    source: str  # key in clinical-sources.md


@dataclass(frozen=True)
class Assessment:
    outcome: str
    flags: set[str]
    criteria: dict[str, str]
    peg_score: float | None
    details: dict[str, CriterionResult] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)  # the shown, validated answers
    rules_version: str = RULES_VERSION


def _has(answers: Mapping[str, Any], link_id: str, codes: frozenset[str] | set[str]) -> bool:
    value = answers.get(link_id)
    chosen = set(value) if isinstance(value, list) else {value}
    return bool(chosen & codes)


# Each criterion: (title, clinical rule, source, function answers+flags -> (status, explanation)).
_Rule = Callable[[Mapping[str, Any], set[str]], tuple[str, str]]


def _spine_pain(a, _flags):
    if _has(a, "pain_regions", SPINE_REGIONS):
        return MET, "Your pain is in your neck or back, where the facet joints are."
    return NOT_MET, ("This procedure is for neck and back pain. "
                     "Pain in other places usually needs a different kind of care.")


def _chronic_pain(a, _flags):
    if a["pain_duration"] in CHRONIC_DURATIONS:
        return MET, "You have had the pain for 3 months or longer."
    return NOT_MET, ("Your pain started less than 3 months ago. New pain often gets better "
                     "with time and simple care, so a block is not usually the first step.")


def _localized_pain(a, _flags):
    spread, limb = a["pain_spread"], a.get("limb_vs_spine")
    if spread == "stays":
        return MET, "Your pain stays in your neck or back."
    if limb == "limb_worse":
        return NOT_MET, ("Your arm or leg hurts more than your neck or back. That often comes from "
                         "a pinched nerve rather than the facet joints.")
    if spread == "above_knee_elbow":
        return MET, ("Your pain spreads a little, but not past your knee or elbow, "
                     "and your neck or back hurts at least as much.")
    return UNCLEAR, ("Your pain reaches past your knee or elbow. The doctor will check whether "
                     "it comes from a nerve or from the joints of the spine.")


def _failed_conservative_care(a, _flags):
    tried = a["treatments_tried"]
    if tried == ["none"]:
        return NOT_MET, ("Treatments such as physical therapy, exercise or pain medicine "
                         "are usually tried first. The doctor can help you start them.")
    if a["treatment_relief"] == "good":
        return NOT_MET, ("Your treatments are already helping a lot, "
                         "so an injection may not be needed now.")
    if a["treatment_duration"] in ("6w_3m", "gt_3m"):
        return MET, "You have tried other treatments for 6 weeks or more and still have pain."
    return UNCLEAR, ("You have tried treatments for less than 6 weeks. "
                     "The doctor may suggest giving them a little more time.")


def _facet_pattern(a, _flags):
    if _has(a, "worse_with", FACET_MOVEMENTS):
        return MET, ("Your pain gets worse when you bend backward or twist. "
                     "That pattern is common with facet joint pain.")
    return NOT_MET, ("Your pain does not get worse when you bend backward or twist, which is "
                     "common with facet joint pain. This alone does not rule it out.")


def _moderate_pain(a, _flags):
    if a["peg_pain"] >= 4:
        return MET, "Your average pain in the past week was 4 or more out of 10."
    return NOT_MET, ("Your average pain in the past week was 3 or less out of 10. "
                     "A block is usually for pain that is at least moderate.")


def _no_other_cause(a, _flags):
    if a["red_flags"] == ["none"]:
        return MET, "You did not report any warning signs of another cause."
    return NOT_MET, ("You reported a warning sign. A doctor needs to check for other causes "
                     "of your pain first.")


def _no_contraindications(_a, flags):
    if not flags & CONTRAINDICATION_FLAGS:
        return MET, "You did not report anything that would make the injection unsafe."
    return NOT_MET, ("You reported something the doctor must plan for before an injection, "
                     "such as a blood thinner, an allergy, an infection or a pregnancy.")


def _diagnostic_clarity(a, _flags):
    if a.get("imaging_facet") == "yes":
        return MET, "A doctor said your scan showed a problem in the facet joints."
    return UNCLEAR, ("Scans have not shown clearly that the facet joints are involved. "
                     "That is common: the block itself helps find out.")


def _further_treatment(a, _flags):
    if a["rfa_interest"] == "yes" or _has(a, "prior_procedures", {"rfa"}):
        return MET, ("You are open to a longer-lasting treatment (radiofrequency ablation). "
                     "A block is the usual step before it.")
    return UNCLEAR, "You can talk with the doctor about longer-lasting treatment later."


CRITERIA: dict[str, tuple[str, str, str, _Rule]] = {
    "spine_pain": ("Pain in the neck or back",
                   "Axial pain in neck, mid back or low back", "lcd-l38803", _spine_pain),
    "chronic_pain": ("Pain for 3 months or more",
                     "Duration at least 3 months", "lcd-l38803", _chronic_pain),
    "localized_pain": ("Pain mostly in the spine",
                       "Axial > radicular: no pain below knee/elbow, limb not worse than spine",
                       "cohen-2020", _localized_pain),
    "failed_conservative_care": ("Other treatments tried",
                                 "Failed at least 6 weeks of conservative care, "
                                 "relief none or partial", "lcd-l38803",
                                 _failed_conservative_care),
    "facet_pattern": ("Pain pattern of the facet joints",
                      "Pain worse with extension or rotation", "cohen-2020", _facet_pattern),
    "moderate_pain": ("Pain at least moderate",
                      "PEG average pain >= 4/10", "lcd-l38803", _moderate_pain),
    "no_other_cause": ("No warning signs of another cause",
                       "No red flags for a non-facet cause", "red-flags", _no_other_cause),
    "no_contraindications": ("Safe to have an injection",
                             "No bleeding risk, allergy to injectate, infection or pregnancy",
                             "asra-2018", _no_contraindications),
    "diagnostic_clarity": ("Scans point to the facet joints",
                           "Imaging reported facet arthropathy (informs only)", "clinic-page",
                           _diagnostic_clarity),
    "further_treatment": ("Open to longer-lasting treatment",
                          "Prognostic block before radiofrequency ablation (informs only)",
                          "cohen-2020", _further_treatment),
}

# Criteria that must all be met for `likely`; the first four, when not met, make it `unlikely`.
BLOCKING_CRITERIA = ("spine_pain", "chronic_pain", "localized_pain", "failed_conservative_care")
REQUIRED_FOR_LIKELY = BLOCKING_CRITERIA + (
    "facet_pattern", "moderate_pain", "no_other_cause", "no_contraindications")


def _flags(a: Mapping[str, Any]) -> set[str]:
    flags: set[str] = set()
    if _has(a, "red_flags", URGENT_RED_FLAGS):
        flags.add("urgent_red_flag")
    if _has(a, "red_flags", OTHER_RED_FLAGS):
        flags.add("serious_cause_review")
    if a["blood_thinners"] != ["none"] or a["bleeding_disorder"] in ("yes", "not_sure"):
        flags.add("bleeding_risk")
    for allergy in ("local_anesthetic", "steroid", "contrast", "latex"):
        if allergy in a["allergies"]:
            flags.add(f"allergy_{allergy}")
    if a["infection"] == "yes":
        flags.add("infection")
    if a["pregnant"] in ("yes", "not_sure"):
        flags.add("pregnancy")
    if a["diabetes"] == "yes":
        flags.add("diabetes")
    if a["lie_prone"] == "no":
        flags.add("cannot_lie_prone")
    if a["age_band"] == "under_18":
        flags.add("minor")
    return flags


def peg_score(answers: Mapping[str, Any]) -> float | None:
    """Mean of the three PEG items, one decimal (Krebs et al. 2009)."""
    values = [answers.get(k) for k in ("peg_pain", "peg_enjoyment", "peg_activity")]
    if any(v is None for v in values):
        return None
    return round(sum(values) / 3, 1)


def outcome_for(flags: set[str], criteria: Mapping[str, str]) -> str:
    """The first outcome rule of the spec that applies."""
    if "urgent_red_flag" in flags:
        return URGENT
    if "minor" in flags or any(criteria[c] == NOT_MET for c in BLOCKING_CRITERIA):
        return UNLIKELY
    if all(criteria[c] == MET for c in REQUIRED_FOR_LIKELY):
        return LIKELY
    return POSSIBLE


def assess(answers: Mapping[str, Any]) -> Assessment:
    """Assess a complete set of answers; raises ValueError naming the linkId when invalid."""
    a = validated_answers(answers)
    flags = _flags(a)
    details = {}
    for code, (title, rule, source, fn) in CRITERIA.items():
        status, explanation = fn(a, flags)
        details[code] = CriterionResult(code, status, explanation, title, rule, source)
    criteria = {code: d.status for code, d in details.items()}
    return Assessment(
        outcome=outcome_for(flags, criteria),
        flags=flags,
        criteria=criteria,
        peg_score=peg_score(a),
        details=details,
        answers=a,
    )


OUTCOME_LABELS = {
    LIKELY: "Likely a good fit",
    POSSIBLE: "Possibly a fit",
    UNLIKELY: "Unlikely to be the right first step",
    URGENT: "Urgent: needs medical care now",
}
