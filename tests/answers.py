"""Known answer sets used across the tests."""
import copy

LIKELY = {
    "age_band": "50_64",
    "pain_regions": ["low_back"],
    "pain_duration": "gt_12m",
    "pain_spread": "stays",
    "red_flags": ["none"],
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
    "allergies": ["none"],
    "infection": "no",
    "pregnant": "not_applicable",
    "diabetes": "no",
    "lie_prone": "yes",
    "peg_pain": 7,
    "peg_enjoyment": 6,
    "peg_activity": 6,
}


def likely(**changes):
    """The likely-candidate answers with some changed; a value of None removes the item."""
    answers = copy.deepcopy(LIKELY)
    for key, value in changes.items():
        if value is None:
            answers.pop(key, None)
        else:
            answers[key] = value
    return answers


# One answer set per outcome, for the patient path and the browser tests.
POSSIBLE = likely(worse_with=["sitting"], blood_thinners=["doac"])
UNLIKELY = likely(pain_duration="6w_3m")
URGENT = likely(red_flags=["bladder_bowel", "night_pain"])

# Raises every flag but "minor": the longest safety panel and intake.
EVERY_FLAG = likely(
    red_flags=["saddle_numbness", "weight_loss"], blood_thinners=["warfarin", "antiplatelet"],
    bleeding_disorder="not_sure", allergies=["local_anesthetic", "steroid", "contrast", "latex"],
    infection="yes", pregnant="not_sure", diabetes="yes", lie_prone="no",
    pain_spread="above_knee_elbow", limb_vs_spine="equal", numbness_tingling="yes",
)
