"""Form fields shared by the patient, staff and admin forms: one home for a choice from a fixed list."""

from __future__ import annotations

from functools import cache

from babel.support import NullTranslations, Translations
from flask import Flask
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import messages_path
from wtforms.validators import StopValidation

from .i18n import current_language

INVALID_CHOICE = _l("Choose one of the answers shown")


@cache
def wtforms_catalog(language: str) -> NullTranslations:
    """WTForms' own words (default labels and messages) in `language`, read from disk once per language."""
    return Translations.load(messages_path(), [language], domain="wtforms")


class Form(FlaskForm):
    """Every form of the app: Flask-WTF with CSRF, WTForms' own words in the page's language.

    Flask-WTF parses WTForms' catalog again for every request that builds a form (a tenth of a
    patient request's time); the catalog of each language is kept here instead.
    """

    class Meta:
        def get_translations(self, form):
            return wtforms_catalog(current_language())


def choices(*pairs: tuple[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def codes_of(field) -> set[str]:
    return {choice.value for choice in field.choices}


class ChoiceField(RadioField):
    """One answer from a fixed list, with one clear message when missing or tampered with."""

    def __init__(self, label=None, required_message: str | None = None, **kwargs):
        super().__init__(label, validate_choice=False, **kwargs)
        self.required_message = required_message

    def pre_validate(self, form):
        if not self.raw_data or not self.raw_data[0]:
            raise StopValidation(self.required_message or None)
        if self.data not in codes_of(self):
            raise StopValidation(INVALID_CHOICE)


def option_inputs(field, kind: str = "radio", options=None, exclusive=(), scale_anchors=None) -> Markup:
    """A choice question's inputs, each in a `div.option` with its label, for the `choices` macro.

    Checkboxes get "or" before the first exclusive answer ("None of these") that follows others,
    and `data-exclusive` on each exclusive one; on a 0-10 scale the first and last labels carry the scale's
    words for screen readers. Written in Python, not in the macro: a step page has up to 25 options, and
    Jinja's call and escape per value made them a fifth of rendering the page.
    """
    name, kind = escape(field.name), escape(kind)
    data = field.data
    chosen = set(data) if isinstance(data, list | tuple | set) else {data}
    all_choices = list(options or field.choices)
    last = len(all_choices) - 1
    parts = []
    previous_exclusive = True
    for index, choice in enumerate(all_choices):
        value = choice.value
        is_exclusive = value in exclusive
        if kind == "checkbox" and is_exclusive and not previous_exclusive:
            or_word = escape(gettext("or"))  # outside the f-string, where the catalog's extraction finds it
            parts.append(f'<p class="or">{or_word}</p>')
        previous_exclusive = is_exclusive
        label = escape(choice.label)
        if scale_anchors and index in (0, last):
            label += Markup('<span class="visually-hidden"> (%s)</span>') % scale_anchors[0 if index == 0 else 1]
        checked = " checked" if value in chosen else ""
        data_exclusive = " data-exclusive" if is_exclusive else ""
        parts.append(
            f'<div class="option"><input type="{kind}" id="{name}-{index}" name="{name}" value="{escape(value)}"'
            f'{checked}{data_exclusive}><label for="{name}-{index}">{label}</label></div>'
        )
    return Markup("".join(parts))  # nosec B704  (every value in it was escaped above)


def init_app(app: Flask) -> None:
    app.add_template_global(option_inputs)
