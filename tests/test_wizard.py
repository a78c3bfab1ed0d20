"""The patient's navigation, without an app: resume point, no skipping ahead, Back, Continue, Change."""

import pytest

from screening import questionnaire as q
from screening.patient.wizard import Destination, after_back, after_continue, may_open, resume_point, returning_point
from tests.answers import LIKELY, SAME_DAY, URGENT, likely

DEFINITION = q.current()
STEP = DEFINITION.steps_by_id
ORDER = DEFINITION.step_ids


def answered_up_to(step_id: str) -> dict:
    """The likely candidate's answers to every step before `step_id`."""
    before = {i.link_id for s in DEFINITION.steps[: ORDER.index(step_id)] for i in s.items}
    return {k: v for k, v in LIKELY.items() if k in before}


@pytest.mark.parametrize("step_id", ORDER)
def test_a_patient_resumes_at_the_first_step_with_a_gap(step_id):
    assert resume_point(DEFINITION, answered_up_to(step_id)) == Destination("step", step_id)


@pytest.mark.parametrize(
    "answers, page",
    [
        (LIKELY, "summary"),
        ({"age_band": "under_18", "red_flags": ["none"]}, "adults_only"),
    ],
)
def test_with_no_gap_left_the_answers_lead_to_the_summary_or_the_age_stop(answers, page):
    assert resume_point(DEFINITION, answers) == Destination(page)


@pytest.mark.parametrize(
    "answers, expected",
    [
        (URGENT, Destination("urgent")),
        (SAME_DAY, Destination("urgent")),
        (likely(red_flags=["osteoporosis"]), Destination("summary")),  # a flag for the doctor, not urgent advice
        (answered_up_to("worse"), Destination("step", "worse")),
    ],
)
def test_a_returning_patient_sees_urgent_advice_before_anything_else(answers, expected):
    assert returning_point(DEFINITION, answers) == expected


def test_no_step_opens_beyond_the_first_gap():
    answers = answered_up_to("tried")
    assert [s for s in ORDER if may_open(DEFINITION, STEP[s], answers)] == list(ORDER[: ORDER.index("tried") + 1])


def test_steps_that_do_not_apply_never_open():
    minor = {"age_band": "under_18", "red_flags": ["none"]}
    assert [s for s in ORDER if may_open(DEFINITION, STEP[s], minor)] == ["age", "urgent"]


@pytest.mark.parametrize(
    "step_id, changing, answers, expected",
    [
        ("age", False, answered_up_to("urgent"), Destination("landing")),
        ("worse", False, answered_up_to("worse"), Destination("step", "pain")),
        ("worse", True, LIKELY, Destination("summary")),  # Back from a Change link returns to the summary
        ("worse", True, answered_up_to("worse"), Destination("step", "pain")),  # unless answers are missing
    ],
)
def test_back(step_id, changing, answers, expected):
    assert after_back(DEFINITION, STEP[step_id], answers, changing=changing) == expected


@pytest.mark.parametrize(
    "step_id, changing, answers, expected",
    [
        ("age", False, answered_up_to("urgent"), Destination("step", "urgent")),
        ("urgent", False, answered_up_to("pain"), Destination("step", "pain")),
        ("urgent", False, URGENT, Destination("urgent")),
        ("peg", False, LIKELY, Destination("summary")),
        ("worse", True, LIKELY, Destination("summary")),  # a change made from the summary returns to it
        # a change that leaves a later step unanswered leads on to it, not back to the summary
        ("worse", True, likely(treatments_tried=None), Destination("step", "tried")),
        ("age", True, {**LIKELY, "age_band": "under_18"}, Destination("adults_only")),
    ],
)
def test_continue(step_id, changing, answers, expected):
    assert (
        after_continue(DEFINITION, STEP[step_id], answers, changing=changing, red_flags_asked=step_id == "urgent")
        == expected
    )


def test_red_flags_answered_on_another_step_do_not_interrupt_it():
    assert after_continue(DEFINITION, STEP["pain"], URGENT, changing=False, red_flags_asked=False) == Destination(
        "step", "worse"
    )
