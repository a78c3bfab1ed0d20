"""Known answer sets used across the tests (questionnaire 2.0.0, and 1.0.0 for old screenings)."""

import copy

from screening import questionnaire

LIKELY = {
    "age_band": "50_64",
    "red_flags": ["none"],
    "pain_regions": ["low_back"],
    "pain_side": "both",
    "pain_duration": "gt_12m",
    "pain_spread": "stays",
    "walking_leg_symptoms": "no",
    "worse_with": ["bending_backward", "standing"],
    "treatments_tried": ["physical_therapy", "medication"],
    "treatment_duration": "gt_3m",
    "treatment_relief": "some",
    "imaging": ["mri"],
    "imaging_facet": "yes",
    "prior_procedures": ["none"],
    "rfa_interest": "yes",
    "blood_thinners": ["none"],
    "bleeding_disorder": "no",
    "opioids": "no",
    "allergies": ["none"],
    "infection": "no",
    "pregnant": "not_applicable",
    "diabetes": "no",
    "implanted_device": ["none"],
    "lie_prone": "yes",
    "peg_pain": 7,
    "peg_enjoyment": 6,
    "peg_activity": 6,
}


def likely(**changes):
    """The likely-candidate answers with some changed; a value of None removes the item."""
    return _changed(LIKELY, changes)


def _changed(base, changes):
    answers = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            answers.pop(key, None)
        else:
            answers[key] = value
    return answers


# One answer set per outcome, for the patient path and the browser tests.
POSSIBLE = likely(worse_with=["sitting"], blood_thinners=["doac"])
UNLIKELY = likely(pain_duration="6w_3m")
URGENT = likely(red_flags=["bladder_bowel", "night_pain"])  # emergency tier
SAME_DAY = likely(red_flags=["fever"])
REVIEW = likely(red_flags=["osteoporosis"])

# Raises every flag but "minor": the longest safety panel and intake.
EVERY_FLAG = likely(
    red_flags=["saddle_numbness", "hand_clumsiness", "weight_loss"],
    walking_leg_symptoms="yes",
    prior_procedures=["mbb", "rfa", "spine_surgery"],
    prior_mbb_relief="lt_50",
    prior_rfa_relief="ge_50_6m",
    blood_thinners=["warfarin", "antiplatelet", "aspirin", "other"],
    blood_thinner_other="Brilique",
    bleeding_disorder="not_sure",
    opioids="yes",
    allergies=["local_anesthetic", "steroid", "contrast", "latex", "other"],
    allergy_other="Penicillin",
    infection="yes",
    pregnant="not_sure",
    diabetes="yes",
    implanted_device=["pacemaker"],
    lie_prone="no",
    pain_spread="above_knee_elbow",
    limb_vs_spine="equal",
    numbness_tingling="yes",
)

# Version 1.0.0, as screenings answered before the upgrade hold them: the same patient,
# asked only what 1.0.0 asked.
V1_LIKELY = {k: v for k, v in LIKELY.items() if k in questionnaire.definition("1.0.0").items}


def v1_likely(**changes):
    return _changed(V1_LIKELY, changes)
