"""What the bot knows of people (time zone, name, Slack status): cached in the database,
looked up through functions the caller gives (a quick one for the path to an answer)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import Engine, Row
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.store.db import listed, session_scope
from bot.store.models import Milestone, Person

log = logging.getLogger("bot.people")

# People's columns, for `known`.
_KNOWN = select(*Person.__table__.columns)

# A time zone changes rarely (travel, moves); a day-old answer is good enough.
FRESH_FOR = timedelta(hours=24)
# Zones also kept in memory, so a command needs no query for them; bounded, then dropped whole.
MEMORY_SIZE = 10_000
# How long a person Slack did not tell about in time is taken to be in the default zone,
# without asking again: while Slack is slow, each command would otherwise pay the wait.
UNANSWERED_FOR = timedelta(minutes=5)


@dataclass(frozen=True)
class Profile:
    """What Slack says of a person; each field None when Slack gives none."""

    timezone: str | None = None
    display_name: str | None = None
    status_text: str | None = None
    status_emoji: str | None = None
    # The account was deactivated.
    deleted: bool = False


ProfileLookup = Callable[[str, str], Profile]


class Timezones:
    """Answers "what is this person's time zone?" from the cache, asking Slack on a miss.

    `lookup(team_id, user_id)` returns the person's Profile; `quick_lookup` does the same but
    gives up soon (it runs before the answer to a Slack request), and is what a person never
    seen before waits for. When it fails, the default zone is used, the person is not asked
    about again for UNANSWERED_FOR, and `lookup` is tried through `refresh_later`. A stale
    entry is used as it is and refreshed through `refresh_later`, so a known person's command
    never waits on Slack. Sweeps that must know a person's Slack status as it is now ask for
    it with `people`.
    """

    def __init__(
        self,
        engine: Engine,
        lookup: ProfileLookup,
        default: str,
        refresh_later: Callable[[Callable[[], None]], None] | None = None,
        quick_lookup: ProfileLookup | None = None,
    ) -> None:
        self._engine = engine
        self._lookup = lookup
        self._quick_lookup = quick_lookup or lookup
        self.default = default
        self._refresh_later = refresh_later
        self._memory: dict[tuple[str, str], tuple[str | None, datetime]] = {}
        # Who Slack did not tell about in time, and when.
        self._unanswered: dict[tuple[str, str], datetime] = {}

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

    def date_of(self, person: Person | None, *, now: datetime) -> date:
        """The date at `now` of a person as last looked up (in the default zone if unknown)."""
        name = person.timezone if person and person.timezone else self.default
        return local_date(now, ZoneInfo(name) if is_zone(name) else ZoneInfo(self.default))

    def today(self, team_id: str, user_id: str, *, now: datetime) -> date:
        """The person's calendar date at `now`."""
        return local_date(now, self.zone(team_id, user_id, now=now))

    def name(self, team_id: str, user_id: str, *, now: datetime) -> str:
        remembered = self._memory.get((team_id, user_id))
        if remembered is not None and now - remembered[1] < FRESH_FOR:
            return remembered[0] or self.default
        unanswered_at = self._unanswered.get((team_id, user_id))
        if unanswered_at is not None and now - unanswered_at < UNANSWERED_FOR:
            return self.default
        with session_scope(self._engine) as session:
            person = session.get(Person, (team_id, user_id))
        if person is None:
            return self._first_look(team_id, user_id, now=now) or self.default
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

    def _first_look(self, team_id: str, user_id: str, *, now: datetime) -> str | None:
        """Ask Slack quickly about a person never seen; None when it gives no usable zone."""
        try:
            profile = self._quick_lookup(team_id, user_id)
        except Exception as error:
            log.warning(
                "no profile of %s from Slack in time (%s): their time zone is taken to be %s "
                "for now",
                user_id,
                type(error).__name__,
                self.default,
            )
            if len(self._unanswered) >= MEMORY_SIZE:
                self._unanswered.clear()
            self._unanswered[team_id, user_id] = now
            if self._refresh_later is not None:
                self._refresh_later(lambda: self.refresh(team_id, user_id, now=now))
            return None
        return self._store(team_id, user_id, profile, now=now).timezone

    def refresh(self, team_id: str, user_id: str, *, now: datetime) -> str | None:
        """Ask Slack again and remember the answer; None when Slack gives no usable zone."""
        person = self.refresh_profile(team_id, user_id, now=now)
        return person.timezone if person else None

    def refresh_profile(self, team_id: str, user_id: str, *, now: datetime) -> Person | None:
        """Ask Slack for the person's zone, name and status and store them; None if Slack fails."""
        try:
            profile = self._lookup(team_id, user_id)
        except Exception:
            log.warning("could not look up the profile of %s", user_id, exc_info=True)
            return None
        return self._store(team_id, user_id, profile, now=now)

    def _store(self, team_id: str, user_id: str, profile: Profile, *, now: datetime) -> Person:
        timezone = profile.timezone if profile.timezone and is_zone(profile.timezone) else None
        person = Person(
            team_id=team_id,
            user_id=user_id,
            timezone=timezone,
            display_name=_bounded(profile.display_name, 100),
            status_text=_bounded(profile.status_text, 200),
            status_emoji=_bounded(profile.status_emoji, 100),
            fetched_at=now,
            inactive_since=now if profile.deleted else None,
        )
        try:
            with session_scope(self._engine) as session:
                session.merge(person)
        except IntegrityError:
            pass  # another request stored the same person at the same moment
        self._remember(team_id, user_id, timezone, now)
        self._unanswered.pop((team_id, user_id), None)
        return person

    def known(
        self, session: Session, team_id: str, user_ids: Iterable[str]
    ) -> dict[str, Person | Row]:
        """The people of `user_ids` as last looked up, from one query; never asks Slack. Rows
        with Person's columns (read, never changed: a sweep reads thousands)."""
        wanted = sorted(set(user_ids))
        if not wanted:
            return {}
        return {
            person.user_id: person
            for person in session.connection().execute(
                _KNOWN.where(
                    col(Person.team_id) == team_id, col(Person.user_id).in_(listed(wanted))
                )
            )
        }

    def known_today_of(
        self, session: Session, milestones: Iterable[Milestone], *, now: datetime
    ) -> Callable[[Milestone], date]:
        """Each milestone's date on its owner's calendar by the zones last looked up: their
        people read once per workspace, from the database only."""
        owners: dict[str, set[str]] = {}
        for milestone in milestones:
            owners.setdefault(milestone.team_id, set()).add(milestone.responsible_id)
        default = self.date_of(None, now=now)
        zones: dict[tuple[str, str], str | None] = {}
        for team_id, user_ids in owners.items():
            zones.update(
                ((team_id, user_id), timezone)
                for user_id, timezone in session.exec(
                    select(Person.user_id, Person.timezone).where(
                        Person.team_id == team_id, col(Person.user_id).in_(sorted(user_ids))
                    )
                ).all()
            )
        # Worked out once per zone: the owners are thousands, their zones a handful.
        by_zone = {
            zone: self.date_of(Person(timezone=zone), now=now) for zone in set(zones.values())
        }
        dates = {key: by_zone[zone] for key, zone in zones.items()}
        return lambda m: dates.get((m.team_id, m.responsible_id), default)

    def people(
        self, team_id: str, user_ids: Iterable[str], *, now: datetime, max_age: timedelta
    ) -> dict[str, Person | Row]:
        """The people of `user_ids`, asking Slack about those not looked up within `max_age`:
        Persons or rows with their columns, to be read only.

        Whoever Slack cannot tell about just now keeps what is cached, or is left out.
        """
        wanted = set(user_ids)
        if not wanted:
            return {}
        with session_scope(self._engine) as session:
            known = self.known(session, team_id, wanted)
        found = {}
        for user_id in sorted(wanted):
            person = known.get(user_id)
            if person is None or now - person.fetched_at >= max_age:
                person = self.refresh_profile(team_id, user_id, now=now) or person
            if person is not None:
                found[user_id] = person
        return found


