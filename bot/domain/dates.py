"""Reading the due dates people type into slash commands as calendar dates, and writing days."""

import re
from collections.abc import Callable
from datetime import date, timedelta
from functools import lru_cache

from dateutil.relativedelta import relativedelta

from bot.domain.errors import DateProblem, UnreadableDate

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
_ORDINAL_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)"
_OPTIONAL_YEAR = r"(?: (?P<year>\d{4}))?"
_WEEKDAY = rf"(?P<weekday>{'|'.join(_WEEKDAYS)})"
_COUNT = rf"(?P<count>\d+|{'|'.join(_NUMBER_WORDS)})"
_UNIT = r"(?P<unit>day|week|fortnight|month|year)s?"
# Which month a part of a month ("mid-March", "early next month") or a weekday of a month
# ("first Monday of March") is in.
_WHICH_MONTH = rf"(?:(?P<this>this|the) month|(?P<next>next) month|month|{_MONTH}{_OPTIONAL_YEAR})"
_PARTS = {
    "early": "start",
    "start of": "start",
    "beginning of": "start",
    "start of the": "start",
    "beginning of the": "start",
    "mid": "middle",
    "middle of": "middle",
    "middle of the": "middle",
    "late": "end",
    "end of": "end",
    "end of the": "end",
}
_PART = rf"(?P<part>{'|'.join(sorted(_PARTS, key=len, reverse=True))})"
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4}
_ORDINALS |= {"4th": 4, "fifth": 5, "5th": 5, "last": -1}

# Whether 12/11 is December or November depends on who typed it, so such dates are refused.
_NUMERIC_SLASH_DATE = re.compile(r"(?P<first>\d{1,2})/(?P<second>\d{1,2})(?:/(?P<year>\d{2,4}))?")
# Times that hold no day anyone could check, each refused with what to say instead.
_NO_DAY = re.compile(
    r"(?:after|before|over|around|during) (?:the )?(?:holidays?|christmas|xmas|new year|easter"
    r"|summer|winter|break|vacation)|in the new year"
)
_WHENEVER = re.compile(r"asap|soon|later|someday|sometime|whenever|tbd|tba|eventually")
_WHOLE_QUARTER = re.compile(r"(?:next |this )?q[1-4](?: \d{4})?|this quarter")

Reader = Callable[[re.Match[str], date], date]


class _WrongWeekday(Exception):
    """A weekday and a date that disagree: "Monday 12 March" when 12 March is a Friday."""

    def __init__(self, day: date) -> None:
        self.day = day


def _monday_of_next_week(day: date) -> date:
    return day + timedelta(days=7 - day.weekday())


def _first_working_day(day: date) -> date:
    """`day` itself on a weekday, else the Monday after."""
    return day if day.weekday() < 5 else next_working_day(day)


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


def _amount(match: re.Match[str]) -> relativedelta:
    count = match["count"]
    amount = _NUMBER_WORDS[count] if count in _NUMBER_WORDS else int(count)
    if match["unit"] == "fortnight":
        return relativedelta(weeks=2 * amount)
    return relativedelta(**{match["unit"] + "s": amount})


def _in(match: re.Match[str], today: date) -> date:
    return today + _amount(match)


def _from(match: re.Match[str], today: date) -> date:
    """ "Two weeks from Monday", "3 days after next friday", "a week before dec 15"."""
    start = parse_due_date(match["start"], today=today)
    if match["direction"] == "before":
        return start - _amount(match)
    return start + _amount(match)


def _next_week(_: re.Match[str], today: date) -> date:
    return _monday_of_next_week(today)


def _next_month(_: re.Match[str], today: date) -> date:
    return today + relativedelta(months=1, day=1)


def _end_of_week(_: re.Match[str], today: date) -> date:
    # On a weekend this week's Friday has passed, so the work week meant is the next one.
    return today + timedelta(days=(4 - today.weekday()) % 7)


def _end_of_year(_: re.Match[str], today: date) -> date:
    return date(today.year, 12, 31)


def _month_day(match: re.Match[str], today: date) -> date:
    month, day = _MONTHS[match["month"]], int(match["day"])
    if match["year"]:
        return date(int(match["year"]), month, day)
    return _next_month_day(month, day, today)


def _next_month_day(month: int, day: int, today: date) -> date:
    """The first `month`/`day` on or after `today`."""
    # A leap day can be eight years away (2096 to 2104); a day no month has is never found.
    for year in range(today.year, today.year + 9):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise ValueError(f"month {month} has no day {day}")


