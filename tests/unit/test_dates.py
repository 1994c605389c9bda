"""Tests for reading typed due dates and stepping between working days."""

from datetime import date

import pytest

from bot.domain.dates import parse_due_date
from bot.domain.errors import UnreadableDate

THURSDAY = date(2026, 11, 26)
NEAR_YEAR_END = date(2026, 12, 30)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-15", date(2026, 12, 15)),
        ("2026/12/15", date(2026, 12, 15)),
        ("2026-1-5", date(2026, 1, 5)),
        ("2025-01-01", date(2025, 1, 1)),
        ("today", THURSDAY),
        ("tomorrow", date(2026, 11, 27)),
        ("tmrw", date(2026, 11, 27)),
    ],
)
def test_reads_iso_dates_and_today_words(text: str, expected: date) -> None:
    assert parse_due_date(text, today=THURSDAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("friday", date(2026, 11, 27)),
        ("fri", date(2026, 11, 27)),
        ("this friday", date(2026, 11, 27)),
        ("saturday", date(2026, 11, 28)),
        ("sat", date(2026, 11, 28)),
        ("sunday", date(2026, 11, 29)),
        ("sun", date(2026, 11, 29)),
        ("monday", date(2026, 11, 30)),
        ("mon", date(2026, 11, 30)),
        ("tuesday", date(2026, 12, 1)),
        ("tue", date(2026, 12, 1)),
        ("tues", date(2026, 12, 1)),
        ("wednesday", date(2026, 12, 2)),
        ("wed", date(2026, 12, 2)),
        ("thursday", date(2026, 12, 3)),
        ("thu", date(2026, 12, 3)),
        ("thur", date(2026, 12, 3)),
        ("thurs", date(2026, 12, 3)),
    ],
)
def test_weekday_means_the_coming_one_and_todays_weekday_means_a_week_away(
    text: str, expected: date
) -> None:
    assert parse_due_date(text, today=THURSDAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("next monday", date(2026, 11, 30)),
        ("next wed", date(2026, 12, 2)),
        ("next thursday", date(2026, 12, 3)),
        ("next friday", date(2026, 12, 4)),
        ("next sunday", date(2026, 12, 6)),
    ],
)
def test_next_weekday_falls_in_next_monday_to_sunday_week(text: str, expected: date) -> None:
    assert parse_due_date(text, today=THURSDAY) == expected


