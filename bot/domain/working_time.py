"""Working time: hours, working days and public holidays in a time zone, and what follows from
them (is an instant working time, the next working instant, working days between two dates).

Pure: no database and no clock; holiday calendars come from the `holidays` library.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays as holiday_library

from bot.domain.errors import UnknownHolidays, UnreadableWorkingTime

DAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MONDAY_TO_FRIDAY = frozenset(range(5))
_HOURS = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)-([01]?\d|2[0-4]):([0-5]\d)$")
# How many close codes a refusal suggests.
NEAREST = 5


@dataclass(frozen=True)
class Hours:
    """Opening and closing hours on the wall clock; working time is opens <= t < closes."""

    opens: time = time(9)
    closes: time = time(18)

    def __str__(self) -> str:
        closes = "24:00" if self.closes == time.max else f"{self.closes:%H:%M}"
        return f"{self.opens:%H:%M}-{closes}"


def parse_hours(text: str) -> Hours:
    """ "10:00-17:00" as Hours; closing must come after opening on the same day."""
    match = _HOURS.match(text.strip())
    if not match:
        raise UnreadableWorkingTime(what="hours", text=text, problem="not opening-closing")
    opens = time(int(match.group(1)), int(match.group(2)))
    closing_hour, closing_minute = int(match.group(3)), int(match.group(4))
    if closing_hour == 24 and closing_minute:
        raise UnreadableWorkingTime(what="hours", text=text, problem="closes after midnight")
    closes = time.max if closing_hour == 24 else time(closing_hour, closing_minute)
    if closes <= opens:
        raise UnreadableWorkingTime(what="hours", text=text, problem="closes before it opens")
    return Hours(opens, closes)


def parse_days(text: str) -> frozenset[int]:
    """ "mon-fri", "mon-thu", "mon,wed,fri" or "sun-thu" as weekday numbers (Monday 0)."""
    days: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        first, *rest = part.split("-")
        last = rest[0] if len(rest) == 1 else first
        if first not in DAY_CODES or last not in DAY_CODES or len(rest) > 1:
            raise UnreadableWorkingTime(what="days", text=text, problem="not days of the week")
        start = DAY_CODES.index(first)
        stop = DAY_CODES.index(last)
        days.update((start + offset) % 7 for offset in range((stop - start) % 7 + 1))
    return frozenset(days)


def format_days(days: frozenset[int]) -> str:
    """Weekday numbers as the shortest text parse_days reads back ("mon-fri", "mon,wed")."""
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(
        DAY_CODES[run[0]] if len(run) == 1 else f"{DAY_CODES[run[0]]}-{DAY_CODES[run[-1]]}"
        for run in runs
    )


@cache
def _known_codes() -> dict[str, str]:
    """Every country and country-subdivision code the holidays library knows, upper-cased to
    the code as the library spells it."""
    codes = {}
    for country, subdivisions in holiday_library.list_supported_countries().items():
        codes[country.upper()] = country
        for subdivision in subdivisions:
            codes[f"{country}-{subdivision}".upper()] = f"{country}-{subdivision}"
    return codes


def check_holidays(text: str) -> str:
    """The holiday calendar code `text` names, spelt as the library does; UnknownHolidays with
    the nearest codes when there is none."""
    code = text.strip().upper().replace("_", "-")
    known = _known_codes()
    if code in known:
        return known[code]
    nearest = difflib.get_close_matches(code, list(known), n=NEAREST, cutoff=0.5)
    raise UnknownHolidays(text.strip(), [known[c] for c in nearest])


@cache
def _holidays_in(code: str, year: int) -> frozenset[date]:
    country, _, subdivision = code.partition("-")
    calendar = holiday_library.country_holidays(country, subdiv=subdivision or None, years=year)
    return frozenset(calendar)


@dataclass(frozen=True)
class WorkingWeek:
    """Hours, working days and a holiday calendar (None: no public holidays), in no zone."""

    hours: Hours = field(default_factory=Hours)
    days: frozenset[int] = MONDAY_TO_FRIDAY
    holidays: str | None = None

    def overridden(
        self, *, hours: str | None, days: str | None, holidays: str | None
    ) -> WorkingWeek:
        """This week with the settings someone chose (each None: keep this one's)."""
        return replace(
            self,
            hours=parse_hours(hours) if hours else self.hours,
            days=parse_days(days) if days else self.days,
            holidays=holidays or self.holidays,
        )

    def in_zone(self, zone: ZoneInfo) -> WorkingTime:
        return WorkingTime(self, zone)

    def is_working_day(self, day: date) -> bool:
        if day.weekday() not in self.days:
            return False
        return self.holidays is None or day not in _holidays_in(self.holidays, day.year)

    def next_working_day(self, day: date) -> date:
        """The first working day after `day` (none at all: the next day)."""
        return self._step(day, timedelta(days=1))

    def previous_working_day(self, day: date) -> date:
        """The last working day before `day` (none at all: the day before)."""
        return self._step(day, timedelta(days=-1))

    def _step(self, day: date, step: timedelta) -> date:
        # A year and a week holds a working day unless no weekday is one.
        for _ in range(372):
            day += step
            if self.is_working_day(day):
                return day
        return day - step * 371

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days follow `start`, up to and including `end` (0 if none)."""
        if end <= start:
            return 0
        span = (end - start).days
        weeks, rest = divmod(span, 7)
        count = weeks * len(self.days)
        first = start.weekday()
        count += sum(1 for offset in range(1, rest + 1) if (first + offset) % 7 in self.days)
        if self.holidays is not None:
            for year in range(start.year, end.year + 1):
                count -= sum(
                    1
                    for day in _holidays_in(self.holidays, year)
                    if start < day <= end and day.weekday() in self.days
                )
        return count


@dataclass(frozen=True)
class WorkingTime:
    """A working week placed in a time zone: the wall clock there says what is working time."""

    week: WorkingWeek
    zone: ZoneInfo

    def is_working_time(self, instant: datetime) -> bool:
        local = instant.astimezone(self.zone)
        hours = self.week.hours
        return (
            hours.opens <= local.time() < hours.closes
            or (hours.closes == time.max and hours.opens <= local.time())
        ) and self.week.is_working_day(local.date())

    def working_date(self, instant: datetime) -> date | None:
        """The local date at `instant` if it is working time, else None."""
        return instant.astimezone(self.zone).date() if self.is_working_time(instant) else None

    def openings(self, start: datetime, end: datetime) -> list[datetime]:
        """The instants after `start` and before `end` at which working time opens: the
        opening hour of each working day (the wall clock's, across daylight-saving changes)."""
        found = []
        day = start.astimezone(self.zone).date()
        while day <= end.astimezone(self.zone).date():
            if self.week.is_working_day(day):
                opening = datetime.combine(day, self.week.hours.opens, tzinfo=self.zone)
                if start < opening < end:
                    found.append(opening)
            day += timedelta(days=1)
        return found

    def next_working_instant(self, instant: datetime) -> datetime:
        """`instant` if it is working time, else the next opening (an aware datetime in the
        zone; at a daylight-saving change the wall-clock opening hour is kept)."""
        if self.is_working_time(instant):
            return instant
        local = instant.astimezone(self.zone)
        day = local.date()
        if not (self.week.is_working_day(day) and local.time() < self.week.hours.opens):
            day = self.week.next_working_day(day)
        return datetime.combine(day, self.week.hours.opens, tzinfo=self.zone)
