"""Form fields shared by the patient, staff and admin forms: one home for a choice from a fixed list."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation

INVALID_CHOICE = _l("Choose one of the answers shown")


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
