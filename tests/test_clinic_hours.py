"""Clinic hours and call-back promises. Every expected value was worked out by hand from a calendar.

2026 calendar used here: Fri June 5, Sat June 6, Mon June 8, Tue June 9, Wed June 10 (EDT, UTC-4).
New York DST starts Sun March 8 and ends Sun November 1; Berlin's starts Sun March 29.
Labor Day is Mon September 7; Christmas is a Friday; New Year's Day 2027 is a Friday.
"""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from screening.clinic_hours import END_OF_DAY, ClinicHours, end_sentence, parse_holidays, parse_hours

NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = "Mon-Fri 08:00-17:00"  # 9 open hours a day
LUNCH_BREAK = "Mon-Fri 08:00-12:00, 13:00-17:00"  # 8 open hours a day
CHRISTMAS = "2026-12-25, 2027-01-01"


def ny(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=NEW_YORK)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def clinic(hours: str = WEEKDAYS, holidays: str = "", timezone: str = "America/New_York") -> ClinicHours:
    return ClinicHours.from_config(hours, holidays, timezone)


def assert_same_moment_in_utc(result: datetime, expected: datetime) -> None:
    assert result.tzinfo is UTC
    assert result == expected


# --- counting open hours -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        (ny(2026, 6, 5, 20), 24, ny(2026, 6, 10, 14)),  # Fri 8 p.m.: Mon 9 + Tue 9 + Wed 6 -> Wed 2 p.m.
        (ny(2026, 6, 5, 20), 2, ny(2026, 6, 8, 10)),  # Fri 8 p.m. -> Mon 10 a.m.
        (ny(2026, 6, 9, 16, 30), 2, ny(2026, 6, 10, 9, 30)),  # Tue half an hour + Wed 1.5 hours
        (ny(2026, 6, 9, 8), 2, ny(2026, 6, 9, 10)),  # exactly at opening
        (ny(2026, 6, 9, 17), 2, ny(2026, 6, 10, 10)),  # exactly at closing: counting starts Wed 8 a.m.
        (ny(2026, 6, 9, 7), 2, ny(2026, 6, 9, 10)),  # before opening
        (ny(2026, 6, 9, 8), 9, ny(2026, 6, 9, 17)),  # a whole day ends at closing, not the next morning
        (ny(2026, 6, 5, 16), 1.5, ny(2026, 6, 8, 8, 30)),  # Fri 1 hour + Mon half an hour
        (ny(2026, 6, 5, 20), 45, ny(2026, 6, 12, 17)),  # five whole days
        (ny(2026, 6, 6, 12), 0, ny(2026, 6, 8, 8)),  # no hours from a Saturday: the next opening
        (utc(2026, 6, 6, 0), 2, ny(2026, 6, 8, 10)),  # Fri 8 p.m. in New York, given in UTC (already Saturday)
        (datetime(2026, 6, 6, 9, tzinfo=ZoneInfo("Asia/Tokyo")), 2, ny(2026, 6, 8, 10)),  # the same, from Tokyo
    ],
)
def test_add_open_hours_on_weekdays(start, hours, expected):
    assert_same_moment_in_utc(clinic().add_open_hours(start, hours), expected)


@pytest.mark.parametrize(
    ("holidays", "start", "hours", "expected"),
    [
        ("2026-09-07", ny(2026, 9, 4, 20), 2, ny(2026, 9, 8, 10)),  # Labor Day Monday -> Tuesday
        (CHRISTMAS, ny(2026, 12, 24, 16), 2, ny(2026, 12, 28, 9)),  # Thu 1 hour, Christmas Friday, Mon 1 hour
        (CHRISTMAS, ny(2026, 12, 23, 12), 24, ny(2026, 12, 29, 9)),  # Wed 5 + Thu 9 + Mon 9 + Tue 1
        (CHRISTMAS, ny(2026, 12, 31, 16), 2, ny(2027, 1, 4, 9)),  # New Year's Day Friday
        (CHRISTMAS, ny(2026, 12, 25, 10), 0, ny(2026, 12, 28, 8)),  # on the holiday itself
    ],
)
def test_add_open_hours_skips_holidays(holidays, start, hours, expected):
    assert_same_moment_in_utc(clinic(holidays=holidays).add_open_hours(start, hours), expected)


