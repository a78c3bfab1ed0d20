"""Template filters: times in the clinic's time zone, phone links."""

import json
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from flask import Flask, current_app

from . import clock
from .i18n import current_language, fix_grammar
from .rules.common import URGENCY_LABELS


def local(moment: datetime | str) -> datetime:
    if isinstance(moment, str):
        moment = clock.parse(moment)
    return moment.astimezone(ZoneInfo(current_app.config["CLINIC_TIMEZONE"]))


def _ampm(text: str) -> str:
    return text.replace("AM", "a.m.").replace("PM", "p.m.")


# A date and time for patients, per language other than English (CLDR patterns; English keeps its own below).
PATIENT_TIME_FORMATS = {"es": "EEEE d 'de' MMMM 'a las' h:mm a"}


def patient_time(moment: datetime | str) -> str:
    """'Friday, November 27 at 9:14 a.m.', for patients, in their language ('viernes 27 de noviembre a las 9:14')."""
    language = current_language()
    if language in PATIENT_TIME_FORMATS:
        return fix_grammar(format_datetime(local(moment), PATIENT_TIME_FORMATS[language], locale=language), language)
    return _ampm(local(moment).strftime("%A, %B %-d at %-I:%M %p"))


def patient_date(moment: datetime | str) -> str:
    """'November 27, 2026', for a printed page, in the patient's language."""
    language = current_language()
    if language != "en":
        return format_date(local(moment), "long", locale=language)
    return local(moment).strftime("%B %-d, %Y")


def short_time(moment: datetime | str) -> str:
    """'Jun 10, 10:10 a.m.' ('10 jun, 10:10 a. m.'): compact, for a table the patient reads, in their language."""
    language = current_language()
    if language != "en":
        return fix_grammar(format_datetime(local(moment), "d MMM, h:mm a", locale=language), language)
    return staff_time(moment)


def masked_email(address: str) -> str:
    """'p•••@example.com': enough for the patient to recognise, little for someone looking over a shoulder."""
    name, _, domain = address.partition("@")
    return f"{name[:1]}•••@{domain}"


def staff_time(moment: datetime | str) -> str:
    """'Nov 27, 9:14 a.m.', compact for tables."""
    return _ampm(local(moment).strftime("%b %-d, %-I:%M %p"))


def tel_href(phone: str) -> str:
    return "tel:" + "".join(ch for ch in phone if ch.isdigit() or ch == "+")


def phone_display(e164: str) -> str:
    """A stored E.164 number the way people in the clinic's region write it."""
    return _phone_display(e164, current_app.config["PHONE_REGION"])


@lru_cache(maxsize=4096)
def _phone_display(e164: str, region: str) -> str:
    """Parsing a number takes a tenth of a millisecond, and a queue page shows fifty: each is worked out once."""
    import phonenumbers  # on the first number shown, not at start-up (issue 15)

    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    home = phonenumbers.region_code_for_number(number) == region
    style = phonenumbers.PhoneNumberFormat.NATIONAL if home else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


# The languages the request form offers, by code; anything else is stored as the patient typed it.
LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


def call_language(stored: str | None) -> str:
    """The language to call a patient in, for the front desk; empty for English, which needs no note."""
    name = LANGUAGE_NAMES.get(stored or "", stored or "")
    return "" if name.lower() == "english" else name


def init_app(app: Flask) -> None:
    app.add_template_filter(phone_display, "phone")
    app.add_template_filter(patient_time, "local_time")
    app.add_template_filter(patient_date, "local_date")
    app.add_template_filter(masked_email, "masked_email")
    app.add_template_filter(staff_time, "staff_time")
    app.add_template_filter(tel_href, "tel")
    app.add_template_filter(call_language, "call_language")
    app.add_template_filter(URGENCY_LABELS.get, "urgency_label")
    app.add_template_filter(json.loads, "from_json")


class ClinicTimes:
    """Stored UTC times ("2026-11-26T17:05:00+00:00") as ISO text in the clinic's zone, with its offset, for
    exports of many rows.

    The zone's offset is worked out once per day of UTC and added to each time (0.6 us a time, against
    1.1 us through the zone: a fifth of the queue export). A day in which the offset changes (a switch to
    or from daylight saving time), or a time stored some other way, goes through the zone itself.
    """

    def __init__(self, zone: ZoneInfo):
        self.zone = zone
        self._days: dict[str, tuple[timedelta, str] | None] = {}

    def __call__(self, text: str) -> str:
        day = text[:10]
        if len(text) == 25 and text.endswith("+00:00"):
            if day not in self._days:
                self._days[day] = self._fixed_offset(datetime.fromisoformat(day + "T00:00:00+00:00"))
            fixed = self._days[day]
            if fixed:
                return (datetime.fromisoformat(text[:19]) + fixed[0]).isoformat() + fixed[1]
        return clock.parse(text).astimezone(self.zone).isoformat()

    def _fixed_offset(self, start: datetime) -> tuple[timedelta, str] | None:
        """The offset all through the day from `start`, with its ISO text ("-05:00"); None if it changes."""
        first = start.astimezone(self.zone)
        last = (start + timedelta(days=1, seconds=-1)).astimezone(self.zone)
        if first.utcoffset() != last.utcoffset():
            return None
        return first.utcoffset(), first.isoformat()[19:]
