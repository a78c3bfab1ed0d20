"""When the clinic is open, so a call-back promise falls in hours when calls are made.

Pure: no Flask, no database. Opening hours are wall-clock times in the clinic's time zone; they are
turned into UTC instants one day at a time, so counting open time across a DST change counts the real
elapsed time. Every datetime argument must be timezone-aware (any zone); every result is UTC.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_skeleton, format_time

DEFAULT_HOURS = "Mon-Fri 08:00-17:00"
SLA_MODES = ("business", "clock")
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
FULL_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
END_OF_DAY = time.max  # how a closing time of "24:00" is stored
NOON, EVENING = time(12), time(17)

Interval = tuple[time, time]

_GROUP = re.compile(r"\s*(\D+?)\s+(\d.*?)\s*")
_RANGE = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_hours(text: str) -> dict[int, tuple[Interval, ...]]:
    """'Mon-Fri 08:00-12:00, 13:00-17:00; Sat 09:00-12:00' -> {weekday (Mon=0): ((open, close), ...)}.

    Only the syntax is checked here; ClinicHours checks that the hours make sense.
    """
    week: dict[int, list[Interval]] = {}
    groups = [group for group in text.split(";") if group.strip()]
    if not groups:
        raise ValueError(f"Clinic hours are empty; write them like {DEFAULT_HOURS!r}")
    for group in groups:
        match = _GROUP.fullmatch(group)
        if not match:
            raise ValueError(f"Clinic hours {group.strip()!r}: write days then times, like {DEFAULT_HOURS!r}")
        days_text, times_text = match.groups()
        intervals = [_parse_range(piece, group) for piece in times_text.split(",")]
        for weekday in _parse_days(days_text, group):
            week.setdefault(weekday, []).extend(intervals)
    return {weekday: tuple(sorted(intervals)) for weekday, intervals in week.items()}


def _parse_days(text: str, group: str) -> list[int]:
    days: list[int] = []
    for item in text.split(","):
        first, _, last = item.strip().partition("-")
        start, end = _day_index(first, group), _day_index(last or first, group)
        if end < start:
            raise ValueError(
                f"Clinic hours {group.strip()!r}: {item.strip()!r} runs backwards; "
                f"write a week-end range as 'Fri-Sun,Mon'"
            )
        days.extend(range(start, end + 1))
    return days


def _day_index(name: str, group: str) -> int:
    names = [day.lower() for day in DAY_NAMES]
    if name.strip().lower() not in names:
        raise ValueError(f"Clinic hours {group.strip()!r}: unknown day {name.strip()!r}; use {' '.join(DAY_NAMES)}")
    return names.index(name.strip().lower())


def _parse_range(piece: str, group: str) -> Interval:
    match = _RANGE.fullmatch(piece)
    if not match:
        raise ValueError(f"Clinic hours {group.strip()!r}: {piece.strip()!r} is not a time range like 08:00-17:00")
    open_hour, open_minute, close_hour, close_minute = (int(number) for number in match.groups())
    try:
        opens = time(open_hour, open_minute)
        closes = END_OF_DAY if (close_hour, close_minute) == (24, 0) else time(close_hour, close_minute)
    except ValueError:
        raise ValueError(
            f"Clinic hours {group.strip()!r}: {piece.strip()!r} is not a time of day "
            f"(00:00 to 23:59, or 24:00 for a closing time)"
        ) from None
    return opens, closes


def parse_holidays(text: str) -> frozenset[date]:
    """'2026-12-25, 2027-01-01' -> dates in the clinic's time zone. An empty string means no holidays."""
    holidays = set()
    for item in (item.strip() for item in text.split(",")):
        if not item:
            continue
        try:
            if not _DATE.fullmatch(item):
                raise ValueError
            holidays.add(date.fromisoformat(item))
        except ValueError:
            raise ValueError(f"Clinic holidays: {item!r} is not a date like 2026-12-25") from None
    return frozenset(holidays)


def parse_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"Clinic time zone {name!r} is unknown; use a name like 'America/New_York'") from None


def _same(message: str) -> str:
    return message


@dataclass(frozen=True)
class Words:
    """How days and times are said: English unless the app passes a patient's language and its catalog.

    The English phrases below are the catalog's msgids (kept in step by `make translations`); days,
    months and a.m./p.m. come from Babel's locale data.
    """

    translate: Callable[[str], str] = _same
    locale: str = "en"


ENGLISH = Words()
# The phrases, marked for extraction (babel.cfg: `-k N_`); English needs no lookup.
N_ = _same
PHRASES = (
    N_("today by {time}"),
    N_("tomorrow by {time}"),
    N_("{weekday} by {time}"),
    N_("{weekday}, {date} by {time}"),
    N_("today at {time}"),
    N_("tomorrow at {time}"),
    N_("{weekday} at {time}"),
    N_("{weekday}, {date} at {time}"),
    N_("The clinic is closed now. It opens again {when}"),
    N_("{first} to {last}"),
    N_("{first} and {last}"),
    N_("{opens} to {closes}"),
    N_("{times} and {more}"),
    N_("12 noon"),
    N_("12 midnight"),
)