@pytest.mark.parametrize(
    ("hours_text", "start", "hours", "expected"),
    [
        (LUNCH_BREAK, ny(2026, 6, 9, 11), 2, ny(2026, 6, 9, 14)),  # 11-12, lunch, 13-14
        (LUNCH_BREAK, ny(2026, 6, 9, 11), 1, ny(2026, 6, 9, 12)),  # ends as lunch begins
        (LUNCH_BREAK, ny(2026, 6, 9, 12, 30), 1, ny(2026, 6, 9, 14)),  # starts during lunch
        (LUNCH_BREAK, ny(2026, 6, 9, 12), 0, ny(2026, 6, 9, 13)),
        (LUNCH_BREAK, ny(2026, 6, 5, 20), 24, ny(2026, 6, 10, 17)),  # Mon 8 + Tue 8 + Wed 8
        ("Mon-Fri 08:00-17:00; Sat 09:00-12:00", ny(2026, 6, 5, 20), 2, ny(2026, 6, 6, 11)),  # Saturday morning
        ("Mon-Fri 08:00-17:00; Sat 09:00-12:00", ny(2026, 6, 5, 20), 4, ny(2026, 6, 8, 9)),  # Sat 3 + Mon 1
        ("Mon,Wed 08:00-17:00", ny(2026, 6, 8, 16), 2, ny(2026, 6, 10, 9)),  # Tuesday is closed
        ("Mon-Fri 16:00-24:00", ny(2026, 6, 5, 20), 4, ny(2026, 6, 6, 0)),  # closes at midnight
    ],
)
def test_add_open_hours_with_other_schedules(hours_text, start, hours, expected):
    assert_same_moment_in_utc(clinic(hours_text).add_open_hours(start, hours), expected)


@pytest.mark.parametrize(
    ("hours_text", "timezone", "start", "hours", "expected"),
    [
        # Weekday hours across the change: Friday is EST (UTC-5), Monday EDT (UTC-4); still Monday 10 a.m.
        (WEEKDAYS, "America/New_York", ny(2026, 3, 6, 20), 2, utc(2026, 3, 9, 14)),
        (WEEKDAYS, "America/New_York", ny(2026, 3, 6, 16), 2, utc(2026, 3, 9, 13)),  # Fri 1 hour + Mon 9 a.m. EDT
        # Fall back: Friday EDT, Monday EST (UTC-5).
        (WEEKDAYS, "America/New_York", ny(2026, 10, 30, 20), 2, utc(2026, 11, 2, 15)),
        (WEEKDAYS, "America/New_York", ny(2026, 10, 30, 16), 2, utc(2026, 11, 2, 14)),
        # Berlin changes three weeks after New York: Fri CET (UTC+1) -> Mon 10 a.m. CEST (UTC+2).
        (
            WEEKDAYS,
            "Europe/Berlin",
            datetime(2026, 3, 27, 20, tzinfo=ZoneInfo("Europe/Berlin")),
            2,
            utc(2026, 3, 30, 8),
        ),
        # Open through 2 a.m.: Sun March 8 00:00 EST (05:00 UTC) to 06:00 EDT (10:00 UTC) is only 5 real hours.
        ("Sun 00:00-06:00", "America/New_York", ny(2026, 3, 7, 12), 4, utc(2026, 3, 8, 9)),
        ("Sun 00:00-06:00", "America/New_York", ny(2026, 3, 7, 12), 5, utc(2026, 3, 8, 10)),
        ("Sun 00:00-06:00", "America/New_York", ny(2026, 3, 7, 12), 5.5, utc(2026, 3, 15, 4, 30)),  # next Sun, EDT
        # Sun November 1 00:00 EDT (04:00 UTC) to 06:00 EST (11:00 UTC) is 7 real hours.
        ("Sun 00:00-06:00", "America/New_York", ny(2026, 10, 31, 12), 6.5, utc(2026, 11, 1, 10, 30)),
        ("Sun 00:00-06:00", "America/New_York", ny(2026, 10, 31, 12), 7, utc(2026, 11, 1, 11)),
        ("Sun 00:00-06:00", "America/New_York", ny(2026, 10, 31, 12), 7.5, utc(2026, 11, 8, 5, 30)),  # next Sun, EST
        # 02:30 does not exist on March 8 (read as 03:30 EDT, 07:30 UTC): 01:00 EST (06:00 UTC) to 04:00 EDT
        # (08:00 UTC) is 2 hours, not 1.5 + 1 counted twice over the overlap.
        ("Sun 01:00-02:30, 03:00-04:00", "America/New_York", ny(2026, 3, 7, 12), 2, utc(2026, 3, 8, 8)),
        ("Sun 01:00-02:30, 03:00-04:00", "America/New_York", ny(2026, 3, 7, 12), 2.5, utc(2026, 3, 15, 5, 30)),
        # Open around the clock: 24 open hours are 24 real hours, across the spring-forward night too.
        ("Mon-Sun 00:00-24:00", "America/New_York", ny(2026, 3, 7, 12), 24, utc(2026, 3, 8, 17)),
    ],
)
def test_add_open_hours_across_dst_changes(hours_text, timezone, start, hours, expected):
    assert_same_moment_in_utc(clinic(hours_text, timezone=timezone).add_open_hours(start, hours), expected)