def _bounded(text: str | None, length: int) -> str | None:
    return text[:length] if text else None


def local_date(now: datetime, zone: ZoneInfo) -> date:
    return now.astimezone(zone).date()


def is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def deactivate(session: Session, *, team_id: str, user_id: str, now: datetime) -> None:
    """Slack said the account is deactivated: no more DMs to them."""
    person = session.get(Person, (team_id, user_id))
    if person is None:
        person = Person(team_id=team_id, user_id=user_id, fetched_at=now)
    person.inactive_since = person.inactive_since or now
    session.add(person)


def inactive(session: Session, *, team_id: str, user_ids: Iterable[str]) -> set[str]:
    """Of `user_ids`, those whose accounts are deactivated."""
    wanted = set(user_ids)
    if not wanted:
        return set()
    return set(
        session.exec(
            select(Person.user_id).where(
                Person.team_id == team_id,
                col(Person.user_id).in_(wanted),
                col(Person.inactive_since).is_not(None),
            )
        ).all()
    )


# A do-not-disturb answer is reused this long: a sweep every 30 minutes asks afresh, and one
# person with many milestones due is asked once.
DND_FRESH_FOR = timedelta(minutes=5)

# (team_id, user_ids, now) -> for each user Slack told about, when their do-not-disturb ends
# if it is on at `now`, else None.
DndLookup = Callable[[str, list[str], datetime], dict[str, datetime | None]]


class DoNotDisturb:
    """Answers "whose Slack do-not-disturb is on now?", asking Slack (`lookup`, for many people
    at once) at most once per person in DND_FRESH_FOR. Whoever Slack cannot tell about is
    taken as reachable: a reminder they can silence beats one that never comes."""

    def __init__(self, lookup: DndLookup) -> None:
        self._lookup = lookup
        self._answers: dict[tuple[str, str], tuple[datetime | None, datetime]] = {}

    def on(self, team_id: str, user_ids: Iterable[str], *, now: datetime) -> dict[str, datetime]:
        """Of `user_ids`, those whose do-not-disturb is on at `now`, with when it ends."""
        wanted = set(user_ids)
        stale = sorted(
            user_id
            for user_id in wanted
            if (cached := self._answers.get((team_id, user_id))) is None
            or now - cached[1] >= DND_FRESH_FOR
        )
        if stale:
            try:
                answers = self._lookup(team_id, stale, now)
            except Exception:
                log.warning("could not ask Slack about do-not-disturb", exc_info=True)
                answers = {}
            if len(self._answers) + len(stale) >= MEMORY_SIZE:
                self._answers.clear()
            for user_id in stale:
                self._answers[team_id, user_id] = (answers.get(user_id), now)
        ends = {
            user_id: self._answers.get((team_id, user_id), (None, now))[0] for user_id in wanted
        }
        return {user_id: end for user_id, end in ends.items() if end is not None and end > now}