def end_sentence(text: str) -> str:
    """Add a full stop unless the text already ends with one ('... 10 a.m.'), so none is ever doubled."""
    return text if text.endswith(".") else text + "."


@dataclass(frozen=True)
class ClinicHours:
    """The clinic's weekly opening hours (wall clock, Mon=0) and whole-day holidays, in its time zone."""

    timezone: ZoneInfo
    week: dict[int, tuple[Interval, ...]]
    holidays: frozenset[date] = frozenset()

    @classmethod
    def from_config(cls, hours: str, holidays: str, timezone: str) -> Self:
        """From the setting strings; ValueError with a readable message when any of them is malformed."""
        return cls(parse_timezone(timezone), parse_hours(hours), parse_holidays(holidays))

    def __post_init__(self) -> None:
        # Sorted, copied intervals: the interval walk below relies on that order.
        week = {weekday: tuple(sorted(intervals)) for weekday, intervals in self.week.items() if intervals}
        object.__setattr__(self, "week", week)
        for weekday, intervals in week.items():
            if weekday not in range(7):
                raise ValueError(f"Clinic hours: weekday {weekday!r} is not 0 (Mon) to 6 (Sun)")
            day = DAY_NAMES[weekday]
            for opens, closes in intervals:
                if closes <= opens:
                    raise ValueError(f"Clinic hours on {day}: {_range_text(opens, closes)} must close after it opens")
            for earlier, later in pairwise(intervals):
                if later[0] < earlier[1]:
                    raise ValueError(
                        f"Clinic hours on {day} overlap: {_range_text(*earlier)} and {_range_text(*later)}"
                    )
        if not week:
            raise ValueError("Clinic hours: the clinic is never open, so no call-back time could be promised")

    def is_open(self, at: datetime) -> bool:
        return self.next_opening(at) == _utc(at)

    def next_opening(self, at: datetime) -> datetime:
        """`at` itself while open, else the next moment the clinic opens."""
        at = _utc(at)
        return next(max(start, at) for start, end in self._open_intervals(at) if end > at)

    def add_open_hours(self, start: datetime, hours: float) -> datetime:
        """The moment `hours` of opening time have passed since `start`; closed time does not count."""
        if hours < 0:
            raise ValueError(f"hours must not be negative, got {hours!r}")
        cursor, remaining = _utc(start), timedelta(hours=hours)
        for opens, closes in self._open_intervals(cursor):
            if closes <= cursor:
                continue
            begin = max(opens, cursor)
            if remaining <= closes - begin:
                return begin + remaining
            remaining -= closes - begin
        raise AssertionError("unreachable: the open intervals never end")

    def due_at(self, created: datetime, hours: float, mode: str) -> datetime:
        """When a call promised `hours` after `created` is due.

        "business": `hours` of opening time. "clock": `hours` of real time, moved to the next opening when
        that falls while the clinic is closed, so the promise is one the clinic can keep. Ending exactly at
        a closing time keeps that time: calls are made up to it.
        """
        if mode == "business":
            return self.add_open_hours(created, hours)
        if mode != "clock":
            raise ValueError(f"Unknown contact SLA mode {mode!r}; use one of {', '.join(SLA_MODES)}")
        if hours < 0:
            raise ValueError(f"hours must not be negative, got {hours!r}")
        moment = _utc(created) + timedelta(hours=hours)  # in UTC, so a DST change does not shift it
        return next(max(start, moment) for start, end in self._open_intervals(moment) if end >= moment)

    def promise_in_words(self, due: datetime, now: datetime, words: Words = ENGLISH) -> str:
        """'today by 3:30 p.m.', 'tomorrow by 10 a.m.', 'Monday by 12 noon', 'Monday, December 28 by 10 a.m.'.

        No sentence punctuation of its own: use end_sentence() rather than appending a full stop.
        """
        due_local = _utc(due).astimezone(self.timezone)
        day = due_local.date()
        if (due_local.hour, due_local.minute) == (0, 0):
            day -= timedelta(days=1)  # "Monday by 12 midnight" is the end of Monday
        return self._day_in_words(day, now, "by", _time_in_words(due_local.time(), words), words)

    def closed_now_message(self, now: datetime, words: Words = ENGLISH) -> str | None:
        """None while open, else a full sentence saying when the clinic opens again."""
        if self.is_open(now):
            return None
        opening = self.next_opening(now).astimezone(self.timezone)
        when = self._day_in_words(opening.date(), now, "at", _time_in_words(opening.time(), words), words)
        return end_sentence(words.translate("The clinic is closed now. It opens again {when}").format(when=when))

    def week_in_words(self, words: Words = ENGLISH) -> str:
        """'Monday to Friday, 8 a.m. to 5 p.m.; Saturday, 9 a.m. to 12 noon': days with the same hours together."""
        groups: list[tuple[list[int], tuple[Interval, ...]]] = []
        for weekday in range(7):
            intervals = self.week.get(weekday)
            if not intervals:
                continue
            if groups and groups[-1][1] == intervals and groups[-1][0][-1] == weekday - 1:
                groups[-1][0].append(weekday)
            else:
                groups.append(([weekday], intervals))
        parts = []
        for days, intervals in groups:
            first, last = _weekday_name(days[0], words), _weekday_name(days[-1], words)
            named = (
                first
                if len(days) == 1
                else words.translate("{first} to {last}" if len(days) > 2 else "{first} and {last}").format(
                    first=first, last=last
                )
            )
            ranges = [_range_in_words(o, c, words) for o, c in intervals]
            times = ranges[0]
            for more in ranges[1:]:
                times = words.translate("{times} and {more}").format(times=times, more=more)
            parts.append(f"{named}, {times}")
        return "; ".join(parts)

    def call_windows(self, words: Words = ENGLISH) -> list[tuple[str, str]]:
        """Parts of the day the clinic can call in, with their hours: ('afternoon', '12 noon to 5 p.m.')."""
        opens = min(o for intervals in self.week.values() for o, _c in intervals)
        closes = max(c for intervals in self.week.values() for _o, c in intervals)
        windows = []
        for name, start, end in (
            ("morning", time.min, NOON),
            ("afternoon", NOON, EVENING),
            ("evening", EVENING, END_OF_DAY),
        ):
            if opens < end and closes > start:
                windows.append((name, _range_in_words(max(opens, start), min(closes, end), words)))
        return windows

    def _day_in_words(self, day: date, now: datetime, by_or_at: str, time_words: str, words: Words) -> str:
        """'Monday by 10 a.m.': the day named relative to today within the coming week; beyond
        (or in the past) with its date."""
        days_ahead = (day - _utc(now).astimezone(self.timezone).date()).days
        weekday = _weekday_name(day.weekday(), words)
        if days_ahead == 0:
            phrase = "today {} {{time}}"
        elif days_ahead == 1:
            phrase = "tomorrow {} {{time}}"
        elif 2 <= days_ahead <= 6:
            phrase = "{{weekday}} {} {{time}}"
        else:
            phrase = "{{weekday}}, {{date}} {} {{time}}"
        english_date = f"{day:%B} {day.day}"
        on_date = english_date if words.locale == "en" else format_skeleton("MMMMd", day, locale=words.locale)
        return words.translate(phrase.format(by_or_at)).format(weekday=weekday, date=on_date, time=time_words)

    def _open_intervals(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open stretches as UTC (start, end), in order and never overlapping, from the day before `since` on.

        The day before, so a stretch closing at 24:00 is seen. A time that a spring-forward skips is read
        with the offset before the change (zoneinfo's rule); clipping each start to the previous end then
        keeps an instant from being counted twice.
        """
        day = since.astimezone(self.timezone).date() - timedelta(days=1)
        previous_end = datetime.min.replace(tzinfo=UTC)
        while True:
            if day not in self.holidays:
                for opens, closes in self.week.get(day.weekday(), ()):
                    start, end = max(self._instant(day, opens), previous_end), self._instant(day, closes)
                    if end > start:
                        yield start, end
                        previous_end = end
            day += timedelta(days=1)

    def _instant(self, day: date, wall_time: time) -> datetime:
        if wall_time == END_OF_DAY:
            day, wall_time = day + timedelta(days=1), time(0)
        return datetime.combine(day, wall_time, self.timezone).astimezone(UTC)


def _utc(moment: datetime) -> datetime:
    if moment.utcoffset() is None:
        raise ValueError(f"a timezone-aware datetime is needed, got {moment!r}")
    return moment.astimezone(UTC)


def _weekday_name(weekday: int, words: Words) -> str:
    if words.locale == "en":
        return FULL_DAY_NAMES[weekday]
    return format_date(date(2024, 1, 1) + timedelta(days=weekday), "EEEE", locale=words.locale)  # 2024-01-01: Mon


def _range_in_words(opens: time, closes: time, words: Words) -> str:
    return words.translate("{opens} to {closes}").format(
        opens=_time_in_words(opens, words), closes=_time_in_words(closes, words)
    )


def _time_in_words(wall_time: time, words: Words = ENGLISH) -> str:
    """'10 a.m.', '3:30 p.m.', '12 noon', '12 midnight' (seconds dropped: the time said is never after the due time)."""
    if wall_time.minute == 0 and wall_time.hour in (0, 12):
        return words.translate("12 noon" if wall_time.hour == 12 else "12 midnight")
    if words.locale != "en":  # the language's own way: '10 a. m.' in Spanish
        return format_time(wall_time, "h a" if wall_time.minute == 0 else "h:mm a", locale=words.locale)
    hour = wall_time.hour % 12 or 12
    suffix = "a.m." if wall_time.hour < 12 else "p.m."
    return f"{hour} {suffix}" if wall_time.minute == 0 else f"{hour}:{wall_time.minute:02d} {suffix}"


def _range_text(opens: time, closes: time) -> str:
    return f"{opens:%H:%M}-{'24:00' if closes == END_OF_DAY else f'{closes:%H:%M}'}"
