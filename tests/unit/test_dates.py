"""Tests for reading typed due dates and stepping between working days."""

import csv
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.dates import next_working_day, parse_due_date, previous_working_day
from bot.domain.errors import DateProblem, UnreadableDate
from bot.render import answers

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
        "",
        "   ",
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
    assert refusal.value.problem == DateProblem.UNREADABLE
    assert f"“{text.strip()}”" in answers.refusal(refusal.value)
    assert "Try 2026-12-15" in answers.refusal(refusal.value)


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
    assert f"“{text}” does not exist" in answers.refusal(refusal.value)


@pytest.mark.parametrize(
    ("text", "readings"),
    [
        ("12/11", "11 December 2026 (2026-12-11) or 12 November 2027 (2027-11-12)"),
        ("1/2", "2 January 2027 (2027-01-02) or 1 February 2027 (2027-02-01)"),
        ("12/11/2026", "11 December 2026 (2026-12-11) or 12 November 2026 (2026-11-12)"),
        ("3/4/27", "4 March 2027 (2027-03-04) or 3 April 2027 (2027-04-03)"),
    ],
)
def test_numeric_month_day_forms_are_refused_with_both_readings(text: str, readings: str) -> None:
    with pytest.raises(UnreadableDate) as refusal:
        parse_due_date(text, today=THURSDAY)
    assert refusal.value.problem is DateProblem.AMBIGUOUS
    assert len(refusal.value.days) == 2
    assert (
        answers.refusal(refusal.value)
        == f"“{text}” could be {readings}. Please write it year first."
    )


@pytest.mark.parametrize(
    ("text", "reading"),
    [("12/15", "15 December 2026 (2026-12-15)"), ("26/11", "26 November 2026 (2026-11-26)")],
)
def test_numeric_form_with_one_reading_is_still_refused_naming_it(text: str, reading: str) -> None:
    with pytest.raises(UnreadableDate) as refusal:
        parse_due_date(text, today=THURSDAY)
    assert answers.refusal(refusal.value) == (
        f"“{text}” reads only as {reading}. Please write it year first to be sure."
    )


def test_numeric_form_no_calendar_has_is_refused_with_examples() -> None:
    with pytest.raises(UnreadableDate) as refusal:
        parse_due_date("13/45", today=THURSDAY)
    assert (refusal.value.problem, refusal.value.days) == (DateProblem.AMBIGUOUS, ())
    assert answers.refusal(refusal.value).startswith("“13/45” is no day of the year")
    assert "Try 2026-12-15" in answers.refusal(refusal.value)


@pytest.mark.parametrize(
    ("text", "problem", "hint"),
    [
        (
            "after the holidays",
            DateProblem.HOLIDAYS,
            "depends on whose holidays, so I can't pick a day. "
            "Give the day you expect, like 2027-01-04.",
        ),
        ("After Christmas", DateProblem.HOLIDAYS, "depends on whose holidays"),
        ("before the summer", DateProblem.HOLIDAYS, "depends on whose holidays"),
        ("in the new year", DateProblem.HOLIDAYS, "depends on whose holidays"),
        ("ASAP", DateProblem.NO_DAY, "isn't a day anyone can plan around. Try 2026-12-15"),
        ("soon", DateProblem.NO_DAY, "isn't a day anyone can plan around."),
        (
            "Q1",
            DateProblem.WHOLE_QUARTER,
            "is a whole quarter. Say which end you mean: start of Q1 or end of Q1.",
        ),
        (
            "this quarter",
            DateProblem.WHOLE_QUARTER,
            "is a whole quarter. Say which end you mean: start of this quarter",
        ),
        (
            "may",
            DateProblem.WHOLE_MONTH,
            "is a whole month. Say which part you mean, like early May, mid-May or end of May.",
        ),
        (
            "Sept",
            DateProblem.WHOLE_MONTH,
            "like early September, mid-September or end of September.",
        ),
        (
            "Monday 12 March 2027",
            DateProblem.WRONG_WEEKDAY,
            "doesn't add up: 12 March 2027 is a Friday. Which did you mean?",
        ),
        (
            "fri, dec 12",
            DateProblem.WRONG_WEEKDAY,
            "doesn't add up: 12 December 2026 is a Saturday.",
        ),
    ],
)
def test_times_that_name_no_day_are_refused_with_a_hint(
    text: str, problem: DateProblem, hint: str
) -> None:
    with pytest.raises(UnreadableDate) as refusal:
        parse_due_date(text, today=THURSDAY)
    assert refusal.value.problem is problem
    assert answers.refusal(refusal.value).startswith(f"“{text}” ")
    assert hint in answers.refusal(refusal.value)


