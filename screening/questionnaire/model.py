"""What a questionnaire version is made of, and what can be asked of it.

A `Definition` is one released version: steps, items, options and "shown when"
conditions, read from a data file. Forms, branching, progress, summaries,
exports and the rules all take a Definition, so an old screening is always
read with the version it was answered under.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

SINGLE = "single"
MULTI = "multi"
SCALE = "scale"  # whole number 0-10
TEXT = "text"  # optional free text
TYPES = (SINGLE, MULTI, SCALE, TEXT)

SCALE_MIN, SCALE_MAX = 0, 10
TEXT_MAX = 100
SCALE_ANSWER = "{value} out of 10"  # a scale answer in the patient's words


@dataclass(frozen=True)
class Option:
    code: str
    label: str  # the patient's words
    clinical: str = ""  # the words staff read; the label when empty
    exclusive: bool = False
    ages: tuple[int, int] | None = None  # for an age band: the ages it covers

    @property
    def clinical_label(self) -> str:
        return self.clinical or self.label


@dataclass(frozen=True)
class Condition:
    """Holds when the answer to `link_id` is, or holds, any of `any_of`.

    "Is not X" is written as "is any of the other codes", which maps directly
    onto FHIR enableWhen with operator "=" and enableBehavior "any".
    """

    link_id: str
    any_of: tuple[str, ...]

    @cached_property
    def _codes(self) -> frozenset[str]:
        return frozenset(self.any_of)

    def holds(self, answers: Mapping[str, Any]) -> bool:
        value = answers.get(self.link_id)
        if isinstance(value, list):
            return not self._codes.isdisjoint(value)
        return value in self._codes


def _all_hold(conditions: tuple[Condition, ...], answers: Mapping[str, Any]) -> bool:
    """A loop, not `all()` over a generator: this runs for every item on every page, and is twice as fast."""
    for condition in conditions:  # noqa: SIM110
        if not condition.holds(answers):
            return False
    return True


@dataclass(frozen=True)
class Item:
    link_id: str
    type: str
    text: str
    clinical: str  # a label for staff
    required_message: str = ""
    help: str = ""
    options: tuple[Option, ...] = ()
    shown_when: Condition | None = None
    scale_anchors: tuple[str, str] = ("", "")  # words for 0 and for 10
    scale_answer: str = SCALE_ANSWER

    @property
    def required(self) -> bool:
        return self.type != TEXT

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(o.code for o in self.options)

    @property
    def exclusive_codes(self) -> frozenset[str]:
        return frozenset(o.code for o in self.options if o.exclusive)

    def option(self, code: str) -> Option:
        for option in self.options:
            if option.code == code:
                return option
        raise KeyError(code)

    def label_for(self, code: str) -> str:
        return self.option(code).label

    def check(self, value: Any) -> Any:
        """Return the value in its canonical form, or raise ValueError naming the item."""
        name = self.link_id
        if self.type == SCALE:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name}: expected a whole number, got {value!r}")
            if not SCALE_MIN <= value <= SCALE_MAX:
                raise ValueError(f"{name}: {value} is outside {SCALE_MIN}-{SCALE_MAX}")
            return value
        if self.type == TEXT:
            if not isinstance(value, str):
                raise ValueError(f"{name}: expected text, got {value!r}")
            if len(value) > TEXT_MAX:
                raise ValueError(f"{name}: longer than {TEXT_MAX} characters")
            return value.strip()
        if self.type == SINGLE:
            if not isinstance(value, str):
                raise ValueError(f"{name}: expected one code, got {value!r}")
            if value not in self.codes:
                raise ValueError(f"{name}: unknown code {value!r}")
            return value
        if not isinstance(value, list):
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

    def labels(self, value: Any, clinical: bool = False) -> list[str]:
        """The words for a stored answer: the patient's, or the clinical ones."""
        if self.type == SCALE:
            return [self.scale_answer.format(value=value) if not clinical else f"{value}/10"]
        if self.type == TEXT:
            return [value]
        codes = value if isinstance(value, list) else [value]
        return [self.option(c).clinical_label if clinical else self.option(c).label for c in codes]


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    intro: str
    items: tuple[Item, ...] = ()
    shown_when: Condition | None = None  # applies to every item of the step
    intake: str = "history"  # where the intake shows it: "history" or "safety"


