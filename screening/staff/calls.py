"""What one call (or text, or email) to a patient means for their request: pure rules, no I/O.

One outcome sets everything a call changes: the attempt's coarse result (kept in `request_events.result`,
'reached' for every outcome that reached the patient, which the clinic's contact figures count on), the
request's next status, and whether a call-back time makes sense.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

METHODS = {"phone": "Phone call", "text": "Text message", "email": "Email"}
_WITH_ARTICLE = {"phone": "a phone call", "text": "a text message", "email": "an email"}
RESULTS = {
    "reached": "Reached the patient",
    "voicemail": "Left a voicemail",
    "no_answer": "No answer",
    "wrong_number": "Wrong number",
    "sent": "Message sent",
}


@dataclass(frozen=True)
class Outcome:
    label: str
    result: str  # a key of RESULTS
    status: str  # the status it moves the request to
    methods: tuple[str, ...]  # how it can have happened
    call_back: bool  # whether a call-back time may go with it


OUTCOMES = {
    "reached_booked": Outcome("Reached: booked", "reached", "scheduled", ("phone", "text", "email"), False),
    "reached_call_back": Outcome("Reached: will call back", "reached", "contacted", ("phone", "text", "email"), True),
    "reached_declined": Outcome(
        "Reached: does not want an appointment", "reached", "declined", ("phone", "text", "email"), False
    ),
    "no_answer": Outcome("No answer", "no_answer", "unable_to_reach", ("phone",), True),
    "voicemail": Outcome("Left a voicemail", "voicemail", "unable_to_reach", ("phone",), True),
    "wrong_number": Outcome("Wrong number", "wrong_number", "unable_to_reach", ("phone", "text"), True),
    "message_sent": Outcome("Message sent", "sent", "unable_to_reach", ("text", "email"), True),
}
# The longest a call-back may be planned ahead: further than this is a typing slip (a wrong year).
CALL_BACK_HORIZON = timedelta(days=90)


def method_problem(outcome: str, method: str) -> str | None:
    """Why this outcome cannot have happened this way (a voicemail by email), or None."""
    found = OUTCOMES.get(outcome)
    if found is None or method not in METHODS or method in found.methods:
        return None
    ways = " or ".join(_WITH_ARTICLE[m] for m in found.methods)
    return f"“{found.label}” goes with {ways}, not {_WITH_ARTICLE[method]}"


def parse_call_back(text: str, timezone: str, now: datetime) -> datetime:
    """A call-back time typed in clinic time ("2026-11-27T10:30", as a datetime-local field sends it), in UTC.

    Raises ValueError with a message for the person who typed it.
    """
    try:
        typed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError("Enter the call-back date and time, for example 2026-11-27 10:30") from None
    if typed.tzinfo is not None:
        raise ValueError("Enter the call-back time in clinic time, without a time zone")
    try:
        moment = typed.replace(tzinfo=ZoneInfo(timezone)).astimezone(now.tzinfo)
    except OverflowError:  # year 9999 and the like
        raise ValueError(f"Choose a call-back time within {CALL_BACK_HORIZON.days} days") from None
    if moment <= now:
        raise ValueError("The call-back time has passed: choose a later one")
    if moment > now + CALL_BACK_HORIZON:
        raise ValueError(f"Choose a call-back time within {CALL_BACK_HORIZON.days} days")
    return moment


def next_status(current: str, outcome: str, transitions: dict[str, tuple[str, ...]]) -> str:
    """The status after this outcome: its own, where the request may go there; else it stays.

    A booked request that does not answer a reminder call stays booked; a closed one a patient calls
    back about opens again (closed -> contacted is allowed).
    """
    target = OUTCOMES[outcome].status
    return target if target in transitions[current] else current


def should_suggest_closing(status: str, attempts: int, max_attempts: int) -> bool:
    """After `max_attempts` tries without reaching the patient, offer to close as unable to reach."""
    return status == "unable_to_reach" and attempts >= max_attempts
