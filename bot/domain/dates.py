"""Reading the due dates people type into slash commands as calendar dates."""

import re
from collections.abc import Callable
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from bot.domain.errors import UnreadableDate
from bot.render.text import quote

_EXAMPLES = "Try 2026-12-15, next friday, in 2 weeks, Dec 15 or end of month."

_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTHS = {
    name: number for number, full in enumerate(_MONTH_NAMES, start=1) for name in (full, full[:3])
} | {"sept": 9}

_WEEKDAYS = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}

_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}

_MONTH = rf"(?P<month>{'|'.join(_MONTHS)})\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_OPTIONAL_YEAR = r"(?:,? (?P<year>\d{4}))?"

# Whether 12/11 is December or November depends on who typed it, so such dates are refused.
_NUMERIC_SLASH_DATE = re.compile(r"\d{1,2}/\d{1,2}(?:/\d{2,4})?")

Reader = Callable[[re.Match[str], date], date]


def _monday_of_next_week(day: date) -> date:
    return day + timedelta(days=7 - day.weekday())


def _today(_: re.Match[str], today: date) -> date:
    return today


def _tomorrow(_: re.Match[str], today: date) -> date:
    return today + timedelta(days=1)


def _iso(match: re.Match[str], _: date) -> date:
    return date(int(match["year"]), int(match["month"]), int(match["day"]))


def _weekday(match: re.Match[str], today: date) -> date:
    """The coming `match["weekday"]`, or with "next", that weekday in next Monday-Sunday week.

    "friday" on a Thursday is tomorrow and "thursday" on a Thursday is a week away, while
    "next friday" on a Thursday skips tomorrow: people say "next" to mean the following week.
    """
    weekday = _WEEKDAYS[match["weekday"]]
    if match["next"]:
        return _monday_of_next_week(today) + timedelta(days=weekday)
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _in(match: re.Match[str], today: date) -> date:
    count = match["count"]
    amount = _NUMBER_WORDS[count] if count in _NUMBER_WORDS else int(count)
    return today + relativedelta(**{match["unit"] + "s": amount})


def _next_week(_: re.Match[str], today: date) -> date:
    return _monday_of_next_week(today)


def _next_month(_: re.Match[str], today: date) -> date:
    return today + relativedelta(months=1, day=1)


def _end_of_week(_: re.Match[str], today: date) -> date:
    # On a weekend this week's Friday has passed, so the work week meant is the next one.
    return today + timedelta(days=(4 - today.weekday()) % 7)


def _end_of_month(_: re.Match[str], today: date) -> date:
    # relativedelta clamps day=31 to the month's last day.
    return today + relativedelta(day=31)


def _end_of_next_month(_: re.Match[str], today: date) -> date:
    return today + relativedelta(months=1, day=31)


def _end_of_year(_: re.Match[str], today: date) -> date:
    return date(today.year, 12, 31)


def _month_day(match: re.Match[str], today: date) -> date:
    month, day = _MONTHS[match["month"]], int(match["day"])
    if match["year"]:
        return date(int(match["year"]), month, day)
    # A leap day can be eight years away (2096 to 2104); a day no month has is never found.
    for year in range(today.year, today.year + 9):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise ValueError(f"month {month} has no day {day}")


# Each pattern must match the whole normalized text, so trailing words never go unnoticed.
_READERS: list[tuple[str, Reader]] = [
    (r"today", _today),
    (r"tomorrow|tmrw", _tomorrow),
    (r"(?P<year>\d{4})(?P<sep>[-/])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})", _iso),
    (rf"(?:(?P<next>next) |this )?(?P<weekday>{'|'.join(_WEEKDAYS)})", _weekday),
    (rf"in (?P<count>\d+|{'|'.join(_NUMBER_WORDS)}) (?P<unit>day|week|month|year)s?", _in),
    (r"next week", _next_week),
    (r"next month", _next_month),
    (r"end of (?:the |this )?week|eow", _end_of_week),
    (r"end of (?:the |this )?month|eom", _end_of_month),
    (r"end of next month", _end_of_next_month),
    (r"end of (?:the |this )?year|eoy", _end_of_year),
    (rf"{_MONTH} {_DAY}{_OPTIONAL_YEAR}", _month_day),
    (rf"{_DAY} (?:of )?{_MONTH}{_OPTIONAL_YEAR}", _month_day),
]


def parse_due_date(text: str, *, today: date) -> date:
    """Read `text` as a calendar date relative to `today` (the caller's local date).

    Past dates are returned as read; deciding whether they are acceptable is the caller's job.
    """
    shown = text.strip()
    normalized = " ".join(shown.removesuffix(".").lower().split())
    for pattern, read in _READERS:
        if match := re.fullmatch(pattern, normalized):
            try:
                return read(match, today)
            except (ValueError, OverflowError):
                # The wording was understood, but the day lies off the calendar (or beyond 9999).
                raise UnreadableDate(
                    f"{quote(shown)} does not exist on the calendar. {_EXAMPLES}"
                ) from None
    if _NUMERIC_SLASH_DATE.fullmatch(normalized):
        raise UnreadableDate(
            f"{quote(shown)} could be read month-first or day-first. "
            "Please write the year first, like 2026-12-15."
        )
    raise UnreadableDate(f"I couldn't read {quote(shown)} as a date. {_EXAMPLES}")
