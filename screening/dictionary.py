"""Data dictionaries of each questionnaire version, made from the definition and its rules.

The definition files and the rules modules are the source of truth; the
dictionaries in docs/ are how analysts, auditors and a REDCap project read
them without reading code. Building them here, from the same objects the app
uses, means they cannot drift: `flask --app run data-dictionary` rewrites them
and a test fails when the committed copies are stale.

Pure apart from `write_all` and the CLI command: no Flask, no database. The
output is deterministic (no timestamps, no set iteration order), so a
regenerated file differs only when the definition or the rules do.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

import click
from flask import Flask

from . import questionnaire, rules
from .questionnaire import (
    MULTI,
    SCALE,
    SCALE_MAX,
    SCALE_MIN,
    SINGLE,
    TEXT,
    TEXT_MAX,
    Condition,
    Definition,
    Item,
)
from .rules.common import SOURCES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = PROJECT_ROOT / "docs"
COMMAND = "flask --app run data-dictionary"

# The columns of a REDCap data dictionary, in REDCap's order.
REDCAP_COLUMNS = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)
REDCAP_FIELD_TYPES = {SINGLE: "radio", MULTI: "checkbox", SCALE: "radio", TEXT: "text"}
TYPE_WORDS = {
    SINGLE: "single choice",
    MULTI: "multiple choice",
    SCALE: f"scale {SCALE_MIN}-{SCALE_MAX}",
    TEXT: "free text",
}

# Red-flag tiers a rules module may define, in order of urgency, with the words for each.
RED_FLAG_TIERS = (
    ("EMERGENCY_RED_FLAGS", "Emergency", "emergency care now"),
    ("SAME_DAY_RED_FLAGS", "Same day", "a doctor the same day"),
    ("REVIEW_RED_FLAGS", "Review", "no urgent advice; the doctor checks for another cause first"),
)
RED_FLAG_ITEM = "red_flags"


def rules_for(version: str) -> ModuleType | None:
    """The newest rules module that assesses questionnaire `version`, or None.

    Rules and questionnaire are versioned apart; a dictionary documents the
    questionnaire, so it takes the rules that were written for it.
    """
    found = None
    for rules_version in rules.VERSIONS:
        module = rules.for_version(rules_version)
        if version == module.QUESTIONNAIRE_VERSION:
            found = module
    return found


# Conditions, in words and in REDCap syntax


def _conditions(definition: Definition, link_id: str) -> list[Condition]:
    """The step's condition, then the item's own: both must hold for the item to be asked."""
    item = definition.items[link_id]
    step = definition.step_of_item[link_id]
    return [c for c in (step.shown_when, item.shown_when) if c is not None]


def _or_words(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def condition_words(definition: Definition, condition: Condition) -> str:
    """A condition as a reader says it: "`pain_spread` is `a` or `b`", "includes" for multiple choice."""
    controlling = definition.items.get(condition.link_id)
    verb = "includes" if controlling is not None and controlling.type == MULTI else "is"
    return f"`{condition.link_id}` {verb} {_or_words([f'`{code}`' for code in condition.any_of])}"


def shown_when_words(definition: Definition, link_id: str) -> str:
    """When the item is asked, its step's condition included; "always" when it always is."""
    conditions = _conditions(definition, link_id)
    if not conditions:
        return "always"
    return "; and ".join(condition_words(definition, c) for c in conditions)


def redcap_condition(definition: Definition, condition: Condition) -> str:
    """A condition in REDCap branching-logic syntax (checkbox codes as `[x(code)] = '1'`)."""
    controlling = definition.items.get(condition.link_id)
    if controlling is not None and controlling.type == MULTI:
        parts = [f"[{condition.link_id}({code})] = '1'" for code in condition.any_of]
    else:
        parts = [f"[{condition.link_id}] = '{code}'" for code in condition.any_of]
    return " or ".join(parts)


def redcap_branching(definition: Definition, link_id: str) -> str:
    """The item's REDCap branching logic: the step's condition ANDed with the item's, each in parentheses."""
    conditions = [redcap_condition(definition, c) for c in _conditions(definition, link_id)]
    if len(conditions) <= 1:
        return "".join(conditions)
    return " and ".join(f"({c})" for c in conditions)


# Markdown


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return lines


def _module_path(module: ModuleType) -> str:
    """Where a rules module lives, relative to the project, for the reader who wants the code."""
    return Path(module.__file__).resolve().relative_to(PROJECT_ROOT).as_posix()


