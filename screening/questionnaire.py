"""The screening questionnaire, defined once as data.

Forms, branching, progress, summaries, exports and the rules all read this
definition. Item ids (linkIds) and answer codes are fixed by
shared/spec/questionnaire.md; the wording is ours.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

VERSION = "1.0.0"

SINGLE = "single"
MULTI = "multi"
SCALE = "scale"  # whole number 0-10

SCALE_MIN, SCALE_MAX = 0, 10


@dataclass(frozen=True)
class Option:
    code: str
    label: str
    exclusive: bool = False


@dataclass(frozen=True)
class ShownWhen:
    """The item is asked when the answer to `link_id` holds any of `any_of`.

    One declarative form covers every condition of the spec ("is not X" is
    written as "is any of the other codes") and maps directly onto FHIR
    enableWhen with operator "=" and enableBehavior "any".
    """

    link_id: str
    any_of: tuple[str, ...]


@dataclass(frozen=True)
class Item:
    link_id: str
    type: str
    text: str
    short: str  # a few words, for summaries, error messages and the intake
    required_message: str
    help: str = ""
    options: tuple[Option, ...] = ()
    shown_when: ShownWhen | None = None
    scale_anchors: tuple[str, str] = ("", "")  # words for 0 and for 10

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(o.code for o in self.options)

    @property
    def exclusive_codes(self) -> frozenset[str]:
        return frozenset(o.code for o in self.options if o.exclusive)

    def label_for(self, code: str) -> str:
        for option in self.options:
            if option.code == code:
                return option.label
        raise KeyError(code)

    def check(self, value: Any) -> Any:
        """Return the value in its canonical form, or raise ValueError naming the item."""
        name = self.link_id
        if self.type == SCALE:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name}: expected a whole number, got {value!r}")
            if not SCALE_MIN <= value <= SCALE_MAX:
                raise ValueError(f"{name}: {value} is outside {SCALE_MIN}-{SCALE_MAX}")
            return value
        if self.type == SINGLE:
            if not isinstance(value, str):
                raise ValueError(f"{name}: expected one code, got {value!r}")
            if value not in self.codes:
                raise ValueError(f"{name}: unknown code {value!r}")
            return value
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            raise ValueError(f"{name}: expected a list of codes, got {value!r}")
        codes = list(value)
        if not codes:
            raise ValueError(f"{name}: no answer given")
        for code in codes:
            if not isinstance(code, str) or code not in self.codes:
                raise ValueError(f"{name}: unknown code {code!r}")
        chosen = set(codes)
        if len(chosen) > 1 and chosen & self.exclusive_codes:
            raise ValueError(f"{name}: an exclusive code cannot be combined with others")
        return [code for code in self.codes if code in chosen]  # definition order


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    intro: str
    items: tuple[Item, ...] = field(default_factory=tuple)


def _yes_no(yes: str = "Yes", no: str = "No") -> tuple[Option, ...]:
    return (Option("yes", yes), Option("no", no))


_NOT_SURE = Option("not_sure", "I'm not sure")

STEPS: tuple[Step, ...] = (
    Step(
        "about",
        "About you and your pain",
        "A few questions about where it hurts and for how long.",
        (
            Item(
                "age_band", SINGLE, "How old are you?", "Age",
                "Choose your age group",
                options=(
                    Option("under_18", "Under 18"),
                    Option("18_49", "18 to 49"),
                    Option("50_64", "50 to 64"),
                    Option("65_plus", "65 or older"),
                ),
            ),
            Item(
                "pain_regions", MULTI, "Where is your pain?", "Where it hurts",
                "Choose where your pain is",
                help="Choose all that apply.",
                options=(
                    Option("neck", "Neck"),
                    Option("mid_back", "Middle of the back, between the shoulder blades"),
                    Option("low_back", "Low back"),
                    Option("other", "Somewhere else, such as a knee or shoulder only"),
                ),
            ),
            Item(
                "pain_duration", SINGLE, "How long have you had this pain?",
                "How long it has hurt", "Choose how long you have had this pain",
                options=(
                    Option("lt_6w", "Less than 6 weeks"),
                    Option("6w_3m", "6 weeks to 3 months"),
                    Option("3m_6m", "3 to 6 months"),
                    Option("6m_12m", "6 months to a year"),
                    Option("gt_12m", "More than a year"),
                ),
            ),
            Item(
                "pain_spread", SINGLE, "Does the pain spread away from your spine?",
                "Where the pain spreads", "Choose whether your pain spreads",
                options=(
                    Option("stays", "No, it stays in my neck or back"),
                    Option(
                        "above_knee_elbow",
                        "Yes, into my buttock, hip, thigh, shoulder or upper arm, "
                        "but not past my knee or elbow",
                    ),
                    Option("below_knee_elbow", "Yes, down past my knee or elbow"),
                ),
            ),
            Item(
                "limb_vs_spine", SINGLE,
                "Which hurts more: your neck or back, or your arm or leg?",
                "Spine or limb worse", "Choose which part hurts more",
                options=(
                    Option("spine_worse", "My neck or back hurts more"),
                    Option("equal", "They hurt about the same"),
                    Option("limb_worse", "My arm or leg hurts more"),
                ),
                shown_when=ShownWhen("pain_spread", ("above_knee_elbow", "below_knee_elbow")),
            ),
            Item(
                "numbness_tingling", SINGLE,
                "Do you have numbness or tingling (pins and needles) in your arm or leg?",
                "Numbness or tingling", "Choose yes or no for numbness or tingling",
                options=_yes_no(),
                shown_when=ShownWhen("pain_spread", ("above_knee_elbow", "below_knee_elbow")),
            ),
        ),
    ),
    Step(
        "urgent",
        "Symptoms to check first",
        "Some symptoms mean you should see a doctor quickly. "
        "We ask about them early so you do not lose time.",
        (
            Item(
                "red_flags", MULTI, "Do you have any of these?", "Warning signs",
                "Choose any symptoms you have, or choose “None of these”",
                help="Choose all that apply.",
                options=(
                    Option("bladder_bowel", "New trouble controlling your bladder or bowels"),
                    Option(
                        "saddle_numbness",
                        "New numbness around your genitals, bottom or inner thighs "
                        "(where you would sit on a saddle)",
                    ),
                    Option("leg_weakness", "Weakness in one or both legs that is getting worse"),
                    Option("fever", "Fever or chills along with the pain"),
                    Option("trauma", "The pain started after a serious injury, such as a fall or a car crash"),
                    Option("cancer_history", "You have had cancer"),
                    Option("weight_loss", "Weight loss you cannot explain"),
                    Option("night_pain", "Pain at night that does not ease when you change position"),
                    Option("none", "None of these", exclusive=True),
                ),
            ),
        ),
    ),
    Step(
        "worse",
        "What makes the pain worse",
        "Facet joint pain often gets worse with certain movements.",
        (
            Item(
                "worse_with", MULTI, "What makes your pain worse?", "Worse with",
                "Choose what makes your pain worse, or choose “None of these”",
                help="Choose all that apply. For neck pain, bending backward means "
                "tipping your head back to look up.",
                options=(
                    Option("bending_backward", "Leaning or bending backward"),
                    Option("twisting", "Twisting or turning"),
                    Option("standing", "Standing for a long time"),
                    Option("sitting", "Sitting for a long time"),
                    Option("bending_forward", "Bending forward"),
                    Option("walking", "Walking"),
                    Option("lying_down", "Lying down"),
                    Option("none", "None of these", exclusive=True),
                ),
            ),
        ),
    ),
    Step(
        "tried",
        "What you have tried",
        "Most people try simpler treatments before an injection.",
        (
            Item(
                "treatments_tried", MULTI, "What have you tried for this pain?",
                "Treatments tried",
                "Choose what you have tried, or choose “None of these yet”",
                help="Choose all that apply.",
                options=(
                    Option("physical_therapy", "Physical therapy"),
                    Option("chiropractic", "Chiropractic care"),
                    Option("medication", "Pain medicine, such as pills, creams or patches"),
                    Option("exercise", "An exercise program"),
                    Option("injections", "Injections (shots)"),
                    Option("none", "None of these yet", exclusive=True),
                ),
            ),
            Item(
                "treatment_duration", SINGLE,
                "Altogether, how long have you tried these treatments?",
                "How long treatments were tried", "Choose how long you tried these treatments",
                options=(
                    Option("lt_6w", "Less than 6 weeks"),
                    Option("6w_3m", "6 weeks to 3 months"),
                    Option("gt_3m", "More than 3 months"),
                ),
                shown_when=ShownWhen(
                    "treatments_tried",
                    ("physical_therapy", "chiropractic", "medication", "exercise", "injections"),
                ),
            ),
            Item(
                "treatment_relief", SINGLE, "How much did they help?", "Relief from treatments",
                "Choose how much the treatments helped",
                options=(
                    Option("none", "They did not help"),
                    Option("some", "They helped some, but not enough"),
                    Option("good", "They helped a lot: my pain is mostly gone"),
                ),
                shown_when=ShownWhen(
                    "treatments_tried",
                    ("physical_therapy", "chiropractic", "medication", "exercise", "injections"),
                ),
            ),
        ),
    ),
    Step(
        "tests",
        "Scans and past care",
        "Tell us about scans and procedures you have had. It is fine not to know.",
        (
            Item(
                "imaging", MULTI, "Have you had a scan or X-ray of your spine for this pain?",
                "Scans", "Choose the scans you have had, or choose “No scans”",
                help="Choose all that apply.",
                options=(
                    Option("mri", "MRI"),
                    Option("ct", "CT scan"),
                    Option("xray", "X-ray"),
                    Option("none", "No scans or X-rays", exclusive=True),
                    Option("not_sure", "I'm not sure", exclusive=True),
                ),
            ),
            Item(
                "imaging_facet", SINGLE,
                "Did a doctor say your scan showed a problem in the facet joints?",
                "Scan showed facet joints", "Choose an answer about what the scan showed",
                help="Facet joints are the small joints at the back of the spine, "
                "where one bone meets the next. Arthritis there is common.",
                options=(*_yes_no(), _NOT_SURE),
                shown_when=ShownWhen("imaging", ("mri", "ct", "xray")),
            ),
            Item(
                "prior_procedures", MULTI, "Have you had any of these before?",
                "Past procedures", "Choose any you have had, or choose “None of these”",
                help="Choose all that apply.",
                options=(
                    Option("mbb", "Medial branch block: a numbing shot near the nerves of the facet joints"),
                    Option("rfa", "Radiofrequency ablation: using heat to quiet those nerves"),
                    Option("epidural", "Epidural steroid injection"),
                    Option("spine_surgery", "Spine surgery"),
                    Option("none", "None of these", exclusive=True),
                ),
            ),
            Item(
                "rfa_interest", SINGLE,
                "If a test block helps, would you want a longer-lasting treatment?",
                "Interest in radiofrequency ablation",
                "Choose whether you would want longer-lasting treatment",
                help="It is called radiofrequency ablation. It uses heat on the same small "
                "nerves so they stop sending pain signals, often for many months.",
                options=(*_yes_no(), _NOT_SURE),
            ),
        ),
    ),
    Step(
        "safety",
        "Your health and safety",
        "These answers help the doctor plan a safe procedure. "
        "Please do not stop any medicine on your own.",
        (
            Item(
                "blood_thinners", MULTI, "Do you take a medicine that thins your blood?",
                "Blood thinners", "Choose your blood thinners, “No” or “I'm not sure”",
                help="Choose all that apply. Brand names are in brackets.",
                options=(
                    Option("warfarin", "Warfarin (Coumadin, Jantoven)"),
                    Option(
                        "doac",
                        "Apixaban (Eliquis), rivaroxaban (Xarelto), dabigatran (Pradaxa) "
                        "or edoxaban (Savaysa)",
                    ),
                    Option(
                        "antiplatelet",
                        "Clopidogrel (Plavix), prasugrel (Effient) or ticagrelor (Brilinta)",
                    ),
                    Option("injectable", "Shots such as enoxaparin (Lovenox) or heparin"),
                    Option("aspirin", "Aspirin, including low-dose aspirin"),
                    Option("none", "No, none of these", exclusive=True),
                    Option("not_sure", "I'm not sure", exclusive=True),
                ),
            ),
            Item(
                "bleeding_disorder", SINGLE,
                "Do you have a bleeding problem, or do you bleed or bruise very easily?",
                "Bleeding problem", "Choose an answer about bleeding problems",
                options=(*_yes_no(), _NOT_SURE),
            ),
            Item(
                "allergies", MULTI, "Are you allergic to any of these?", "Allergies",
                "Choose your allergies, or choose “None of these”",
                help="Choose all that apply.",
                options=(
                    Option("local_anesthetic", "Numbing medicine, such as lidocaine"),
                    Option("steroid", "Steroid medicine, such as cortisone"),
                    Option("contrast", "X-ray dye (contrast)"),
                    Option("latex", "Latex"),
                    Option("none", "None of these", exclusive=True),
                ),
            ),
            Item(
                "infection", SINGLE, "Do you have an infection right now?", "Infection now",
                "Choose yes or no for an infection",
                help="For example a fever, taking antibiotics now, or a sore, rash or "
                "wound on the skin near where it hurts.",
                options=_yes_no(),
            ),
            Item(
                "pregnant", SINGLE, "Are you pregnant, or could you be?", "Pregnancy",
                "Choose an answer about pregnancy",
                help="X-rays are used during the procedure, so the doctor needs to know.",
                options=(*_yes_no(), _NOT_SURE, Option("not_applicable", "This does not apply to me")),
            ),
            Item(
                "diabetes", SINGLE, "Do you have diabetes?", "Diabetes",
                "Choose yes or no for diabetes",
                help="Steroid medicine can raise blood sugar for a few days.",
                options=_yes_no(),
            ),
            Item(
                "lie_prone", SINGLE, "Can you lie on your stomach for about 30 minutes?",
                "Can lie face down", "Choose yes or no for lying on your stomach",
                help="During the procedure you lie face down on a padded table.",
                options=_yes_no(),
            ),
        ),
    ),
    Step(
        "peg",
        "How pain affects your life",
        "Three short questions about the past week. Choose a number from 0 to 10.",
        (
            Item(
                "peg_pain", SCALE, "On average, how bad was your pain in the past week?",
                "Average pain", "Choose a number from 0 to 10 for your average pain",
                scale_anchors=("No pain", "Pain as bad as you can imagine"),
            ),
            Item(
                "peg_enjoyment", SCALE,
                "In the past week, how much did pain get in the way of enjoying life?",
                "Pain and enjoyment of life",
                "Choose a number from 0 to 10 for enjoyment of life",
                scale_anchors=("Not at all", "Completely"),
            ),
            Item(
                "peg_activity", SCALE,
                "In the past week, how much did pain get in the way of your daily activities?",
                "Pain and daily activities",
                "Choose a number from 0 to 10 for daily activities",
                scale_anchors=("Not at all", "Completely"),
            ),
        ),
    ),
)

ITEMS: dict[str, Item] = {item.link_id: item for step in STEPS for item in step.items}
STEP_IDS: tuple[str, ...] = tuple(step.id for step in STEPS)
STEPS_BY_ID: dict[str, Step] = {step.id: step for step in STEPS}
STEP_OF_ITEM: dict[str, Step] = {item.link_id: step for step in STEPS for item in step.items}


def is_shown(item: Item, answers: Mapping[str, Any]) -> bool:
    """Whether `item` is asked, given answers already filtered to shown items."""
    condition = item.shown_when
    if condition is None:
        return True
    value = answers.get(condition.link_id)
    chosen = set(value) if isinstance(value, list) else {value}
    return bool(chosen & set(condition.any_of))


def shown_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Keep only the answers to items that are asked, in definition order.

    Walking the definition in order means a condition always sees an already
    filtered answer, so hiding an item also hides whatever depends on it.
    """
    kept: dict[str, Any] = {}
    for link_id, item in ITEMS.items():
        if link_id in answers and is_shown(item, kept):
            kept[link_id] = answers[link_id]
    return kept