def test_next_friday_on_a_sunday_is_the_coming_friday() -> None:
    assert parse_due_date("next friday", today=date(2026, 11, 29)) == date(2026, 12, 4)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in 0 days", THURSDAY),
        ("in 1 day", date(2026, 11, 27)),
        ("in 3 days", date(2026, 11, 29)),
        ("in twelve days", date(2026, 12, 8)),
        ("in a week", date(2026, 12, 3)),
        ("in one week", date(2026, 12, 3)),
        ("in 2 weeks", date(2026, 12, 10)),
        ("in a month", date(2026, 12, 26)),
        ("in 3 months", date(2027, 2, 26)),
        ("in a year", date(2027, 11, 26)),
        ("next week", date(2026, 11, 30)),
        ("next month", date(2026, 12, 1)),
    ],
)
def test_reads_relative_offsets(text: str, expected: date) -> None:
    assert parse_due_date(text, today=THURSDAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("end of week", date(2026, 11, 27)),
        ("end of the week", date(2026, 11, 27)),
        ("eow", date(2026, 11, 27)),
        ("end of this week", date(2026, 11, 27)),
        ("end of month", date(2026, 11, 30)),
        ("end of the month", date(2026, 11, 30)),
        ("eom", date(2026, 11, 30)),
        ("end of next month", date(2026, 12, 31)),
        ("end of year", date(2026, 12, 31)),
        ("end of the year", date(2026, 12, 31)),
        ("eoy", date(2026, 12, 31)),
    ],
)
def test_reads_ends_of_periods(text: str, expected: date) -> None:
    assert parse_due_date(text, today=THURSDAY) == expected


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 11, 23), date(2026, 11, 27)),  # Monday
        (date(2026, 11, 27), date(2026, 11, 27)),  # Friday
        (date(2026, 11, 28), date(2026, 12, 4)),  # Saturday
        (date(2026, 11, 29), date(2026, 12, 4)),  # Sunday
    ],
)
def test_end_of_week_on_a_weekend_is_next_weeks_friday(today: date, expected: date) -> None:
    assert parse_due_date("end of week", today=today) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in a month", date(2026, 2, 28)),
        ("end of next month", date(2026, 2, 28)),
    ],
)
def test_month_arithmetic_clamps_to_the_last_day(text: str, expected: date) -> None:
    assert parse_due_date(text, today=date(2026, 1, 31)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dec 15", date(2026, 12, 15)),
        ("December 15", date(2026, 12, 15)),
        ("dec. 15", date(2026, 12, 15)),
        ("dec 15th", date(2026, 12, 15)),
        ("15 Dec", date(2026, 12, 15)),
        ("15 december", date(2026, 12, 15)),
        ("15th of december", date(2026, 12, 15)),
        ("sept 1", date(2027, 9, 1)),
        ("nov 26", THURSDAY),
        ("nov 25", date(2027, 11, 25)),
        ("jan 1", date(2027, 1, 1)),
        ("feb 29", date(2028, 2, 29)),
    ],
)
def test_month_and_day_mean_the_next_occurrence_from_today(text: str, expected: date) -> None:
    assert parse_due_date(text, today=THURSDAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dec 15 2027", date(2027, 12, 15)),
        ("December 15, 2027", date(2027, 12, 15)),
        ("15 December 2027", date(2027, 12, 15)),
        ("15th dec, 2027", date(2027, 12, 15)),
        ("jan 5 2020", date(2020, 1, 5)),
    ],
)
def test_month_and_day_with_a_year_are_taken_as_written(text: str, expected: date) -> None:
    assert parse_due_date(text, today=THURSDAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dec 15", date(2027, 12, 15)),
        ("dec 30", NEAR_YEAR_END),
        ("dec 31", date(2026, 12, 31)),
        ("jan 2", date(2027, 1, 2)),
        ("2 jan", date(2027, 1, 2)),
        ("tomorrow", date(2026, 12, 31)),
        ("in 2 days", date(2027, 1, 1)),
        ("in a month", date(2027, 1, 30)),
        ("friday", date(2027, 1, 1)),
        ("next friday", date(2027, 1, 8)),
        ("next week", date(2027, 1, 4)),
        ("next month", date(2027, 1, 1)),
        ("end of next month", date(2027, 1, 31)),
        ("end of year", date(2026, 12, 31)),
    ],
)
def test_rolls_over_into_next_year(text: str, expected: date) -> None:
    assert parse_due_date(text, today=NEAR_YEAR_END) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  FRIDAY. ", date(2026, 11, 27)),
        ("Next   Friday", date(2026, 12, 4)),
        ("DEC 15.", date(2026, 12, 15)),
        ("End Of Month", date(2026, 11, 30)),
        ("2026-12-15.", date(2026, 12, 15)),
    ],
)
def test_ignores_case_spacing_and_a_trailing_period(text: str, expected: date) -> None:
    assert parse_due_date(text, today=THURSDAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "blah",
        "soon",
        "asap",
        "",
        "   ",
        "may",
        "next",
        "next blursday",
        "nextfriday",
        "friday monday",
        "fri 99",
        "in -3 days",
        "in 2.5 days",
        "in days",
        "in thirteen days",
        "end of",
        "2026-12",
        "2026-12/15",
        "15",
        "dec 15 27",
        "  Blah. ",
    ],
)
def test_unreadable_text_is_refused_naming_the_text(text: str) -> None:
    with pytest.raises(UnreadableDate) as refusal:
        parse_due_date(text, today=THURSDAY)
    assert f"“{text.strip()}”" in refusal.value.message
    assert "Try 2026-12-15" in refusal.value.message


@pytest.mark.parametrize(
    "text",
    [
        "2026-02-30",
        "2026-13-01",
        "2026-00-10",
        "feb 30",
        "dec 32",
        "31 april 2027",
        "in 100000 years",
        "in 99999999999999999999 days",
    ],
)
def test_dates_off_the_calendar_are_refused_as_nonexistent(text: str) -> None:
    with pytest.raises(UnreadableDate) as refusal:
        parse_due_date(text, today=THURSDAY)
    assert f"“{text}” does not exist" in refusal.value.message


@pytest.mark.parametrize("text", ["12/15", "13/45", "1/2", "12/11/2026"])
def test_numeric_month_day_forms_are_refused_as_ambiguous(text: str) -> None:
    with pytest.raises(UnreadableDate) as refusal:
        parse_due_date(text, today=THURSDAY)
    assert f"“{text}”" in refusal.value.message
    assert "2026-12-15" in refusal.value.message