def test_negative_hours_are_refused():
    with pytest.raises(ValueError, match="must not be negative"):
        clinic().add_open_hours(ny(2026, 6, 9, 10), -1)


# --- open or closed ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours_text", "holidays", "at", "expected"),
    [
        (WEEKDAYS, "", ny(2026, 6, 9, 8), True),  # opening minute
        (WEEKDAYS, "", ny(2026, 6, 9, 16, 59), True),
        (WEEKDAYS, "", ny(2026, 6, 9, 17), False),  # closing minute
        (WEEKDAYS, "", ny(2026, 6, 9, 7, 59), False),
        (WEEKDAYS, "", ny(2026, 6, 6, 10), False),  # Saturday
        (WEEKDAYS, CHRISTMAS, ny(2026, 12, 25, 10), False),
        (WEEKDAYS, "", utc(2026, 6, 9, 14), True),  # 10 a.m. EDT
        (LUNCH_BREAK, "", ny(2026, 6, 9, 12, 30), False),
        ("Sun 00:00-06:00", "", utc(2026, 11, 1, 6, 30), True),  # the second 1:30 a.m. (EST) of fall-back night
        ("Sun 00:00-06:00", "", utc(2026, 11, 1, 11, 30), False),  # 6:30 a.m. EST
        ("Fri 16:00-24:00", "", ny(2026, 6, 5, 23, 59), True),
        ("Fri 16:00-24:00", "", ny(2026, 6, 6, 0), False),
    ],
)
def test_is_open(hours_text, holidays, at, expected):
    assert clinic(hours_text, holidays).is_open(at) is expected


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (ny(2026, 6, 9, 10, 15), ny(2026, 6, 9, 10, 15)),  # open: the moment itself
        (ny(2026, 6, 9, 8), ny(2026, 6, 9, 8)),
        (ny(2026, 6, 9, 17), ny(2026, 6, 10, 8)),
        (ny(2026, 6, 6, 10), ny(2026, 6, 8, 8)),  # Saturday -> Monday
        (ny(2026, 6, 9, 6), ny(2026, 6, 9, 8)),
    ],
)
def test_next_opening(at, expected):
    assert_same_moment_in_utc(clinic().next_opening(at), expected)


