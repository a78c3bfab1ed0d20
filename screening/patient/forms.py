"""Patient forms: step forms built from the questionnaire definition, and the request form."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from babel.numbers import format_decimal
from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Field, HiddenField, SelectMultipleField, StringField, TextAreaField
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, Length, StopValidation, ValidationError

from .. import clock
from ..forms import INVALID_CHOICE, ChoiceField, Form, choices, codes_of
from ..i18n import N_, current_language
from ..questionnaire import MULTI, SCALE, SCALE_MAX, SCALE_MIN, TEXT, TEXT_MAX, Item

MESSAGE_MAX = 1000
ACCESSIBILITY_MAX = 500
PREFER_NOT_TO_SAY = "prefer_not"
OLDEST_AGE = 115  # older than the oldest people alive: a typing mistake
# Parts of the day the clinic can call in; the form adds the clinic's own hours to each, from CLINIC_HOURS.
BEST_TIMES = {"morning": _l("Mornings"), "afternoon": _l("Afternoons"), "evening": _l("Early evenings")}
# The language for our call: a patient's page language is offered first (codes as stored on the request).
CALL_LANGUAGES = {"en": _l("English"), "es": _l("Spanish (español)")}


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def without_control_characters(text: str | None) -> str | None:
    """Typed text as people meant it: no NUL or other invisible control characters (line breaks stay)."""
    return CONTROL_CHARACTERS.sub("", text) if isinstance(text, str) else text


def normalized_email(text: str) -> str:
    """The address as email_validator writes it, or the form's error when it is not one.

    email_validator is imported here, on the first address checked, not at start-up: compiling
    its patterns costs about 13 ms, which every worker would pay for pages that never ask (issue 15).
    """
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValidationError(gettext("Enter an email address like name@example.com")) from None


def count_message(message: str, count: int) -> LazyString:
    """A message naming a number of characters, written the page language's way ('1,000', '1000')."""
    return LazyString(lambda: gettext(message).format(count=format_decimal(count, locale=current_language())))


class MultiChoiceField(SelectMultipleField):
    """Several answers from a list; an exclusive answer ("None of these") stands alone."""

    def __init__(self, label=None, required_message="", exclusive=(), labels=None, **kwargs):
        super().__init__(label, validate_choice=False, **kwargs)
        self.required_message = required_message
        self.exclusive = frozenset(exclusive)
        self.labels = labels or {}

    def pre_validate(self, form):
        chosen = set(self.data or ())
        if not chosen:
            raise StopValidation(self.required_message)
        if not chosen <= codes_of(self):
            raise StopValidation(INVALID_CHOICE)
        alone = chosen & self.exclusive
        if alone and len(chosen) > 1:
            label = self.labels.get(sorted(alone)[0], gettext("None of these"))
            raise StopValidation(
                gettext("“{label}” cannot be chosen with other answers. Untick it, or untick the others").format(
                    label=label
                )
            )


def field_for(item: Item) -> Field:
    if item.type == TEXT:
        return StringField(
            item.text,
            filters=[without_control_characters],
            validators=[Length(max=TEXT_MAX, message=_l("Use %(max)d characters or fewer. A short name is enough"))],
        )
    if item.type == MULTI:
        return MultiChoiceField(
            item.text,
            required_message=item.required_message,
            exclusive=item.exclusive_codes,
            labels={o.code: o.label for o in item.options},
            choices=choices(*((o.code, o.label) for o in item.options)),
        )
    if item.type == SCALE:
        pairs = [(str(n), str(n)) for n in range(SCALE_MIN, SCALE_MAX + 1)]
    else:
        pairs = [(o.code, o.label) for o in item.options]
    return ChoiceField(item.text, required_message=item.required_message, choices=choices(*pairs))


# Per step's items (a definition's tuple, kept for the life of the app): their form class. Keyed by identity,
# and checked with `is`: hashing the items (options, labels and all) on every request cost more than the form.
_step_forms: dict[int, tuple[tuple[Item, ...], type[Form]]] = {}


def step_form_class(items: tuple[Item, ...]) -> type[Form]:
    """A form class with one field per item; its field names are the linkIds."""
    known = _step_forms.get(id(items))
    if known and known[0] is items:
        return known[1]
    fields: dict[str, Any] = {item.link_id: field_for(item) for item in items}
    fields["asked"] = HiddenField()  # linkIds visible when the page was shown
    fields["return_to"] = HiddenField()
    form_class = type("StepForm", (Form,), fields)
    _step_forms[id(items)] = (items, form_class)
    return form_class