def _day_of_month(match: re.Match[str], today: date) -> date:
    """ "The 12th": the next 12th from today, this month's if it has not passed."""
    day = int(match["day"])
    for months in range(13):
        try:
            candidate = (today + relativedelta(months=months)).replace(day=day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise ValueError(f"no month has day {day}")


def _weekday_the_day(match: re.Match[str], today: date) -> date:
    """ "Friday the 12th": the next 12th that falls on a Friday (one comes within 14 months)."""
    weekday, day = _WEEKDAYS[match["weekday"]], int(match["day"])
    for months in range(15):
        try:
            candidate = (today + relativedelta(months=months)).replace(day=day)
        except ValueError:
            continue
        if candidate >= today and candidate.weekday() == weekday:
            return candidate
    raise ValueError(f"no {day} falls on weekday {weekday} soon")


def _weekday_and_date(match: re.Match[str], today: date) -> date:
    """ "Friday 12 March": the date, as long as it falls on that weekday."""
    day = parse_due_date(match["date"], today=today)
    if day.weekday() != _WEEKDAYS[match["weekday"]]:
        raise _WrongWeekday(day)
    return day


def _month_start(match: re.Match[str], today: date) -> date:
    """The first day of the month `_WHICH_MONTH` matched, in this year when none is written."""
    if match["this"]:
        return today.replace(day=1)
    if match["next"]:
        return today + relativedelta(months=1, day=1)
    if not match["month"]:
        return today.replace(day=1)
    month = _MONTHS[match["month"]]
    if match["year"]:
        return date(int(match["year"]), month, 1)
    return date(today.year, month, 1)


def _in_month(match: re.Match[str], today: date, pick: Callable[[date], date]) -> date:
    """`pick(first day of the month)`, a year (or a month, for plain "month") later if that
    lies before today and the month was named without a year."""
    first = _month_start(match, today)
    day = pick(first)
    rolls = not (match["this"] or match["next"] or match["year"])
    if rolls and day < today:
        step = relativedelta(months=1) if not match["month"] else relativedelta(years=1)
        day = pick(first + step)
    return day


def _part_of_month(match: re.Match[str], today: date) -> date:
    """Early (the first working day), mid (the 15th), late or end (the last day) of a month."""
    part = _PARTS[match["part"]]
    if part == "start":
        return _in_month(match, today, _first_working_day)
    if part == "middle":
        return _in_month(match, today, lambda first: first.replace(day=15))
    return _in_month(match, today, lambda first: first + relativedelta(day=31))


def _weekday_of_month(match: re.Match[str], today: date) -> date:
    """ "First Monday of March", "last Friday of the month"."""
    weekday, ordinal = _WEEKDAYS[match["weekday"]], _ORDINALS[match["ordinal"]]

    def pick(first: date) -> date:
        if ordinal == -1:
            last = first + relativedelta(day=31)
            return last - timedelta(days=(last.weekday() - weekday) % 7)
        day = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (ordinal - 1))
        if day.month != first.month:
            raise ValueError(f"no {ordinal}th weekday {weekday} in {first:%B}")
        return day

    return _in_month(match, today, pick)


def _quarter_end(year: int, quarter: int) -> date:
    return date(year, 3 * quarter, 1) + relativedelta(day=31)


def _part_of_quarter(match: re.Match[str], today: date) -> date:
    """Start (first working day) or end (last day) of Q1-Q4: this year's, or next year's once
    it has passed, unless a year is written."""
    quarter = int(match["quarter"])
    start = _PARTS[match["part"]] == "start"

    def pick(year: int) -> date:
        end = _quarter_end(year, quarter)
        return _first_working_day(date(year, 3 * quarter - 2, 1)) if start else end

    if match["year"]:
        return pick(int(match["year"]))
    day = pick(today.year)
    return day if day >= today else pick(today.year + 1)


def _this_quarter(match: re.Match[str], today: date) -> date:
    """End of this quarter ("EOQ"), or the start or end of next quarter."""
    quarter = (today.month - 1) // 3 + 1
    year = today.year
    if match["next"]:
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    if match["part"] and _PARTS[match["part"]] == "start":
        return _first_working_day(date(year, 3 * quarter - 2, 1))
    return _quarter_end(year, quarter)


def _next_quarter(_: re.Match[str], today: date) -> date:
    quarter = (today.month - 1) // 3 + 1
    year, quarter = (today.year + 1, 1) if quarter == 4 else (today.year, quarter + 1)
    return date(year, 3 * quarter - 2, 1)


def _end_of_half(match: re.Match[str], today: date) -> date:
    half = int(match["half"])
    year = int(match["year"]) if match["year"] else today.year
    end = date(year, 6, 30) if half == 1 else date(year, 12, 31)
    if not match["year"] and end < today:
        end = end.replace(year=year + 1)
    return end