# --- due time ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("holidays", "created", "hours", "mode", "expected"),
    [
        ("", ny(2026, 6, 5, 20), 24, "business", ny(2026, 6, 10, 14)),
        ("", ny(2026, 6, 5, 20), 24, "clock", ny(2026, 6, 8, 8)),  # Saturday 8 p.m. is closed -> Monday 8 a.m.
        ("", ny(2026, 6, 9, 9), 24, "clock", ny(2026, 6, 10, 9)),  # inside hours: unchanged
        ("", ny(2026, 6, 4, 16, 30), 24, "clock", ny(2026, 6, 5, 16, 30)),
        ("", ny(2026, 6, 9, 16, 30), 2, "clock", ny(2026, 6, 10, 8)),  # 6:30 p.m. -> next morning
        ("", ny(2026, 6, 9, 15), 2, "clock", ny(2026, 6, 9, 17)),  # exactly at closing: calls run until then
        ("", ny(2026, 6, 9, 5), 2, "clock", ny(2026, 6, 9, 8)),
        (CHRISTMAS, ny(2026, 12, 24, 10), 24, "clock", ny(2026, 12, 28, 8)),  # lands on Christmas
        # 48 real hours from Sat 10 a.m. EDT (14:00 UTC) is Mon 14:00 UTC = 9 a.m. EST, not 10 a.m.
        ("", ny(2026, 10, 31, 10), 48, "clock", utc(2026, 11, 2, 14)),
    ],
)
def test_due_at(holidays, created, hours, mode, expected):
    assert_same_moment_in_utc(clinic(holidays=holidays).due_at(created, hours, mode), expected)


def test_due_at_clock_mode_keeps_a_midnight_closing():
    assert_same_moment_in_utc(clinic("Fri 16:00-24:00").due_at(ny(2026, 6, 5, 22), 2, "clock"), ny(2026, 6, 6, 0))


@pytest.mark.parametrize("mode", ["weekly", "Business", ""])
def test_due_at_refuses_an_unknown_mode(mode):
    with pytest.raises(ValueError, match="Unknown contact SLA mode .*; use one of business, clock"):
        clinic().due_at(ny(2026, 6, 9, 10), 24, mode)


def test_due_at_refuses_negative_hours_in_clock_mode():
    with pytest.raises(ValueError, match="must not be negative"):
        clinic().due_at(ny(2026, 6, 9, 10), -2, "clock")


