"""Where the patient goes next: the questionnaire's navigation, apart from the web.

The route parses the form and renders pages; these functions decide which page comes next, from the
definition and the answers alone, so every path through the questionnaire is testable without an app.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..assessment import urgency
from ..questionnaire.model import Definition, Step


@dataclass(frozen=True)
class Destination:
    """A page of the patient's path: "step" (with its id), "landing", "urgent", "adults_only" or "summary"."""

    page: str
    step_id: str | None = None


def is_minor(answers: Mapping[str, Any]) -> bool:
    return answers.get("age_band") == "under_18"


def resume_point(definition: Definition, answers: Mapping[str, Any]) -> Destination:
    """The first step with an unanswered question; when none is left, the summary (or the age stop)."""
    step = definition.first_incomplete_step(answers)
    if step:
        return Destination("step", step.id)
    return Destination("adults_only" if is_minor(answers) else "summary")


def returning_point(definition: Definition, answers: Mapping[str, Any]) -> Destination:
    """A patient coming back (later, or on another device): urgent advice first, if their answers call for it.

    Answers saved as they were chosen may hold a red flag whose advice the patient has not seen yet.
    """
    return Destination("urgent") if urgency(answers.get("red_flags")) else resume_point(definition, answers)


def may_open(definition: Definition, step: Step, answers: Mapping[str, Any]) -> bool:
    """A step opens when it applies to the answers and no earlier step still has a gap (no skipping ahead)."""
    if not definition.step_applies(step, answers):
        return False
    first_gap = definition.first_incomplete_step(answers)
    return first_gap is None or definition.step_ids.index(step.id) <= definition.step_ids.index(first_gap.id)


def after_back(definition: Definition, step: Step, answers: Mapping[str, Any], *, changing: bool) -> Destination:
    """Back never fails: the summary a Change link came from, else the step before, else the landing page."""
    if changing and definition.first_incomplete_step(answers) is None:
        return Destination("summary")
    earlier = definition.neighbour(step, answers, -1)
    return Destination("step", earlier.id) if earlier else Destination("landing")


def after_continue(
    definition: Definition, step: Step, answers: Mapping[str, Any], *, changing: bool, red_flags_asked: bool
) -> Destination:
    """After a step is answered without errors: urgent advice when this step raised a red flag, then the
    next step that applies; the end of the questionnaire, or a finished change, goes where the answers lead."""
    if red_flags_asked and urgency(answers.get("red_flags")):
        return Destination("urgent")
    following = definition.neighbour(step, answers, 1)
    if following is None or (changing and definition.first_incomplete_step(answers) is None):
        return resume_point(definition, answers)
    return Destination("step", following.id)
