from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from .. import clock
from ..forms import ChoiceField, Form, choices
from .calls import METHODS, OUTCOMES, method_problem, parse_call_back
from .queue import STATUS_NAMES

NOTE_MAX = 2000


class SearchForm(Form):
    q = StringField("Search by name, phone, email or reference", validators=[Length(max=100)])


class StatusForm(Form):
    status = ChoiceField("New status", required_message="Choose the new status")
    # Named apart from the other forms' notes: the request page shows them together, and ids must differ.
    status_note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=NOTE_MAX)])

    def __init__(self, *args, allowed=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = choices(*((s, STATUS_NAMES[s]) for s in allowed))


class CallForm(Form):
    """One call, one form: what happened, how, when to call back, and a note."""

    outcome = ChoiceField(
        "What happened",
        required_message="Choose what happened",
        choices=choices(*((code, o.label) for code, o in OUTCOMES.items())),
    )
    method = ChoiceField(
        "How", required_message="Choose how you tried to reach them", choices=choices(*METHODS.items()), default="phone"
    )
    call_back = StringField("Call back at (optional, clinic time)", validators=[Optional(), Length(max=40)])
    call_note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=NOTE_MAX)])

    def __init__(self, *args, timezone: str = "UTC", **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone = timezone
        self.call_back_at = None  # the call-back time in UTC, once valid

    def validate_method(self, field):
        problem = method_problem(self.outcome.data, field.data)
        if problem:
            raise ValidationError(problem)

    def validate_call_back(self, field):
        outcome = OUTCOMES.get(self.outcome.data)
        if outcome and not outcome.call_back:
            raise ValidationError(f"“{outcome.label}” needs no call-back: leave the time empty")
        try:
            self.call_back_at = parse_call_back(field.data, self.timezone, clock.now())
        except ValueError as error:
            raise ValidationError(str(error)) from None


class ActionForm(Form):
    """A button that changes something (assign, strike a note): nothing to fill in but its CSRF token."""


class NoteForm(Form):
    note = TextAreaField("Note", validators=[DataRequired("Write the note first"), Length(max=NOTE_MAX)])


class ReviewForm(Form):
    note = TextAreaField("Clinical note (optional)", validators=[Optional(), Length(max=NOTE_MAX)])