@pytest.mark.parametrize(
    "text", ["two weeks from blah", "fri 99", "a week after 12/11", "the 12 of never"]
)
def test_a_phrase_with_an_unreadable_part_is_refused_naming_the_whole(text: str) -> None:
    with pytest.raises(UnreadableDate) as refusal:
        parse_due_date(text, today=THURSDAY)
    assert answers.refusal(refusal.value).startswith(f"I couldn't read “{text}” as a date.")


@pytest.mark.parametrize(
    "text", ["fifth friday of february", "friday the 32nd", "the 32nd", "the 31st of april 2027"]
)
def test_forms_understood_but_off_the_calendar_say_so(text: str) -> None:
    with pytest.raises(UnreadableDate) as refusal:
        parse_due_date(text, today=THURSDAY)
    assert answers.refusal(refusal.value).startswith(f"“{text}” does not exist on the calendar.")


CORPUS = Path(__file__).parent / "data" / "dates.csv"


def corpus() -> list[tuple[date, str, str]]:
    with CORPUS.open(newline="") as rows:
        return [
            (date.fromisoformat(row["today"]), row["text"], row["expected"])
            for row in csv.DictReader(rows)
        ]


def test_corpus_is_large_and_crosses_year_ends() -> None:
    rows = corpus()
    assert len(rows) >= 150
    assert {today for today, _, _ in rows} >= {date(2026, 12, 30), date(2027, 12, 27)}
    crossing = [
        text for today, text, expected in rows
        if expected != "refused" and date.fromisoformat(expected).year > today.year
    ]  # fmt: skip
    assert len(crossing) >= 40


@pytest.mark.parametrize(("today", "text", "expected"), corpus())
def test_corpus_phrase_reads_as_written_down(today: date, text: str, expected: str) -> None:
    if expected == "refused":
        with pytest.raises(UnreadableDate):
            parse_due_date(text, today=today)
    else:
        assert parse_due_date(text, today=today) == date.fromisoformat(expected)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 26), date(2026, 11, 27)),  # Thursday -> Friday
        (date(2026, 11, 27), date(2026, 11, 30)),  # Friday -> Monday
        (date(2026, 11, 28), date(2026, 11, 30)),  # Saturday -> Monday
        (date(2026, 11, 29), date(2026, 11, 30)),  # Sunday -> Monday
    ],
)
def test_next_working_day_skips_weekends(day: date, expected: date) -> None:
    assert next_working_day(day) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 12, 1), date(2026, 11, 30)),  # Tuesday -> Monday
        (date(2026, 11, 30), date(2026, 11, 27)),  # Monday -> Friday
        (date(2026, 11, 29), date(2026, 11, 27)),  # Sunday -> Friday
        (date(2026, 11, 28), date(2026, 11, 27)),  # Saturday -> Friday
    ],
)
def test_previous_working_day_skips_weekends(day: date, expected: date) -> None:
    assert previous_working_day(day) == expected


DATE_WORDS = [
    "the", "12th", "31st", "1", "15", "friday", "fri", "monday", "next", "this", "of", "in",
    "a", "two", "weeks", "fortnight", "from", "after", "before", "end", "start", "early", "mid",
    "late", "month", "quarter", "q1", "q4", "h1", "march", "feb", "29", "2027", "eom", "eoq",
    "today", "tomorrow", "now", "first", "last", "second", "holidays", "/", "12/11", "-",
]  # fmt: skip


@given(st.lists(st.sampled_from(DATE_WORDS), max_size=7).map(" ".join) | st.text(max_size=40))
def test_any_text_is_read_as_a_day_or_refused_in_words(text: str) -> None:
    try:
        day = parse_due_date(text, today=THURSDAY)
    except UnreadableDate as refusal:
        assert answers.refusal(refusal).strip()
    else:
        assert isinstance(day, date)
