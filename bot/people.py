"""People's time zones: cached in the database, looked up through a function the caller gives."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.db import session_scope
from bot.models import Milestone, Person

log = logging.getLogger(__name__)

# A time zone changes rarely (travel, moves); a day-old answer is good enough.
FRESH_FOR = timedelta(hours=24)
# Zones also kept in memory, so a command needs no query for them; bounded, then dropped whole.
MEMORY_SIZE = 10_000

TimezoneLookup = Callable[[str, str], str | None]


class Timezones:
    """Answers "what is this person's time zone?" from the cache, asking `lookup` on a miss.

    `lookup(team_id, user_id)` returns an IANA name, or None when Slack gives none. Only a
    person never seen before waits for it; a stale entry is used as it is and refreshed
    through `refresh_later`, so a known person's command never waits on Slack.
    """

    def __init__(
        self,
        engine: Engine,
        lookup: TimezoneLookup,
        default: str,
        refresh_later: Callable[[Callable[[], None]], None] | None = None,
    ) -> None:
        self._engine = engine
        self._lookup = lookup
        self.default = default
        self._refresh_later = refresh_later
        self._memory: dict[tuple[str, str], tuple[str | None, datetime]] = {}

    def zone(self, team_id: str, user_id: str, *, now: datetime) -> ZoneInfo:
        name = self.name(team_id, user_id, now=now)
        return ZoneInfo(name) if is_zone(name) else ZoneInfo(self.default)

    def known_today(self, team_id: str, user_id: str, *, now: datetime) -> date:
        """The person's date from what is already known, never asking Slack."""
        remembered = self._memory.get((team_id, user_id))
        if remembered is None:
            with session_scope(self._engine) as session:
                person = session.get(Person, (team_id, user_id))
            if person is None:
                return local_date(now, ZoneInfo(self.default))
            remembered = (person.timezone, person.fetched_at)
            self._remember(team_id, user_id, *remembered)
        name = remembered[0] or self.default
        return local_date(now, ZoneInfo(name) if is_zone(name) else ZoneInfo(self.default))

    def today_of(self, now: datetime) -> Callable[[Milestone], date]:
        """For health: the date at `now` of the person who answers for each milestone."""
        return lambda m: self.known_today(m.team_id, m.responsible_id, now=now)

    def today(self, team_id: str, user_id: str, *, now: datetime) -> date:
        """The person's calendar date at `now`."""
        return local_date(now, self.zone(team_id, user_id, now=now))

    def name(self, team_id: str, user_id: str, *, now: datetime) -> str:
        remembered = self._memory.get((team_id, user_id))
        if remembered is not None and now - remembered[1] < FRESH_FOR:
            return remembered[0] or self.default
        with session_scope(self._engine) as session:
            person = session.get(Person, (team_id, user_id))
        if person is None:
            return self.refresh(team_id, user_id, now=now) or self.default
        if now - person.fetched_at >= FRESH_FOR and self._refresh_later is not None:
            self._refresh_later(lambda: self.refresh(team_id, user_id, now=now))
        else:
            self._remember(team_id, user_id, person.timezone, person.fetched_at)
        return person.timezone or self.default

    def _remember(
        self, team_id: str, user_id: str, timezone: str | None, fetched_at: datetime
    ) -> None:
        if len(self._memory) >= MEMORY_SIZE:
            self._memory.clear()
        self._memory[team_id, user_id] = (timezone, fetched_at)

    def refresh(self, team_id: str, user_id: str, *, now: datetime) -> str | None:
        """Ask Slack again and remember the answer; None when Slack gives no usable zone."""
        try:
            timezone = self._lookup(team_id, user_id)
        except Exception:
            log.warning("could not look up the time zone of %s", user_id, exc_info=True)
            return None
        if timezone is not None and not is_zone(timezone):
            timezone = None
        try:
            with session_scope(self._engine) as session:
                session.merge(
                    Person(team_id=team_id, user_id=user_id, timezone=timezone, fetched_at=now)
                )
        except IntegrityError:
            pass  # another request stored the same person at the same moment
        self._remember(team_id, user_id, timezone, now)
        return timezone


def local_date(now: datetime, zone: ZoneInfo) -> date:
    return now.astimezone(zone).date()


def is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
