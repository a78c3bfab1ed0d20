"""The diary's forms. Every sentence a patient reads outside the templates is in this module, in the catalog."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from .. import clock
from ..forms import ChoiceField, Form, choices
from ..patient.forms import MultiChoiceField
from . import vocab

PAIN_SCALE = choices(*((str(n), str(n)) for n in range(11)))
PAIN_ANCHORS = (_l("no pain"), _l("worst pain you can imagine"))
YES_NO = choices(("yes", _l("Yes")), ("no", _l("No")))

# Patient-facing words (the templates hold the rest).
PATIENT_TEXT = {
    "code_label": _l("Your diary code"),
    "code_missing": _l("Enter the code printed on your diary sheet"),
    "code_refused": _l(
        "This code does not open a diary. Check it against your sheet. A diary can be filled in for "
        "%(hours)s hours after the injection; after that, call the clinic."
    ),
    "baseline_label": _l("Before the injection, how bad was your usual pain when doing the activity that hurts most?"),
    "baseline_missing": _l("Choose a number from 0 to 10 for your usual pain"),
    "pain_label": _l("How bad is your pain right now?"),
    "pain_missing": _l("Choose a number from 0 to 10 for your pain now"),
    "tried_label": _l("Since your last entry, did you try the activity that usually hurts most?"),
    "tried_missing": _l("Say whether you tried the activity"),
    "medicine_label": _l("Since your last entry, did you take any pain medicine?"),
    "medicine_missing": _l("Say whether you took any pain medicine"),
    "returned_label": _l("Has your usual pain come back?"),
    "returned_missing": _l("Choose when your usual pain came back, or that it has not come back yet"),
    "saved_baseline": _l("Saved: your usual pain before the injection."),
    "saved_entry": _l("Saved: your entry for %(time)s after the injection."),
    "saved_returned": _l("Saved: when your usual pain came back."),
    "entry_not_open": _l("That entry is not open now. Please use the form below."),
    "qr_title": _l("QR code that opens the diary"),
}
RETURN_LABELS = {
    "under_1": _l("Yes, less than 1 hour after the injection"),
    "1": _l("Yes, about 1 hour after the injection"),
    **{str(h): _l("Yes, about %(hours)d hours after the injection", hours=h) for h in range(2, 7)},
    "over_6": _l("Yes, more than 6 hours after the injection"),
    "not_yet": _l("No, not yet"),
}


def slot_label(minutes: int) -> str:
    """'15 minutes', '1 hour', '90 minutes', '2 hours' after the injection, in the page's language."""
    if minutes % 60 == 0:
        return ngettext("%(num)d hour", "%(num)d hours", minutes // 60)
    return ngettext("%(num)d minute", "%(num)d minutes", minutes)


class CodeForm(Form):
    code = StringField(
        PATIENT_TEXT["code_label"], validators=[DataRequired(PATIENT_TEXT["code_missing"]), Length(max=40)]
    )


class BaselineForm(Form):
    pain = ChoiceField(
        PATIENT_TEXT["baseline_label"], required_message=PATIENT_TEXT["baseline_missing"], choices=PAIN_SCALE
    )


class EntryForm(Form):
    slot = HiddenField()
    correct = HiddenField()
    pain = ChoiceField(PATIENT_TEXT["pain_label"], required_message=PATIENT_TEXT["pain_missing"], choices=PAIN_SCALE)
    tried = ChoiceField(PATIENT_TEXT["tried_label"], required_message=PATIENT_TEXT["tried_missing"], choices=YES_NO)
    medicine = ChoiceField(
        PATIENT_TEXT["medicine_label"], required_message=PATIENT_TEXT["medicine_missing"], choices=YES_NO
    )


class ReturnForm(Form):
    returned = ChoiceField(
        PATIENT_TEXT["returned_label"],
        required_message=PATIENT_TEXT["returned_missing"],
        choices=choices(*RETURN_LABELS.items()),
    )


# Staff forms


def clinic_moment(day: str, time: str) -> datetime | None:
    """A date and a time typed in the clinic's time zone, as an aware datetime; None when unreadable."""
    try:
        naive = datetime.strptime(f"{(day or '').strip()} {(time or '').strip()}", "%Y-%m-%d %H:%M")
    except ValueError:
        return None
    return naive.replace(tzinfo=ZoneInfo(current_app.config["CLINIC_TIMEZONE"]))


def clinic_day(moment: datetime) -> str:
    """The date in the clinic's time zone, as a date field shows it."""
    return moment.astimezone(ZoneInfo(current_app.config["CLINIC_TIMEZONE"])).strftime("%Y-%m-%d")


class BlockForm(Form):
    block_number = ChoiceField(
        "Block in this episode",
        required_message="Choose the first or the second block",
        choices=choices(("1", "First diagnostic block"), ("2", "Second diagnostic block")),
    )
    injected_date = StringField("Date of the injection", validators=[DataRequired("Enter the date of the injection")])
    injected_time = StringField("Time of the injection", validators=[DataRequired("Enter the time of the injection")])
    levels = MultiChoiceField(
        "Levels",
        required_message="Choose at least one level",
        choices=choices(*((level, level) for level in vocab.LEVELS)),
    )
    side = ChoiceField("Side", required_message="Choose the side", choices=choices(*vocab.SIDES.items()))
    medicine = ChoiceField(
        "Numbing medicine", required_message="Choose the numbing medicine", choices=choices(*vocab.MEDICINES.items())
    )
    medicine_other = StringField("Other medicine: its name", validators=[Length(max=100)])
    other_hours = StringField("Other medicine: expected hours of effect")
    sedation = ChoiceField(
        "Sedation", required_message="Choose the sedation given", choices=choices(*vocab.SEDATION.items())
    )
    physician = ChoiceField("Physician who gave the block", required_message="Choose the physician")

    def __init__(self, *args, physicians=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.physician.choices = choices(*((str(p["id"]), p["display_name"]) for p in physicians))

    def validate_injected_time(self, field):
        moment = clinic_moment(self.injected_date.data, field.data)
        if moment is None:
            raise ValidationError("Enter the date as YYYY-MM-DD and the time as HH:MM (24-hour clock)")
        now = clock.now()
        if moment > now + timedelta(minutes=10):
            raise ValidationError("The injection time is in the future: record a block after it is given")
        if moment < now - timedelta(days=7):
            raise ValidationError("The injection was more than 7 days ago: its diary can no longer be kept")

    def validate_medicine_other(self, field):
        if self.medicine.data == "other" and not (field.data or "").strip():
            raise ValidationError("Enter the name of the other medicine")

    def validate_other_hours(self, field):
        if self.medicine.data != "other":
            return
        try:
            hours = float((field.data or "").strip())
        except ValueError:
            raise ValidationError("Enter the other medicine's expected hours of effect, e.g. 3") from None
        if not 0 < hours <= 48:
            raise ValidationError("Enter a number of hours between 0 and 48")

    @property
    def injected_at(self) -> datetime:
        return clinic_moment(self.injected_date.data, self.injected_time.data)


class PaperEntryForm(Form):
    entry = ChoiceField("Which entry of the paper diary", required_message="Choose which entry this is")
    observed_date = StringField("Date written on the paper", validators=[DataRequired("Enter the date")])
    observed_time = StringField("Time written on the paper", validators=[DataRequired("Enter the time")])
    pain = ChoiceField("Pain (0 to 10)", required_message="Choose the pain score", choices=PAIN_SCALE)
    tried = ChoiceField("Tried the activity", choices=YES_NO)
    medicine = ChoiceField("Took pain medicine since the last entry", choices=YES_NO)

    def __init__(self, *args, schedule=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.entry.choices = choices(
            ("baseline", "Usual pain before the block"), *((str(m), slot_label(m) + " after") for m in schedule)
        )

    def validate_observed_time(self, field):
        moment = clinic_moment(self.observed_date.data, field.data)
        if moment is None:
            raise ValidationError("Enter the date as YYYY-MM-DD and the time as HH:MM (24-hour clock)")
        if moment > clock.now() + timedelta(minutes=10):
            raise ValidationError("The time is in the future")

    def validate(self, extra_validators=None) -> bool:
        """A scheduled entry needs both yes/no answers; the usual pain before the block needs neither."""
        valid = super().validate(extra_validators)
        if self.entry.data and self.entry.data != "baseline":
            for field, message in (
                (self.tried, "Say whether the patient tried the activity"),
                (self.medicine, "Say whether the patient took pain medicine"),
            ):
                if not field.data:
                    field.errors = [message]
                    valid = False
        return valid

    @property
    def observed_at(self) -> datetime:
        return clinic_moment(self.observed_date.data, self.observed_time.data)