@pytest.mark.parametrize(
    "call",
    [
        lambda hours: hours.is_open(datetime(2026, 6, 9, 10)),
        lambda hours: hours.add_open_hours(datetime(2026, 6, 9, 10), 2),
        lambda hours: hours.due_at(datetime(2026, 6, 9, 10), 2, "clock"),
        lambda hours: hours.promise_in_words(datetime(2026, 6, 9, 10), ny(2026, 6, 9, 8)),
    ],
)
def test_naive_datetimes_are_refused(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call(clinic())


# --- words -------------------------------------------------------------------------------------------

TUESDAY_10AM = ny(2026, 6, 9, 10)


@pytest.mark.parametrize(
    ("due", "now", "expected"),
    [
        (ny(2026, 6, 9, 15, 30), TUESDAY_10AM, "today by 3:30 p.m."),
        (ny(2026, 6, 10, 10), TUESDAY_10AM, "tomorrow by 10 a.m."),
        (ny(2026, 6, 10, 9, 5), TUESDAY_10AM, "tomorrow by 9:05 a.m."),
        (ny(2026, 6, 10, 12, 30), TUESDAY_10AM, "tomorrow by 12:30 p.m."),
        (ny(2026, 6, 11, 12), TUESDAY_10AM, "Thursday by 12 noon"),
        (ny(2026, 6, 15, 10), TUESDAY_10AM, "Monday by 10 a.m."),  # 6 days ahead
        (ny(2026, 6, 16, 10), TUESDAY_10AM, "Tuesday, June 16 by 10 a.m."),  # 7 days ahead: "Tuesday" is ambiguous
        (ny(2026, 12, 28, 10), ny(2026, 12, 18, 12), "Monday, December 28 by 10 a.m."),
        (ny(2026, 6, 10, 0), TUESDAY_10AM, "today by 12 midnight"),  # the end of today
        (ny(2026, 6, 10, 0, 30), TUESDAY_10AM, "tomorrow by 12:30 a.m."),
        (ny(2026, 6, 9, 15, 30, 45), TUESDAY_10AM, "today by 3:30 p.m."),  # seconds dropped
        (utc(2026, 6, 9, 19, 30), TUESDAY_10AM, "today by 3:30 p.m."),  # due given in UTC
        (ny(2026, 6, 10, 10), utc(2026, 6, 10, 2), "tomorrow by 10 a.m."),  # 2 a.m. UTC is still Tuesday in New York
    ],
)
def test_promise_in_words(due, now, expected):
    words = clinic().promise_in_words(due, now)
    assert words == expected
    assert ".." not in end_sentence(f"We will call you {words}")


@pytest.mark.parametrize(
    ("hours_text", "holidays", "now", "expected"),
    [
        (WEEKDAYS, "", ny(2026, 6, 6, 10), "The clinic is closed now. It opens again Monday at 8 a.m."),  # Saturday
        (WEEKDAYS, CHRISTMAS, ny(2026, 12, 25, 10), "The clinic is closed now. It opens again Monday at 8 a.m."),
        (WEEKDAYS, "2026-09-07", ny(2026, 9, 7, 10), "The clinic is closed now. It opens again tomorrow at 8 a.m."),
        (WEEKDAYS, "", ny(2026, 6, 9, 7), "The clinic is closed now. It opens again today at 8 a.m."),
        (WEEKDAYS, "", ny(2026, 6, 9, 17), "The clinic is closed now. It opens again tomorrow at 8 a.m."),
        (LUNCH_BREAK, "", ny(2026, 6, 9, 12, 15), "The clinic is closed now. It opens again today at 1 p.m."),
        ("Sat 08:30-12:00", "", ny(2026, 6, 6, 7), "The clinic is closed now. It opens again today at 8:30 a.m."),
        ("Mon-Fri 12:00-17:00", "", ny(2026, 6, 9, 9), "The clinic is closed now. It opens again today at 12 noon."),
        # Closed from Christmas to New Year's Day: 11 days ahead, so the date is given.
        (
            WEEKDAYS,
            "2026-12-25, 2026-12-28, 2026-12-29, 2026-12-30, 2026-12-31, 2027-01-01",
            ny(2026, 12, 24, 18),
            "The clinic is closed now. It opens again Monday, January 4 at 8 a.m.",
        ),
    ],
)
def test_closed_now_message(hours_text, holidays, now, expected):
    assert clinic(hours_text, holidays).closed_now_message(now) == expected


def test_no_closed_message_while_open():
    assert clinic().closed_now_message(TUESDAY_10AM) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We will call you today by 10 a.m.", "We will call you today by 10 a.m."),
        ("We will call you today by 12 noon", "We will call you today by 12 noon."),
    ],
)
def test_end_sentence_never_doubles_the_full_stop(text, expected):
    assert end_sentence(text) == expected


# --- configuration -----------------------------------------------------------------------------------

