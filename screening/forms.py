"""Form fields shared by the patient, staff and admin forms: one home for a choice from a fixed list."""

from __future__ import annotations

from functools import cache

from babel.support import NullTranslations, Translations
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import messages_path
from wtforms.validators import StopValidation

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
            locale = get_locale()
            return wtforms_catalog(str(locale) if locale else "en")


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