# Each pattern must match the whole normalized text, so trailing words never go unnoticed.
_READERS: list[tuple[str, Reader]] = [
    (r"today|now|eod|end of (?:the )?day|cob|close of business", _today),
    (r"tomorrow|tmrw", _tomorrow),
    (r"(?P<year>\d{4})(?P<sep>[-/])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})", _iso),
    (rf"(?:(?P<next>next) |this )?{_WEEKDAY}", _weekday),
    (rf"in {_COUNT} {_UNIT}", _in),
    (rf"{_COUNT} {_UNIT} (?P<direction>from|after|before) (?P<start>.+)", _from),
    (r"next week", _next_week),
    (r"next month", _next_month),
    (r"end of (?:the |this )?week|eow", _end_of_week),
    (r"eom", lambda _, today: today + relativedelta(day=31)),
    (r"end of (?:the |this )?year|eoy", _end_of_year),
    (r"next quarter", _next_quarter),
    (r"eoq|(?P<part>end of|start of|beginning of) (?:the )?(?:this |(?P<next>next) )?quarter",
     _this_quarter),
    (rf"(?P<part>end of|start of|beginning of) (?:the )?q(?P<quarter>[1-4]){_OPTIONAL_YEAR}",
     _part_of_quarter),
    (rf"end of (?:the )?h(?P<half>[12]){_OPTIONAL_YEAR}", _end_of_half),
    (rf"{_PART} {_WHICH_MONTH}", _part_of_month),
    (rf"(?:the )?(?P<ordinal>{'|'.join(_ORDINALS)}) {_WEEKDAY} (?:of|in) {_WHICH_MONTH}",
     _weekday_of_month),
    (rf"{_WEEKDAY} the {_DAY}", _weekday_the_day),
    (rf"{_WEEKDAY} {_ORDINAL_DAY}", _weekday_the_day),
    (rf"{_WEEKDAY} (?P<date>.*\d.*)", _weekday_and_date),
    (rf"the {_DAY}", _day_of_month),
    (_ORDINAL_DAY, _day_of_month),
    (rf"{_MONTH} (?:the )?{_DAY}{_OPTIONAL_YEAR}", _month_day),
    (rf"(?:the )?{_DAY} (?:of )?{_MONTH}{_OPTIONAL_YEAR}", _month_day),
]  # fmt: skip


def parse_due_date(text: str, *, today: date) -> date:
    """Read `text` as a calendar date relative to `today` (the caller's local date).

    Past dates are returned as read; deciding whether they are acceptable is the caller's job.
    """
    shown = text.strip()
    normalized = shown.removesuffix(".").lower().replace(",", " ")
    normalized = " ".join(re.sub(r"(?<=[a-z])-(?=[a-z])", " ", normalized).split())
    for pattern, read in _READERS:
        if match := re.fullmatch(pattern, normalized):
            try:
                return read(match, today)
            except UnreadableDate:
                # A part read on its own ("fri 99", "two weeks from blah") named only itself.
                break
            except _WrongWeekday as wrong:
                raise UnreadableDate(shown, DateProblem.WRONG_WEEKDAY, days=(wrong.day,)) from None
            except (ValueError, OverflowError):
                # The wording was understood, but the day lies off the calendar (or beyond 9999).
                raise UnreadableDate(shown, DateProblem.NOT_ON_CALENDAR) from None
    raise _why_unreadable(shown, normalized, today)


def _why_unreadable(shown: str, normalized: str, today: date) -> UnreadableDate:
    """What is wrong with the text, with what the refusal names to write instead."""
    if slash := _NUMERIC_SLASH_DATE.fullmatch(normalized):
        return UnreadableDate(shown, DateProblem.AMBIGUOUS, days=_readings(slash, today))
    if _NO_DAY.fullmatch(normalized):
        first_monday = _first_working_day(date(today.year + 1, 1, 4))
        return UnreadableDate(shown, DateProblem.HOLIDAYS, days=(first_monday,))
    if _WHENEVER.fullmatch(normalized):
        return UnreadableDate(shown, DateProblem.NO_DAY)
    if _WHOLE_QUARTER.fullmatch(normalized):
        quarter = re.sub(r"\bq(?=[1-4])", "Q", normalized)
        return UnreadableDate(shown, DateProblem.WHOLE_QUARTER, period=quarter)
    if normalized in _MONTHS:
        month = _MONTH_NAMES[_MONTHS[normalized] - 1].capitalize()
        return UnreadableDate(shown, DateProblem.WHOLE_MONTH, period=month)
    return UnreadableDate(shown, DateProblem.UNREADABLE)


def _readings(slash: re.Match[str], today: date) -> tuple[date, ...]:
    """Both readings of 12/11 (the ones the calendar has), each as the next such day."""
    first, second = int(slash["first"]), int(slash["second"])
    year = slash["year"]
    readings: list[date] = []
    for month, day in ((first, second), (second, first)):
        try:
            if year:
                reading = date(int(year) + (2000 if len(year) == 2 else 0), month, day)
            else:
                reading = _next_month_day(month, day, today)
        except ValueError:
            continue
        if reading not in readings:
            readings.append(reading)
    return tuple(readings)


def next_working_day(day: date) -> date:
    """The first Monday-Friday after `day`."""
    return _step_to_working_day(day, timedelta(days=1))


def previous_working_day(day: date) -> date:
    """The last Monday-Friday before `day`."""
    return _step_to_working_day(day, timedelta(days=-1))


def _step_to_working_day(day: date, step: timedelta) -> date:
    day += step
    while day.weekday() >= 5:
        day += step
    return day


# A list writes the same few dozen days again and again, a weekly status of 10,000 channels
# some 40,000 days, a few hundred distinct; strftime costs microseconds each.
@lru_cache(maxsize=4096)
def format_day(day: date) -> str:
    """ "Tue 15 Dec 2026": how the bot writes a day, in messages and in the history."""
    return f"{day:%a} {day.day} {day:%b %Y}"