NINE_TO_FIVE = ((time(8), time(17)),)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (WEEKDAYS, {0: NINE_TO_FIVE, 1: NINE_TO_FIVE, 2: NINE_TO_FIVE, 3: NINE_TO_FIVE, 4: NINE_TO_FIVE}),
        (
            "Mon-Fri 08:00-12:00, 13:00-17:00; Sat 09:00-12:00",
            {**{day: ((time(8), time(12)), (time(13), time(17))) for day in range(5)}, 5: ((time(9), time(12)),)},
        ),
        ("Mon,Wed 8:00-17:00", {0: NINE_TO_FIVE, 2: NINE_TO_FIVE}),
        ("mon - tue 08:00 - 17:00;", {0: NINE_TO_FIVE, 1: NINE_TO_FIVE}),  # any case, spaces, a trailing ';'
        ("Mon, Sat-Sun 08:00-17:00", {0: NINE_TO_FIVE, 5: NINE_TO_FIVE, 6: NINE_TO_FIVE}),
        ("Mon 13:00-17:00; Mon 08:00-12:00", {0: ((time(8), time(12)), (time(13), time(17)))}),  # put in order
        ("Sat 00:00-24:00", {5: ((time(0), END_OF_DAY),)}),
    ],
)
def test_parse_hours(text, expected):
    assert parse_hours(text) == expected


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("", "Clinic hours are empty; write them like 'Mon-Fri 08:00-17:00'"),
        (" ; ", "Clinic hours are empty; write them like 'Mon-Fri 08:00-17:00'"),
        (
            "Mun-Fri 08:00-17:00",
            "Clinic hours 'Mun-Fri 08:00-17:00': unknown day 'Mun'; use Mon Tue Wed Thu Fri Sat Sun",
        ),
        ("Monday 08:00-17:00", "Clinic hours 'Monday 08:00-17:00': unknown day 'Monday'"),
        ("Mon,,Wed 08:00-17:00", "unknown day ''"),
        ("Fri-Mon 08:00-17:00", "Clinic hours 'Fri-Mon 08:00-17:00': 'Fri-Mon' runs backwards"),
        ("Mon-Fri", "Clinic hours 'Mon-Fri': write days then times, like 'Mon-Fri 08:00-17:00'"),
        ("08:00-17:00", "Clinic hours '08:00-17:00': write days then times"),
        ("Mon-Fri 8am-5pm", "Clinic hours 'Mon-Fri 8am-5pm': '8am-5pm' is not a time range like 08:00-17:00"),
        ("Mon-Fri 08:00-17:00,", "'' is not a time range like 08:00-17:00"),
        ("Mon-Fri 08:00-25:00", "'08:00-25:00' is not a time of day (00:00 to 23:59, or 24:00 for a closing time)"),
        ("Mon-Fri 24:00-24:00", "'24:00-24:00' is not a time of day"),
        ("Mon-Fri 08:60-17:00", "'08:60-17:00' is not a time of day"),
        ("Mon-Fri 17:00-08:00", "Clinic hours on Mon: 17:00-08:00 must close after it opens"),
        ("Sat 09:00-09:00", "Clinic hours on Sat: 09:00-09:00 must close after it opens"),
        ("Mon-Fri 08:00-13:00, 12:00-17:00", "Clinic hours on Mon overlap: 08:00-13:00 and 12:00-17:00"),
        ("Mon-Fri 08:00-17:00; Wed 16:00-24:00", "Clinic hours on Wed overlap: 08:00-17:00 and 16:00-24:00"),
    ],
)
def test_malformed_hours_are_refused(hours, message):
    with pytest.raises(ValueError) as refused:
        clinic(hours)
    assert message in str(refused.value)


def test_parse_holidays():
    assert parse_holidays(" 2026-12-25 ,, 2027-01-01, ") == frozenset({date(2026, 12, 25), date(2027, 1, 1)})
    assert parse_holidays("") == frozenset()


@pytest.mark.parametrize("holiday", ["2026-12-32", "12/25/2026", "20261225", "2026-W52-5", "Christmas"])
def test_malformed_holidays_are_refused(holiday):
    with pytest.raises(ValueError) as refused:
        clinic(holidays=f"2026-11-26, {holiday}")
    assert str(refused.value) == f"Clinic holidays: {holiday!r} is not a date like 2026-12-25"


@pytest.mark.parametrize("timezone", ["Mars/Olympus_Mons", "", "../etc/passwd"])
def test_unknown_time_zone_is_refused(timezone):
    with pytest.raises(ValueError) as refused:
        clinic(timezone=timezone)
    assert str(refused.value) == f"Clinic time zone {timezone!r} is unknown; use a name like 'America/New_York'"


def test_from_config():
    assert ClinicHours.from_config("Mon 08:00-17:00", "2026-12-25", "America/New_York") == ClinicHours(
        NEW_YORK, {0: NINE_TO_FIVE}, frozenset({date(2026, 12, 25)})
    )


@pytest.mark.parametrize(
    ("week", "message"),
    [
        ({}, "Clinic hours: the clinic is never open"),
        ({0: ()}, "Clinic hours: the clinic is never open"),  # an empty week would loop forever
        ({7: NINE_TO_FIVE}, "Clinic hours: weekday 7 is not 0 (Mon) to 6 (Sun)"),
    ],
)
def test_construction_checks_the_week(week, message):
    with pytest.raises(ValueError) as refused:
        ClinicHours(NEW_YORK, week, frozenset())
    assert message in str(refused.value)