def _answer_words(item: Item) -> str:
    """The codes of an item with the patient's label of each, or what a scale or text holds."""
    if item.type == SCALE:
        low, high = item.scale_anchors
        anchors = f": {SCALE_MIN} = {low}; {SCALE_MAX} = {high}" if low or high else ""
        return f"whole number {SCALE_MIN} to {SCALE_MAX}{anchors}"
    if item.type == TEXT:
        return f"optional free text, at most {TEXT_MAX} characters"
    return "<br>".join(f"`{o.code}`{' (exclusive)' if o.exclusive else ''}: {o.label}" for o in item.options)


def _ordered_codes(definition: Definition, link_id: str, codes: Iterable[str]) -> list[str]:
    """Codes in the order the item lists them (sets have no stable order), unknown ones last, sorted."""
    codes = set(codes)
    item = definition.items.get(link_id)
    known = [c for c in item.codes if c in codes] if item is not None else []
    return known + sorted(codes - set(known))


def _code_with_label(definition: Definition, link_id: str, code: str) -> str:
    item = definition.items.get(link_id)
    if item is not None and code in item.codes:
        return f"`{code}` ({item.option(code).clinical_label})"
    return f"`{code}`"


def markdown_dictionary(version: str) -> str:
    """The Markdown data dictionary of questionnaire `version`: items, codes, branching, rules."""
    definition = questionnaire.definition(version)
    module = rules_for(version)
    lines = [
        f"# Data dictionary: screening questionnaire {version}",
        "",
        f"> Generated by `{COMMAND}` from `screening/questionnaire/definitions/{version}.toml`"
        + (f" and the candidacy rules {module.VERSION} (`{_module_path(module)}`)" if module else "")
        + ". Do not edit by hand: change the definition or the rules, then run the command again.",
        "",
        (
            "A released version never changes. Its item ids (linkIds) and answer codes are what stored "
            "answers, exports and the rules rely on. The same items as a REDCap data dictionary are in "
            f"`data-dictionary-{version}.csv`."
        ),
        "",
        "## Steps",
        "",
        "The patient answers the steps in this order; a step whose condition does not hold is skipped.",
        "",
    ]
    lines += _table(
        ("#", "Step", "Title", "Shown when", "Intake panel", "Items"),
        (
            (
                str(n),
                f"`{step.id}`",
                step.title,
                condition_words(definition, step.shown_when) if step.shown_when else "always",
                step.intake,
                ", ".join(f"`{item.link_id}`" for item in step.items),
            )
            for n, step in enumerate(definition.steps, 1)
        ),
    )
    lines += [
        "",
        "## Items",
        "",
        (
            "Every item other than free text must be answered when it is shown. An exclusive code cannot be "
            'chosen with any other. "Shown when" includes the condition of the item\'s step; answers to an '
            "item that is not shown are not kept."
        ),
        "",
    ]
    lines += _table(
        ("linkId", "Step", "Type", "Codes (patient's label)", "Shown when", "Question"),
        (
            (
                f"`{link_id}`",
                f"`{definition.step_of_item[link_id].id}`",
                TYPE_WORDS[item.type],
                _answer_words(item),
                shown_when_words(definition, link_id),
                item.text,
            )
            for link_id, item in definition.items.items()
        ),
    )
    if module is None:
        lines += ["", "No rules version assesses this questionnaire version.", ""]
        return "\n".join(lines)

    tiers = [(name, label, advice) for name, label, advice in RED_FLAG_TIERS if hasattr(module, name)]
    if tiers:
        lines += [
            "",
            "## Red-flag tiers",
            "",
            (
                f"How soon a patient must get care, by the codes of `{RED_FLAG_ITEM}` they chose "
                "(the most urgent tier wins)."
            ),
            "",
        ]
        lines += _table(
            ("Tier", "Advice", "Codes"),
            (
                (
                    label,
                    advice,
                    ", ".join(
                        _code_with_label(definition, RED_FLAG_ITEM, code)
                        for code in _ordered_codes(definition, RED_FLAG_ITEM, getattr(module, name))
                    ),
                )
                for name, label, advice in tiers
            ),
        )
        combinations = getattr(module, "EMERGENCY_COMBINATIONS", ())
        if combinations:
            lines += [
                "",
                (
                    "Emergency combinations: each pair below is an emergency when both are chosen, "
                    "whatever the tier of each alone."
                ),
                "",
            ]
            lines += [
                "- "
                + " with ".join(
                    _code_with_label(definition, RED_FLAG_ITEM, code)
                    for code in _ordered_codes(definition, RED_FLAG_ITEM, combination)
                )
                for combination in combinations
            ]

    lines += [
        "",
        "## Criteria",
        "",
        (
            f"The candidacy criteria of rules {module.VERSION}, in the order they "
            "are shown to staff. The source key is listed under Sources."
        ),
        "",
    ]
    lines += _table(
        ("Code", "Title (patient)", "Rule (clinical)", "Source", "Items read"),
        (
            (f"`{code}`", c.title, c.rule, f"`{c.source}`", ", ".join(f"`{i}`" for i in c.inputs))
            for code, c in module.CRITERIA.items()
        ),
    )
    lines += ["", "## Flags", "", f"The flags rules {module.VERSION} can raise, with the words staff read.", ""]
    lines += _table(
        ("Code", "Kind", "Clinical text"),
        ((f"`{code}`", f.kind, f.clinical_text) for code, f in module.FLAGS.items()),
    )
    lines += ["", "## Sources", ""]
    lines += _table(
        ("Key", "Citation", "Criteria citing it"),
        (
            (
                f"`{key}`",
                citation,
                ", ".join(f"`{code}`" for code, c in module.CRITERIA.items() if c.source == key) or "-",
            )
            for key, citation in SOURCES.items()
        ),
    )
    lines.append("")
    return "\n".join(lines)


