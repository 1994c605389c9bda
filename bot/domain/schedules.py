"""Who works when: people's and channels' working hours, days and holidays as they chose them,
over the deployment's default week."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.domain.working_time import (
    WorkingTime,
    WorkingWeek,
    check_holidays,
    format_days,
    parse_days,
    parse_hours,
)
from bot.store.models import ChannelSettings, PersonSchedule

# What a person or channel says to go back to the deployment's default for one setting.
DEFAULT = "default"


def week_of(default: WorkingWeek, chosen: PersonSchedule | ChannelSettings | None) -> WorkingWeek:
    """The working week of whoever chose `chosen` (None: nothing chosen)."""
    if chosen is None:
        return default
    return week_from(default, chosen.working_hours, chosen.working_days, chosen.holidays)


# Sweeps ask this for every candidate; the combinations people choose are few.
@lru_cache(maxsize=4096)
def week_from(
    default: WorkingWeek, hours: str | None, days: str | None, holidays: str | None
) -> WorkingWeek:
    """`default` with the hours, days and holidays stored for someone (each None: unchosen)."""
    return default.overridden(hours=hours, days=days, holidays=holidays)


def working_time_of(
    default: WorkingWeek, chosen: PersonSchedule | ChannelSettings | None, zone: ZoneInfo
) -> WorkingTime:
    return week_of(default, chosen).in_zone(zone)


def schedule_of(session: Session, *, team_id: str, user_id: str) -> PersonSchedule:
    return session.get(PersonSchedule, (team_id, user_id)) or PersonSchedule(
        team_id=team_id, user_id=user_id
    )


def stored_value(name: str, text: str) -> str | None:
    """What to keep for the setting `name` ("hours", "days" or "holidays") typed as `text`:
    the canonical form, or None for `default`; InvalidCommand when it cannot be read."""
    if text.lower() == DEFAULT:
        return None
    if name == "hours":
        return str(parse_hours(text))
    if name == "days":
        return format_days(parse_days(text))
    return check_holidays(text)


# The command's setting name and the column that keeps it, for people and channels alike.
FIELDS = {"hours": "working_hours", "days": "working_days", "holidays": "holidays"}


def set_for_person(
    session: Session, *, team_id: str, user_id: str, name: str, value: str | None
) -> PersonSchedule:
    """Set one of someone's working hours, days or holidays ("hours", "days", "holidays") to a
    value `stored_value` gave (None: back to the default)."""
    schedule = schedule_of(session, team_id=team_id, user_id=user_id)
    setattr(schedule, FIELDS[name], value)
    return session.merge(schedule)