def shown_items(step: Step, answers: Mapping[str, Any]) -> list[Item]:
    visible = shown_answers(answers)
    return [item for item in step.items if is_shown(item, visible)]


def step_applies(step: Step, answers: Mapping[str, Any]) -> bool:
    return bool(shown_items(step, answers))


def steps_that_apply(answers: Mapping[str, Any]) -> list[Step]:
    return [step for step in STEPS if step_applies(step, answers)]


def step_complete(step: Step, answers: Mapping[str, Any]) -> bool:
    return all(item.link_id in answers for item in shown_items(step, answers))


def first_incomplete_step(answers: Mapping[str, Any]) -> Step | None:
    visible = shown_answers(answers)
    for step in steps_that_apply(visible):
        if not step_complete(step, visible):
            return step
    return None


def validated_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Check every shown answer and return them in canonical form.

    Raises ValueError naming the linkId for an unknown linkId or code, a wrong
    type, an out-of-range scale value, an exclusive code combined with others,
    or a shown item left unanswered. Answers to items not shown are dropped.
    """
    for link_id in answers:
        if link_id not in ITEMS:
            raise ValueError(f"{link_id}: unknown linkId")
    kept: dict[str, Any] = {}
    for link_id, item in ITEMS.items():
        if not is_shown(item, kept):
            continue
        if link_id not in answers or answers[link_id] is None:
            raise ValueError(f"{link_id}: a shown item was left unanswered")
        kept[link_id] = item.check(answers[link_id])
    return kept


def answered_by_step(answers: Mapping[str, Any]) -> list[tuple[Step, list[tuple[Item, list[str]]]]]:
    """Per step, each question asked with the words of its answer, in questionnaire order."""
    visible = shown_answers(answers)
    return [
        (step, [(item, answer_labels(item, visible[item.link_id])) for item in step.items
                if item.link_id in visible])
        for step in STEPS
        if any(item.link_id in visible for item in step.items)
    ]


def answer_labels(item: Item, value: Any) -> list[str]:
    """The patient-facing words for a stored answer."""
    if item.type == SCALE:
        return [f"{value} out of 10"]
    codes = value if isinstance(value, list) else [value]
    return [item.label_for(code) for code in codes]