# REDCap


def _redcap_row(definition: Definition, link_id: str, section_header: str) -> dict[str, str]:
    item = definition.items[link_id]
    step = definition.step_of_item[link_id]
    note = item.help
    annotation: list[str] = []
    if item.type == SCALE:
        choices = " | ".join(f"{n}, {n}" for n in range(SCALE_MIN, SCALE_MAX + 1))
        low, high = item.scale_anchors
        if low or high:
            anchors = f"{SCALE_MIN} = {low}; {SCALE_MAX} = {high}"
            note = f"{note} {anchors}".strip()
    elif item.type == TEXT:
        choices = ""
        annotation.append(f"@CHARLIMIT={TEXT_MAX}")
    else:
        choices = " | ".join(f"{o.code}, {' '.join(o.label.split())}" for o in item.options)
    exclusive = [o.code for o in item.options if o.exclusive]
    if exclusive:
        # REDCap's own tag for "cannot be combined with other choices".
        annotation.append(f"@NONEOFTHEABOVE='{','.join(exclusive)}'")
    row = dict.fromkeys(REDCAP_COLUMNS, "")
    row.update(
        {
            "Variable / Field Name": link_id,
            "Form Name": step.id,
            "Section Header": section_header,
            "Field Type": REDCAP_FIELD_TYPES[item.type],
            "Field Label": item.text,
            "Choices, Calculations, OR Slider Labels": choices,
            "Field Note": note,
            "Branching Logic (Show field only if...)": redcap_branching(definition, link_id),
            "Required Field?": "y" if item.required else "",
            "Field Annotation": " ".join(annotation),
        }
    )
    return row


def redcap_csv(version: str) -> str:
    """A REDCap data dictionary (CSV) of questionnaire `version`: one field per item, one form per step.

    Single choice and the 0-10 scales are radio fields (a scale's anchors in
    the field note), multiple choice is checkbox, free text is text with its
    length limit; branching logic repeats the step's condition on every field
    because REDCap has no form-level condition.
    """
    definition = questionnaire.definition(version)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=REDCAP_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for step in definition.steps:
        for n, item in enumerate(step.items):
            writer.writerow(_redcap_row(definition, item.link_id, step.title if n == 0 else ""))
    return buffer.getvalue()


# Files and the command


def outputs(version: str) -> dict[str, str]:
    """File name -> content, for the dictionaries of one version."""
    return {
        f"data-dictionary-{version}.md": markdown_dictionary(version),
        f"data-dictionary-{version}.csv": redcap_csv(version),
    }


def write_all(out: Path) -> list[Path]:
    """Write the dictionaries of every released version into `out` (created if needed); the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for version in questionnaire.VERSIONS:
        for name, content in outputs(version).items():
            path = out / name
            path.write_text(content, encoding="utf-8", newline="")
            written.append(path)
    return written


@click.command("data-dictionary")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory to write into (default: docs/ in the project).",
)
def data_dictionary_command(out: Path | None) -> None:
    """Write docs/data-dictionary-<version>.md and .csv for every questionnaire version."""
    for path in write_all(out if out is not None else DEFAULT_OUT):
        click.echo(f"Wrote {path}")


def init_app(app: Flask) -> None:
    """Register the `data-dictionary` command, so the docs are regenerated with the app's own code."""
    app.cli.add_command(data_dictionary_command)