@dataclass(frozen=True, eq=False)
class Definition:
    """One released version of the questionnaire."""

    version: str
    steps: tuple[Step, ...]
    # Per earlier version: the linkIds whose answers keep their meaning here.
    upgrades: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @cached_property
    def items(self) -> dict[str, Item]:
        return {item.link_id: item for step in self.steps for item in step.items}

    @cached_property
    def step_ids(self) -> tuple[str, ...]:
        return tuple(step.id for step in self.steps)

    @cached_property
    def steps_by_id(self) -> dict[str, Step]:
        return {step.id: step for step in self.steps}

    @cached_property
    def step_of_item(self) -> dict[str, Step]:
        return {item.link_id: step for step in self.steps for item in step.items}

    def translated(self, translate: Callable[[str], str]) -> Definition:
        """This version with every patient-facing word passed through `translate` (staff's words unchanged).

        The wording stays defined once, here in English; a catalog holds the other languages
        (the same fields as `patient_texts` lists, so nothing is missed). Empty words stay empty
        (gettext would answer "" with the catalog's header).
        """

        def t(words: str) -> str:
            return translate(words) if words else words

        def item(i: Item) -> Item:
            return replace(
                i,
                text=t(i.text),
                help=t(i.help),
                required_message=t(i.required_message),
                scale_anchors=tuple(t(a) for a in i.scale_anchors),
                scale_answer=t(i.scale_answer),
                options=tuple(replace(o, label=t(o.label), clinical=o.clinical_label) for o in i.options),
            )

        return Definition(
            self.version,
            tuple(
                replace(s, title=t(s.title), intro=t(s.intro), items=tuple(item(i) for i in s.items))
                for s in self.steps
            ),
            self.upgrades,
        )

    def patient_texts(self) -> list[str]:
        """Every patient-facing word of this version, in order: what a translation must cover."""
        texts: list[str] = []
        for step in self.steps:
            texts += [step.title, step.intro]
            for i in step.items:
                texts += [i.text, i.help, i.required_message, *i.scale_anchors]
                texts += [i.scale_answer] if i.type == SCALE else []
                texts += [o.label for o in i.options]
        return [t for t in dict.fromkeys(texts) if t]

    # Branching

    @cached_property
    def _conditions(self) -> dict[str, tuple[Condition, ...]]:
        """Per linkId, the conditions that must hold for it to be asked: its step's and its own."""
        return {
            item.link_id: tuple(c for c in (step.shown_when, item.shown_when) if c is not None)
            for step in self.steps
            for item in step.items
        }

    def is_shown(self, item: Item, answers: Mapping[str, Any]) -> bool:
        """Whether `item` is asked, given answers already filtered to shown items."""
        return _all_hold(self._conditions[item.link_id], answers)

    def shown_answers(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """Keep only the answers to items that are asked, in definition order.

        Walking the definition in order means a condition always sees an already
        filtered answer, so hiding an item also hides whatever depends on it.
        """
        conditions = self._conditions
        kept: dict[str, Any] = {}
        for link_id in self.items:
            if link_id in answers and _all_hold(conditions[link_id], kept):
                kept[link_id] = answers[link_id]
        return kept

    def shown_items(self, step: Step, answers: Mapping[str, Any]) -> list[Item]:
        return self._shown_in(step, self.shown_answers(answers))

    def _shown_in(self, step: Step, visible: Mapping[str, Any]) -> list[Item]:
        """The items of `step` asked, given answers already filtered by `shown_answers` (filtered once per call
        of the methods below, not once per step: that made every step page quadratic in the steps)."""
        conditions = self._conditions
        return [item for item in step.items if _all_hold(conditions[item.link_id], visible)]

    def step_applies(self, step: Step, answers: Mapping[str, Any]) -> bool:
        return bool(self.shown_items(step, answers))

    def steps_that_apply(self, answers: Mapping[str, Any]) -> list[Step]:
        visible = self.shown_answers(answers)
        return [step for step in self.steps if self._shown_in(step, visible)]

    def step_complete(self, step: Step, answers: Mapping[str, Any]) -> bool:
        return self._complete(step, self.shown_answers(answers))

    def _complete(self, step: Step, visible: Mapping[str, Any]) -> bool:
        return all(item.link_id in visible for item in self._shown_in(step, visible) if item.required)

    def first_incomplete_step(self, answers: Mapping[str, Any]) -> Step | None:
        visible = self.shown_answers(answers)
        for step in self.steps:
            if any(item.required and item.link_id not in visible for item in self._shown_in(step, visible)):
                return step
        return None

    def neighbour(self, step: Step, answers: Mapping[str, Any], offset: int) -> Step | None:
        """The step that applies just after (offset 1) or before (offset -1) `step`."""
        position = self.step_ids.index(step.id)
        applicable = self.steps_that_apply(answers)
        if offset > 0:
            later = [s for s in applicable if self.step_ids.index(s.id) > position]
            return later[0] if later else None
        earlier = [s for s in applicable if self.step_ids.index(s.id) < position]
        return earlier[-1] if earlier else None

    def progress(self, step: Step, answers: Mapping[str, Any]) -> tuple[int, int]:
        """(number of this step, steps in all), counting a step whose condition is not yet answered."""
        visible = self.shown_answers(answers)
        counted = [
            s.id
            for s in self.steps
            if self._shown_in(s, visible) or (s.shown_when and s.shown_when.link_id not in visible)
        ]
        return counted.index(step.id) + 1, len(counted)

    # Checking and reading answers

    def validated_answers(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """Check every shown answer and return them in canonical form.

        Raises ValueError naming the linkId for an unknown linkId or code, a wrong
        type, an out-of-range scale value, an exclusive code combined with others,
        text over the limit, or a shown item (other than text) left unanswered.
        Answers to items not shown are dropped, and so is empty text.
        """
        for link_id in answers:
            if link_id not in self.items:
                raise ValueError(f"{link_id}: unknown linkId")
        kept: dict[str, Any] = {}
        for link_id, item in self.items.items():
            if not self.is_shown(item, kept):
                continue
            value = answers.get(link_id)
            if value is None:
                if item.required:
                    raise ValueError(f"{link_id}: a shown item was left unanswered")
                continue
            value = item.check(value)
            if value != "":
                kept[link_id] = value
        return kept

    def answered_by_step(self, answers: Mapping[str, Any]) -> list[tuple[Step, list[tuple[Item, list[str]]]]]:
        """Per step, each question asked with the patient's words of its answer, in questionnaire order."""
        visible = self.shown_answers(answers)
        return [
            (step, [(item, item.labels(visible[item.link_id])) for item in step.items if item.link_id in visible])
            for step in self.steps
            if any(item.link_id in visible for item in step.items)
        ]

    def age_range(self, answers: Mapping[str, Any]) -> tuple[int, int] | None:
        """The ages covered by the age band the patient chose, if this version asks one."""
        for link_id, value in answers.items():
            item = self.items.get(link_id)
            if item and item.type == SINGLE and value in item.codes and item.option(value).ages:
                return item.option(value).ages
        return None

    def upgraded(self, answers: Mapping[str, Any], from_version: str) -> dict[str, Any]:
        """An unfinished draft of an earlier version, carried over to this one.

        Answers keep only where this version says they mean the same, and only
        with codes this version has; the rest is asked again.
        """
        kept = set(self.upgrades.get(from_version, ()))
        carried: dict[str, Any] = {}
        for link_id, value in answers.items():
            if link_id not in kept or link_id not in self.items:
                continue
            try:
                carried[link_id] = self.items[link_id].check(value)
            except ValueError:
                continue  # a code this version does not have: ask again
        return self.shown_answers(carried)


def _condition(data: Mapping[str, Any] | None) -> Condition | None:
    return Condition(data["item"], tuple(data["any_of"])) if data else None


def _item(data: Mapping[str, Any]) -> Item:
    if data["type"] not in TYPES:
        raise ValueError(f"{data['id']}: unknown type {data['type']!r}")
    return Item(
        link_id=data["id"],
        type=data["type"],
        text=data["text"],
        clinical=data["clinical"],
        required_message=data.get("required_message", ""),
        help=data.get("help", ""),
        options=tuple(
            Option(
                o["code"],
                o["label"],
                o.get("clinical", ""),
                o.get("exclusive", False),
                tuple(o["ages"]) if "ages" in o else None,
            )
            for o in data.get("options", ())
        ),
        shown_when=_condition(data.get("shown_when")),
        scale_anchors=tuple(data.get("anchors", ("", ""))),
    )


def definition_from_data(data: Mapping[str, Any]) -> Definition:
    """A Definition from the parsed data file of one version."""
    return Definition(
        version=data["version"],
        steps=tuple(
            Step(
                s["id"],
                s["title"],
                s["intro"],
                tuple(_item(i) for i in s["items"]),
                _condition(s.get("shown_when")),
                s.get("intake", "history"),
            )
            for s in data["steps"]
        ),
        upgrades={version: tuple(u["keep"]) for version, u in data.get("upgrade", {}).items()},
    )