def answer_from_field(item: Item, data: Any) -> Any:
    """The stored form of a field's data: int for scale items, code or list of codes otherwise."""
    if item.type == SCALE:
        return int(data)
    if item.type == TEXT:
        return (data or "").strip() or None
    if item.type == MULTI:
        return [o.code for o in item.options if o.code in set(data)]
    return data


def field_data(item: Item, answer: Any) -> Any:
    return str(answer) if item.type == SCALE else answer


class DateOfBirthField(Field):
    """Month, day and year as three inputs (`<name>-month` ...), easier than a picker."""

    PARTS = ("month", "day", "year")
    MISSING = {
        "month": N_("Date of birth must include a month"),
        "day": N_("Date of birth must include a day"),
        "year": N_("Date of birth must include a year"),
    }

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        self.parts = dict.fromkeys(self.PARTS, "")
        self.data = None
        if formdata is not None:
            self.raw_data = [formdata.get(f"{self.name}-{part}", "")[:8].strip() for part in self.PARTS]
            self.parts = dict(zip(self.PARTS, self.raw_data, strict=True))
        elif isinstance(data, date):
            self.data = data
            self.parts = {"month": str(data.month), "day": str(data.day), "year": str(data.year)}

    def pre_validate(self, form):
        parts = self.parts
        if not any(parts.values()):
            raise StopValidation(gettext("Enter your date of birth"))
        missing = [part for part in self.PARTS if not parts[part]]
        if missing:
            raise StopValidation(gettext(self.MISSING[missing[0]]))
        try:
            year = int(parts["year"])
            born = date(year, int(parts["month"]), int(parts["day"]))
        except ValueError:
            raise StopValidation(gettext("Date of birth must be a real date, for example 3 27 1968")) from None
        if len(parts["year"]) != 4:
            raise StopValidation(gettext("Year of birth must have 4 digits, for example 1968"))
        earliest = clock.now().year - OLDEST_AGE
        if year < earliest:
            raise StopValidation(gettext("Year of birth must be {year} or later. Check the year").format(year=earliest))
        if born > clock.now().date():
            raise StopValidation(gettext("Date of birth must be in the past"))
        if clock.age(born) < 18:
            raise StopValidation(
                gettext("You must be 18 or older to request a consultation online. Please call us instead")
            )
        self.data = born


class SaveForLaterForm(Form):
    email = StringField(_l("Your email address"))

    def validate_email(self, field):
        field.data = normalized_email((field.data or "").strip())


