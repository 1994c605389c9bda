"""Working time in a zone: hours, days, holidays, daylight-saving changes; hand-checked cases."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.delivery.status_sweep import on_a_working_day
from bot.domain.errors import UnknownHolidays, UnreadableWorkingTime
from bot.domain.working_time import (
    Hours,
    WorkingWeek,
    check_holidays,
    format_days,
    parse_days,
    parse_hours,
)
from bot.render import answers

NEW_YORK = ZoneInfo("America/New_York")
PARIS = ZoneInfo("Europe/Paris")
TOKYO = ZoneInfo("Asia/Tokyo")
DEFAULT = WorkingWeek()
GB = WorkingWeek(holidays="GB")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_working_time_opens_at_nine_and_closes_before_six_local():
    tokyo = DEFAULT.in_zone(TOKYO)
    # Tuesday 1 December 2026, Tokyo is UTC+9.
    assert not tokyo.is_working_time(utc(2026, 11, 30, 15, 0))  # 00:00 Tokyo
    assert not tokyo.is_working_time(utc(2026, 11, 30, 23, 59))  # 08:59
    assert tokyo.is_working_time(utc(2026, 12, 1, 0, 0))  # 09:00
    assert tokyo.is_working_time(utc(2026, 12, 1, 8, 59))  # 17:59
    assert not tokyo.is_working_time(utc(2026, 12, 1, 9, 0))  # 18:00


def test_next_working_instant_after_closing_is_the_next_working_mornings_opening():
    tokyo = DEFAULT.in_zone(TOKYO)
    # Friday 4 December 19:00 Tokyo -> Monday 7 December 09:00 Tokyo (00:00 UTC).
    assert tokyo.next_working_instant(utc(2026, 12, 4, 10, 0)) == utc(2026, 12, 7, 0, 0)
    # Before opening on a working day: that day's opening.
    assert tokyo.next_working_instant(utc(2026, 12, 1, 20, 0)) == utc(2026, 12, 2, 0, 0)
    # In working time: now.
    assert tokyo.next_working_instant(utc(2026, 12, 2, 1, 0)) == utc(2026, 12, 2, 1, 0)


def test_new_york_opens_at_nine_local_on_both_sides_of_the_end_of_summer_time():
    new_york = DEFAULT.in_zone(NEW_YORK)
    # Friday 30 October 2026, EDT (UTC-4): 09:00 is 13:00 UTC.
    assert not new_york.is_working_time(utc(2026, 10, 30, 12, 59))
    assert new_york.is_working_time(utc(2026, 10, 30, 13, 0))
    # Clocks go back on Sunday 1 November; Monday 2 November, EST (UTC-5): 09:00 is 14:00 UTC.
    assert not new_york.is_working_time(utc(2026, 11, 2, 13, 30))
    assert new_york.is_working_time(utc(2026, 11, 2, 14, 0))
    assert new_york.next_working_instant(utc(2026, 10, 30, 22, 0)) == utc(2026, 11, 2, 14, 0)


def test_openings_are_each_working_days_opening_hour_between_two_instants():
    new_york = GB.in_zone(NEW_YORK)
    # From Thursday 24 December 2026 15:00 UTC (10:00 in New York, open since 09:00) to
    # Tuesday 29 December noon UTC: Friday the 25th and Monday the 28th are holidays in GB
    # (Christmas, Boxing Day moved), the weekend is not worked, Tuesday opens at 14:00 UTC.
    assert new_york.openings(utc(2026, 12, 24, 15, 0), utc(2026, 12, 29, 12, 0)) == []
    assert new_york.openings(utc(2026, 12, 24, 12, 0), utc(2026, 12, 29, 14, 1)) == [
        utc(2026, 12, 24, 14, 0),
        utc(2026, 12, 29, 14, 0),
    ]
    # Neither end counts: a move that lands on an opening sweeps there anyway.
    assert new_york.openings(utc(2026, 12, 29, 14, 0), utc(2026, 12, 30, 14, 0)) == []


def test_openings_keep_the_wall_clocks_hour_across_the_end_of_summer_time():
    four_days = WorkingWeek(hours=parse_hours("10:00-17:00"), days=parse_days("mon-thu"))
    new_york = four_days.in_zone(NEW_YORK)
    # Thursday 29 October 10:00 EDT is 14:00 UTC; Friday is not worked; Monday 2 November
    # 10:00 EST is 15:00 UTC.
    assert new_york.openings(utc(2026, 10, 29, 0, 0), utc(2026, 11, 3, 0, 0)) == [
        utc(2026, 10, 29, 14, 0),
        utc(2026, 11, 2, 15, 0),
    ]


def test_paris_opens_at_nine_local_on_both_sides_of_the_end_of_summer_time():
    paris = DEFAULT.in_zone(PARIS)
    # Friday 23 October 2026, CEST (UTC+2): 09:00 is 07:00 UTC, 18:00 is 16:00 UTC.
    assert paris.is_working_time(utc(2026, 10, 23, 7, 0))
    assert not paris.is_working_time(utc(2026, 10, 23, 16, 0))
    # Clocks go back on Sunday 25 October; Monday 26, CET (UTC+1): 09:00 is 08:00 UTC.
    assert not paris.is_working_time(utc(2026, 10, 26, 7, 30))
    assert paris.next_working_instant(utc(2026, 10, 23, 16, 0)) == utc(2026, 10, 26, 8, 0)
    assert paris.is_working_time(utc(2026, 10, 26, 16, 59))
    assert not paris.is_working_time(utc(2026, 10, 26, 17, 0))


def test_weekends_are_not_working_days():
    assert DEFAULT.is_working_day(date(2026, 12, 4))  # Friday
    assert not DEFAULT.is_working_day(date(2026, 12, 5))
    assert not DEFAULT.is_working_day(date(2026, 12, 6))
    assert not DEFAULT.in_zone(PARIS).is_working_time(utc(2026, 12, 5, 10, 0))


def test_christmas_and_boxing_day_in_great_britain():
    # Christmas is Friday 25 December 2026; Boxing Day, a Saturday, is observed on Monday 28th.
    assert not GB.is_working_day(date(2026, 12, 25))
    assert not GB.is_working_day(date(2026, 12, 28))
    assert GB.is_working_day(date(2026, 12, 24))
    assert GB.is_working_day(date(2026, 12, 29))
    assert GB.previous_working_day(date(2026, 12, 28)) == date(2026, 12, 24)
    assert GB.next_working_day(date(2026, 12, 24)) == date(2026, 12, 29)
    # Without holidays the working day before Monday 28 is Christmas.
    assert DEFAULT.previous_working_day(date(2026, 12, 28)) == date(2026, 12, 25)


def test_working_days_between_counts_the_days_after_the_first_up_to_the_last():
    # Due Thursday 3 December: Friday is 1 working day later, Monday 2, Tuesday 3.
    assert DEFAULT.working_days_between(date(2026, 12, 3), date(2026, 12, 4)) == 1
    assert DEFAULT.working_days_between(date(2026, 12, 3), date(2026, 12, 6)) == 1
    assert DEFAULT.working_days_between(date(2026, 12, 3), date(2026, 12, 7)) == 2
    assert DEFAULT.working_days_between(date(2026, 12, 3), date(2026, 12, 8)) == 3
    assert DEFAULT.working_days_between(date(2026, 12, 3), date(2026, 12, 3)) == 0
    # Across Christmas in GB: 24 Dec to 5 Jan 2027 has 29, 30, 31 Dec, 2 Jan? No: 1 January
    # is a holiday and 2-3 January a weekend, so 29, 30, 31 December, 4 and 5 January.
    assert GB.working_days_between(date(2026, 12, 24), date(2027, 1, 5)) == 5
    assert DEFAULT.working_days_between(date(2026, 12, 24), date(2027, 1, 5)) == 8
    # Four full weeks.
    assert DEFAULT.working_days_between(date(2026, 11, 2), date(2026, 11, 30)) == 20


def test_a_four_day_week():
    week = WorkingWeek(days=parse_days("mon-thu"))
    assert not week.is_working_day(date(2026, 12, 4))  # Friday
    assert week.next_working_day(date(2026, 12, 3)) == date(2026, 12, 7)
    assert week.working_days_between(date(2026, 12, 3), date(2026, 12, 10)) == 4


@pytest.mark.parametrize(
    ("text", "days", "shown"),
    [
        ("mon-fri", {0, 1, 2, 3, 4}, "mon-fri"),
        ("Mon-Thu", {0, 1, 2, 3}, "mon-thu"),
        ("mon,wed,fri", {0, 2, 4}, "mon,wed,fri"),
        ("sun-thu", {6, 0, 1, 2, 3}, "mon-thu,sun"),
        ("tue", {1}, "tue"),
    ],
)
def test_days_are_read_and_written_back(text, days, shown):
    assert parse_days(text) == frozenset(days)
    assert format_days(parse_days(text)) == shown
    assert parse_days(format_days(parse_days(text))) == frozenset(days)


@pytest.mark.parametrize("text", ["", "monday-friday", "mon-", "mon-tue-wed", "xyz", "mon,,fri"])
def test_unreadable_days_are_refused(text):
    with pytest.raises(UnreadableWorkingTime) as refused:
        parse_days(text)
    assert (refused.value.what, refused.value.text) == ("days", text)


def test_hours_are_read_and_written_back():
    assert parse_hours("10:00-17:00") == Hours(time(10), time(17))
    assert str(parse_hours("8:30-16:45")) == "08:30-16:45"
    assert str(parse_hours("00:00-24:00")) == "00:00-24:00"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("10-17", "not opening-closing"),
        ("25:00-26:00", "not opening-closing"),
        ("17:00-10:00", "closes before it opens"),
        ("09:00-09:00", "closes before it opens"),
        ("09:00-24:30", "closes after midnight"),
    ],
)
def test_unreadable_hours_are_refused(text, problem):
    with pytest.raises(UnreadableWorkingTime) as refused:
        parse_hours(text)
    assert refused.value.problem == problem


def test_holiday_codes_are_spelt_as_the_library_spells_them():
    assert check_holidays("gb") == "GB"
    assert check_holidays("US-CA") == "US-CA"
    assert check_holidays("de-by") == "DE-BY"


def test_an_unknown_holiday_code_is_refused_with_the_nearest_codes():
    with pytest.raises(UnknownHolidays) as refused:
        check_holidays("us-txs")
    assert refused.value.code == "us-txs"
    assert "US-TX" in refused.value.nearest
    assert "Did you mean US-TX" in answers.refusal(refused.value)


def test_a_weekly_status_on_a_day_off_moves_to_the_same_wall_clock_time_next_working_day():
    # Saturday 24 October 2026 10:00 in Paris (summer time, 08:00 UTC) moves to Monday 26th
    # 10:00, after the clocks went back: 09:00 UTC.
    assert on_a_working_day(utc(2026, 10, 24, 8), DEFAULT, PARIS) == utc(2026, 10, 26, 9)
    # Christmas, a Friday, 16:00 in Paris with French holidays: Monday 28th at 16:00.
    french = WorkingWeek(holidays="FR")
    assert on_a_working_day(utc(2026, 12, 25, 15), french, PARIS) == utc(2026, 12, 28, 15)
    # A working day stays as it is.
    assert on_a_working_day(utc(2026, 12, 28, 15), french, PARIS) == utc(2026, 12, 28, 15)


@pytest.mark.parametrize(
    ("day", "following", "preceding"),
    [
        (date(2026, 11, 26), date(2026, 11, 27), date(2026, 11, 25)),  # Thursday
        (date(2026, 11, 27), date(2026, 11, 30), date(2026, 11, 26)),  # Friday
        (date(2026, 11, 28), date(2026, 11, 30), date(2026, 11, 27)),  # Saturday
        (date(2026, 11, 29), date(2026, 11, 30), date(2026, 11, 27)),  # Sunday
        (date(2026, 11, 30), date(2026, 12, 1), date(2026, 11, 27)),  # Monday
    ],
)
def test_working_days_around_a_weekend(day, following, preceding):
    assert DEFAULT.next_working_day(day) == following
    assert DEFAULT.previous_working_day(day) == preceding
