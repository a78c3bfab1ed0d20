from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..patient.forms import ChoiceField, choices
from .queue import METHODS, RESULTS, STATUS_NAMES

NOTE_MAX = 2000


class SearchForm(FlaskForm):
    q = StringField("Search by name, phone, email or reference", validators=[Length(max=100)])


class StatusForm(FlaskForm):
    status = ChoiceField("New status", required_message="Choose the new status")
    note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=NOTE_MAX)])

    def __init__(self, *args, allowed=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = choices(*((s, STATUS_NAMES[s]) for s in allowed))


class AttemptForm(FlaskForm):
    method = ChoiceField("How", required_message="Choose how you tried to reach them",
                         choices=choices(*METHODS.items()))
    result = ChoiceField("Result", required_message="Choose what happened",
                         choices=choices(*RESULTS.items()))
    note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=NOTE_MAX)])


class NoteForm(FlaskForm):
    note = TextAreaField("Note", validators=[DataRequired("Write the note first"), Length(max=NOTE_MAX)])


class ReviewForm(FlaskForm):
    note = TextAreaField("Clinical note (optional)", validators=[Optional(), Length(max=NOTE_MAX)])