@pytest.mark.parametrize(
    "hours, words",
    [
        ("Mon-Fri 08:00-17:00", "Monday to Friday, 8 a.m. to 5 p.m."),
        ("Mon-Fri 08:00-17:00; Sat 09:00-12:00", "Monday to Friday, 8 a.m. to 5 p.m.; Saturday, 9 a.m. to 12 noon"),
        (
            "Mon,Wed 08:30-12:00, 13:00-16:00",
            "Monday, 8:30 a.m. to 12 noon and 1 p.m. to 4 p.m.; Wednesday, 8:30 a.m. to 12 noon and 1 p.m. to 4 p.m.",
        ),
        (
            "Mon-Tue 08:00-17:00; Wed-Fri 08:00-19:00",
            "Monday and Tuesday, 8 a.m. to 5 p.m.; Wednesday to Friday, 8 a.m. to 7 p.m.",
        ),
    ],
)
def test_week_in_words(hours, words):
    assert ClinicHours.from_config(hours, "", "America/New_York").week_in_words() == words


@pytest.mark.parametrize(
    "hours, windows",
    [
        ("Mon-Fri 08:00-17:00", [("morning", "8 a.m. to 12 noon"), ("afternoon", "12 noon to 5 p.m.")]),
        ("Mon-Fri 14:00-17:00", [("afternoon", "2 p.m. to 5 p.m.")]),
        (
            "Mon 07:30-12:00; Thu 10:00-19:00",
            [("morning", "7:30 a.m. to 12 noon"), ("afternoon", "12 noon to 5 p.m."), ("evening", "5 p.m. to 7 p.m.")],
        ),
    ],
)
def test_call_windows_follow_the_hours(hours, windows):
    assert ClinicHours.from_config(hours, "", "America/New_York").call_windows() == windows


# --- in the patient's language -------------------------------------------------------------------------------


def spanish():
    from screening.clinic_hours import Words
    from screening.i18n import catalog

    return Words(catalog("es").gettext, "es")


def plain(text: str) -> str:
    """CLDR puts no-break spaces in 'p. m.': compare with ordinary ones."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


@pytest.mark.parametrize(
    ("due", "now", "expected"),
    [
        (ny(2026, 6, 9, 15, 30), TUESDAY_10AM, "hoy, a más tardar a las 3:30 p. m."),
        (ny(2026, 6, 10, 10), TUESDAY_10AM, "mañana, a más tardar a las 10 a. m."),
        (ny(2026, 6, 11, 12), TUESDAY_10AM, "el jueves, a más tardar a las 12 del mediodía"),
        (ny(2026, 6, 16, 10), TUESDAY_10AM, "el martes 16 de junio, a más tardar a las 10 a. m."),
        (ny(2026, 6, 10, 0), TUESDAY_10AM, "hoy, a más tardar a las 12 de la noche"),
    ],
)
def test_promise_in_spanish(due, now, expected):
    assert plain(clinic().promise_in_words(due, now, spanish())) == expected


def test_the_week_and_the_closed_message_in_spanish():
    hours = clinic("Mon-Fri 08:00-12:00, 13:00-17:00; Sat 09:00-12:00")
    assert plain(hours.week_in_words(spanish())) == (
        "de lunes a viernes, de 8 a. m. a 12 del mediodía y de 1 p. m. a 5 p. m.; sábado, de 9 a. m. a 12 del mediodía"
    )
    assert plain(clinic().closed_now_message(ny(2026, 6, 6, 10), spanish())) == (
        "La clínica está cerrada ahora. Vuelve a abrir el lunes a las 8 a. m."
    )
    assert [code for code, _ in hours.call_windows(spanish())] == ["morning", "afternoon"]
    # English stays exactly as it was when no language is given.
    assert hours.week_in_words() == (
        "Monday to Friday, 8 a.m. to 12 noon and 1 p.m. to 5 p.m.; Saturday, 9 a.m. to 12 noon"
    )