class RequestForm(Form):
    full_name = StringField(
        _l("Full name"),
        filters=[without_control_characters],
        validators=[
            DataRequired(_l("Enter your full name")),
            Length(max=200, message=_l("Name must be 200 characters or fewer")),
        ],
    )
    date_of_birth = DateOfBirthField(_l("Date of birth"))
    preferred_contact = ChoiceField(
        _l("How should we contact you?"),
        required_message=_l("Choose how we should contact you"),
        choices=choices(("phone", _l("Phone call")), ("email", _l("Email")), ("either", _l("Either is fine"))),
    )
    phone = StringField(_l("Phone number"))
    email = StringField(_l("Email address"))
    best_time = MultiChoiceField(
        _l("When are good times to call you?"),
        required_message=_l("Choose at least one time we can call you"),
    )
    voicemail_ok = ChoiceField(
        _l("May we leave a voicemail if you do not answer?"),
        required_message=_l("Tell us if we may leave a voicemail"),
        choices=choices(("yes", _l("Yes")), ("no", _l("No, please call again"))),
    )
    language = ChoiceField(
        _l("Which language do you prefer for our call?"),
        required_message=_l("Choose the language you prefer"),
        choices=choices(*CALL_LANGUAGES.items(), ("other", _l("Another language"))),
    )
    language_other = StringField(
        _l("Which language?"),
        filters=[without_control_characters],
        validators=[Length(max=60, message=_l("Write the language in 60 characters or fewer"))],
    )
    interpreter = ChoiceField(
        _l("Would you like an interpreter?"),
        required_message=_l("Tell us if you would like an interpreter"),
        choices=choices(("no", _l("No")), ("yes", _l("Yes, please"))),
    )
    accessibility_needs = TextAreaField(
        _l("Do you need anything to make the call or the visit easier? (optional)"),
        filters=[without_control_characters],
        validators=[
            Length(
                max=ACCESSIBILITY_MAX,
                message=count_message(N_("Write this in {count} characters or fewer"), ACCESSIBILITY_MAX),
            )
        ],
    )
    location = ChoiceField(_l("Which location would you prefer?"), required_message=_l("Choose a location"))
    patient_status = ChoiceField(
        _l("Have you been to our clinic before?"),
        required_message=_l("Tell us if you have been to our clinic before"),
        choices=choices(("new", _l("No, I am a new patient")), ("existing", _l("Yes, I have been here before"))),
    )
    insurance = ChoiceField(
        _l("What kind of health insurance do you have? (optional)"),
        choices=choices(
            ("medicare", _l("Medicare")),
            ("medicaid", _l("Medicaid")),
            ("commercial", _l("Insurance from an employer or a private plan")),
            ("self_pay", _l("No insurance: I will pay myself")),
            ("other", _l("Other")),
            (PREFER_NOT_TO_SAY, _l("I prefer not to say")),
        ),
    )
    message = TextAreaField(
        _l("Anything else you want us to know? (optional)"),
        filters=[without_control_characters],
        validators=[
            Length(
                max=MESSAGE_MAX,
                message=count_message(
                    N_("Your message is over {count} characters. Shorten it, or tell us the rest when we call"),
                    MESSAGE_MAX,
                ),
            )
        ],
    )
    consent = BooleanField(
        _l(
            "I agree that the clinic may contact me about this request. I understand this "
            "screening is not medical advice or a diagnosis."
        ),
        validators=[DataRequired(_l("Tick the box to agree, so that we can contact you"))],
    )
    # Hidden from people; bots that fill every field give themselves away.
    website = StringField(_l("Leave this empty"))

    def __init__(
        self,
        *args,
        locations=(),
        region="US",
        call_windows=(("morning", ""), ("afternoon", "")),
        language: str = "en",
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        # Only the times the clinic calls in, with its hours: no promise of a call it cannot make.
        self.best_time.choices = choices(
            *((code, f"{BEST_TIMES[code]}, {hours}" if hours else BEST_TIMES[code]) for code, hours in call_windows)
        )
        if self.language.raw_data is None and language in CALL_LANGUAGES:
            self.language.data = language  # a first look at the form: the language of the pages they read
        self.location.choices = choices(*((name, name) for name in locations))
        self.fixed_location = locations[0] if len(locations) == 1 else None
        if self.fixed_location:
            del self["location"]  # nothing to choose
        self.region = region
        self.phone_e164: str | None = None

    def validate_phone(self, field):
        text = (field.data or "").strip()
        if not text:
            raise StopValidation(gettext("Enter a phone number we can call you on"))
        import phonenumbers  # here, not at the top: only a submitted request form needs it (start-up, issue 15)

        try:
            number = phonenumbers.parse(text[:40], self.region)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise ValidationError(gettext("Enter a phone number with its area code, like (202) 555-0143"))
        self.phone_e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def validate_language_other(self, field):
        if self.language.data == "other" and not (field.data or "").strip():
            raise ValidationError(gettext("Write the language you prefer"))

    def validate_email(self, field):
        text = (field.data or "").strip()
        if not text:
            if self.preferred_contact.data in ("email", "either"):
                raise ValidationError(gettext("Enter your email address, or choose phone as the way to reach you"))
            field.data = None
            return
        field.data = normalized_email(text)

    def best_times(self) -> list[str]:
        """The chosen times in the order of the day."""
        return [code for code in BEST_TIMES if code in self.best_time.data]

    @property
    def is_bot(self) -> bool:
        return bool((self.website.data or "").strip())

    def contact_details(self) -> dict[str, Any]:
        return {
            "full_name": self.full_name.data.strip(),
            "phone": self.phone_e164,
            "email": self.email.data or None,
            "date_of_birth": self.date_of_birth.data.isoformat(),
            "preferred_contact": self.preferred_contact.data,
            "best_time": self.best_times()[0],  # the earliest, for readers of the older column
            "best_times": json.dumps(self.best_times()),
            "voicemail_ok": int(self.voicemail_ok.data == "yes"),
            "language": (self.language_other.data or "").strip()
            if self.language.data == "other"
            else self.language.data,
            "interpreter": int(self.interpreter.data == "yes"),
            "accessibility_needs": (self.accessibility_needs.data or "").strip() or None,
            "location": self.fixed_location or self.location.data,
            "patient_status": self.patient_status.data,
            "insurance": None if self.insurance.data in (None, "", PREFER_NOT_TO_SAY) else self.insurance.data,
            "message": (self.message.data or "").strip(),
        }
