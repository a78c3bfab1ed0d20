"""The call-back promise: when a request is due, counted in the clinic's hours, and how to say it.

One place decides it for the request that is stored, every page and email that
repeats it, and the staff queue that works to it. Routine requests are due
`CONTACT_SLA_HOURS` after sending, counted as `CONTACT_SLA_MODE` says ("clock":
real hours, moved to the next opening when they end while the clinic is closed;
"business": opening hours only). Urgent ones are due `URGENT_CONTACT_HOURS`
opening hours after sending: outside hours the patient is told where to get care
now, and when the clinic will call.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app
from flask_babel import gettext

from . import clock
from .clinic_hours import ClinicHours, Words, end_sentence
from .i18n import current_language, fix_grammar


def clinic() -> ClinicHours:
    return current_app.extensions["clinic_hours"]


def due_at(urgent: bool, sent: datetime) -> datetime:
    config = current_app.config
    if urgent:
        return clinic().due_at(sent, config["URGENT_CONTACT_HOURS"], "business")
    return clinic().due_at(sent, config["CONTACT_SLA_HOURS"], config["CONTACT_SLA_MODE"])


def words() -> Words:
    """Days and times in the language of the page (English on staff pages)."""
    return Words(gettext, current_language())


def in_words(due: datetime | str) -> str:
    """'Monday by 10 a.m.' from now; no full stop of its own."""
    said = clinic().promise_in_words(clock.parse(due) if isinstance(due, str) else due, clock.now(), words())
    return fix_grammar(said, current_language())


def init_app(app: Flask) -> None:
    """Read the hours once: a malformed setting stops the app at start-up with a clear message."""
    config = app.config
    app.extensions["clinic_hours"] = ClinicHours.from_config(
        config["CLINIC_HOURS"], config["CLINIC_HOLIDAYS"], config["CLINIC_TIMEZONE"]
    )
    if config["CONTACT_SLA_MODE"] not in ("clock", "business"):
        raise ValueError(f"CONTACT_SLA_MODE must be 'clock' or 'business', not {config['CONTACT_SLA_MODE']!r}")
    app.add_template_filter(in_words, "promise")
    app.add_template_filter(end_sentence, "end_sentence")

    week_in_words = {}  # fixed for the life of the app: worked out once per language

    @app.context_processor
    def clinic_hours_words() -> dict:
        language = current_language()
        if language not in week_in_words:
            week_in_words[language] = app.extensions["clinic_hours"].week_in_words(words())
        return {"clinic_hours_text": week_in_words[language]}

    @app.template_global()
    def clinic_closed_now() -> str | None:
        """When the clinic is closed, a sentence saying when it opens again (worked out only by the pages that
        say it: as a context value it cost 4% of rendering every page)."""
        said = app.extensions["clinic_hours"].closed_now_message(clock.now(), words())
        return fix_grammar(said, current_language()) if said else None
