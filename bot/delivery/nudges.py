"""Overdue nudges, due-soon reminders and escalations: found, claimed once, sent.

Nobody hears about a milestone whose owner is away (an absence they declared, or a Slack
status that says so, looked up as the sweep decides). Such a reminder is not claimed, so once
the owner is back a still-overdue milestone gets its nudge, one a day they are present: the
days they were away are skipped, not caught up. Reminders go out in their owner's working
time only (hours, working days and public holidays, theirs or the deployment's, in their time
zone), and not while Slack's do-not-disturb is on for them: the sweep after it ends sends them.
A nudge posted in the channel, and an escalation to the channel, also wait for the channel's
working time. The same sweep updates channel cards whose derived health changed with time (a
milestone turning overdue, or at risk).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from operator import attrgetter
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
    union_all,
    update,
)
from sqlmodel import Session, col, select

from bot.delivery.announce import refresh_card, refresh_homes
from bot.delivery.deliveries import (
    Claimed,
    Recipient,
    SweepReport,
    deliver,
    delivery_job,
    send_to,
)
from bot.delivery.fanout import fan_out
from bot.domain import away, workspaces
from bot.domain.channels import paused as paused_channels
from bot.domain.channels import silenced as silenced_channels
from bot.domain.dependencies import (
    IDS_PER_QUERY,
    prerequisites_of,
    waiting_on_later,
    waiting_on_open,
)
from bot.domain.health import assess
from bot.domain.people import FRESH_FOR, is_zone
from bot.domain.rows import SweptMilestone, rows, select_rows
from bot.domain.schedules import week_from, working_time_of
from bot.domain.working_time import WorkingTime, WorkingWeek
from bot.render import blocks
from bot.runtime import Runtime
from bot.slack.client import ChannelGone
from bot.store.claims import claim, count_sent, sent_counts, settled
from bot.store.db import session_scope
from bot.store.models import (
    ChannelSettings,
    Delivery,
    DeliveryKind,
    EscalateTo,
    Health,
    Milestone,
    NudgeRoute,
    Person,
    PersonSchedule,
    Status,
)

log = logging.getLogger("bot.nudges")

# After this many daily nudges about one due date, someone else hears about it once.
ESCALATE_AFTER = 3
# Owners of milestones due this soon have their time zone looked up when it is stale: the
# furthest any zone is ahead of UTC is 14 hours, and a weekend can stand before a due date.
# (Which milestones a reminder can be about is worked out from everyone's working days.)
LOOKAHEAD = timedelta(days=4)
# A Slack status looked up this recently is taken as it is; older, it is asked for again
# before anyone is reminded (sweeps run every 30 minutes, so each asks afresh).
STATUS_FRESH_FOR = timedelta(minutes=5)

PersonKey = tuple[str, str]  # (team_id, user_id)


class Reminder(NamedTuple):
    """A reminder due about a milestone (a tuple: a zone's first sweep of the day finds tens of
    thousands)."""

    kind: DeliveryKind  # NUDGE or DUE_SOON
    key: str
    milestone: SweptMilestone
    today: date
    # The owner's working week.
    week: WorkingWeek = WorkingWeek()

    @property
    def days_overdue(self) -> int:
        """Working days (the owner's) since the due date: what a nudge and an escalation say.
        Worked out when one is sent, not for each of the thousands found."""
        return self.week.working_days_between(self.milestone.due_date, self.today)


def reminder_kind(due_date: date, today: date, week: WorkingWeek) -> DeliveryKind | None:
    """The kind of reminder due on `today`, a working day of the owner's `week`, about a
    milestone due on `due_date`: a nudge once overdue, a reminder on the working day before
    the due date."""
    if due_date < today:
        return DeliveryKind.NUDGE
    if due_date > today and week.previous_working_day(due_date) == today:
        return DeliveryKind.DUE_SOON
    return None


def _people(
    runtime: Runtime, keys: Iterable[PersonKey], *, now: datetime, max_age: timedelta
) -> dict[PersonKey, Person]:
    """People by (team, user), each asked of Slack at most once here and only when older."""
    by_team: dict[str, set[str]] = {}
    for team_id, user_id in keys:
        by_team.setdefault(team_id, set()).add(user_id)
    found = {}
    for team_id, user_ids in by_team.items():
        people = runtime.timezones.people(team_id, user_ids, now=now, max_age=max_age)
        found.update({(team_id, user_id): person for user_id, person in people.items()})
    return found


def due_reminders(runtime: Runtime, *, now: datetime) -> list[Reminder]:
    """Reminders due at `now` that are not claimed yet, about owners who are at work (their
    working time), not away and not in do-not-disturb.

    The milestones due a reminder are found with what is known of their owners' time zones
    (asking Slack first about owners not looked up for a day) and working weeks, and read in
    the same query (what a reminder needs of them); their owners are then looked up afresh
    (once each), and judged on that, and asked whether their do-not-disturb is on.
    """
    with session_scope(runtime.engine) as session:
        stale = session.exec(_owners_to_look_up(now)).all()
    _people(runtime, {(team_id, user_id) for team_id, user_id in stale}, now=now, max_age=FRESH_FOR)
    # Each owner's milestones due a reminder, and their schedule key: grouped rather than
    # kept in a tuple each, since a zone's first sweep of the day finds tens of thousands.
    due_by_owner: dict[PersonKey, list[SweptMilestone]] = {}
    keys: dict[PersonKey, ScheduleKey] = {}
    # Owners looked up within STATUS_FRESH_FOR, as the query read them.
    seen: dict[PersonKey, Seen] = {}
    # The few schedule keys, made once each rather than per milestone.
    key_of: dict[tuple, ScheduleKey] = {}
    make = SweptMilestone._make
    owner_at = len(SweptMilestone._fields)
    schedule_end = owner_at + SCHEDULE_COLUMNS
    with session_scope(runtime.engine) as session:
        dates = OwnerWorkingDates.at(runtime, session, now=now)
        # Workspaces that removed the app, channels the bot cannot post in, and those that
        # turned nudges off: few, and left out here rather than looked up for each milestone.
        departed = workspaces.departed(session)
        quiet = paused_channels(session) | silenced_channels(session)
        # Plain rows through the connection: the ORM's result handling would only slow them.
        found = (
            session.connection().execute(_reminders_due(now, dates)).all() if dates.by_key else ()
        )
        for row in found:
            milestone = make(row[:owner_at])
            team_id = milestone.team_id
            if team_id in departed or (team_id, milestone.channel_id) in quiet:
                continue
            owner = team_id, milestone.responsible_id
            owned = due_by_owner.get(owner)
            if owned is None:
                owned = due_by_owner[owner] = []
                stored = row[owner_at:schedule_end]
                key = key_of.get(stored)
                if key is None:
                    key = key_of[stored] = _schedule_key(stored)
                keys[owner] = key
                fresh_then, status_text, status_emoji = row[schedule_end:]
                if fresh_then:
                    seen[owner] = Seen(stored[0], status_text, status_emoji)
            owned.append(milestone)
    weeks = {key: week_from(runtime.settings.working_week, *key[1:]) for key in key_of.values()}
    # Owners not looked up within STATUS_FRESH_FOR are looked up afresh (once each).
    fresh: dict[PersonKey, Seen | Person] = {
        **seen,
        **_people(runtime, keys.keys() - seen.keys(), now=now, max_age=STATUS_FRESH_FOR),
    }
    # Judged again on each owner's zone as Slack gives it now: worked out once per schedule
    # and zone, which the owners share by the thousand.
    days = {}
    day_in: dict[tuple[ScheduleKey, str | None], date | None] = {}
    for owner, key in keys.items():
        person = fresh.get(owner)
        zone = person.timezone if person else None
        day = day_in.get((key, zone), False)
        if day is False:
            day = day_in[key, zone] = weeks[key].in_zone(_zone(runtime, person)).working_date(now)
        if day is not None:
            days[owner] = day
    unreachable = set(_away(runtime, days, fresh))
    unreachable |= _in_do_not_disturb(runtime, set(days) - unreachable, now=now)
    # The kind and the key's date, worked out once per schedule, day and due date rather than
    # for each of the thousands of milestones that share them.
    verdicts: dict[tuple[ScheduleKey, date], dict[date, tuple[DeliveryKind | None, str]]] = {}
    reminders = []
    for owner, today in days.items():
        if owner in unreachable:
            continue
        key = keys[owner]
        week = weeks[key]
        on_day = verdicts.setdefault((key, today), {})
        for milestone in due_by_owner[owner]:
            due_date = milestone.due_date
            verdict = on_day.get(due_date)
            if verdict is None:
                kind = reminder_kind(due_date, today, week)
                # A nudge a day; one reminder before each due date.
                about = today if kind == DeliveryKind.NUDGE else due_date
                verdict = on_day[due_date] = (kind, f":{about}")
            kind, about = verdict
            if kind is not None:
                reminders.append(Reminder(kind, f"{milestone.id}{about}", milestone, today, week))
    return reminders


class Seen(NamedTuple):
    """What `due_reminders` needs of an owner's profile, as its query read it."""

    timezone: str | None
    status_text: str | None
    status_emoji: str | None


def _zone(runtime: Runtime, person: Person | None) -> ZoneInfo:
    name = person.timezone if person and person.timezone else runtime.settings.default_timezone
    return ZoneInfo(name if is_zone(name) else runtime.settings.default_timezone)


# (time zone, working hours, working days, holidays) as stored; each None when unknown or not
# chosen. Owners sharing one share their working dates.
ScheduleKey = tuple[str | None, str | None, str | None, str | None]


def _schedule_key(values) -> ScheduleKey:
    zone, hours, days, holidays = (value or None for value in values)
    return zone, hours, days, holidays


@dataclass(frozen=True)
class OwnerDays:
    """Owners' dates at one instant, by the time zone last looked up (as Timezones.date_of
    gives them), so that a query can work out each owner's date."""

    by_zone: dict[str, date]
    default: date

    @classmethod
    def at(cls, runtime: Runtime, session: Session, *, now: datetime) -> OwnerDays:
        zones = [zone for zone in session.exec(select(Person.timezone).distinct()).all() if zone]
        return cls(
            by_zone={
                zone: runtime.timezones.date_of(Person(timezone=zone), now=now) for zone in zones
            },
            default=runtime.timezones.date_of(None, now=now),
        )

    @property
    def earliest(self) -> date:
        """The earliest of the owners' dates: a milestone due before it is overdue for all."""
        return min([self.default, *self.by_zone.values()])

    @property
    def zones(self) -> tuple[str, ...]:
        """The owners' zones, in a fixed order: what the shape of a statement depends on."""
        return tuple(sorted(self.by_zone))

    def parameters(self) -> dict[str, date]:
        """The values of the owners' dates' parameters: `owner_day_of`'s, and
        `owners_earliest_day` (the earliest of them)."""
        return {
            "owners_default_day": self.default,
            "owners_earliest_day": self.earliest,
            **{f"owners_day_{i}": self.by_zone[zone] for i, zone in enumerate(self.zones)},
        }


def owner_day_of(zones: tuple[str, ...]) -> ColumnElement[date]:
    """The date of the person who answers for each milestone (joined by `_owner_known`), for
    owners in `zones`: a parameter for each zone's date (OwnerDays.parameters gives them)."""
    default = bindparam("owners_default_day", type_=Date)
    if not zones:
        return default
    zone = col(Person.timezone)
    return case(
        *((zone == name, bindparam(f"owners_day_{i}", type_=Date)) for i, name in enumerate(zones)),
        else_=default,
    )


class WorkingDay(NamedTuple):
    """An owner's working date at the sweep's instant, and their next working day: a reminder
    before a due date goes on the last working day before it."""

    today: date
    next: date


@dataclass(frozen=True)
class OwnerWorkingDates:
    """Owners' working dates at one instant, by their schedule key (the time zone last looked
    up, and the hours, days and holidays they chose): only the keys whose owners are at work
    then, so that a query leaves the others out."""

    by_key: dict[ScheduleKey, WorkingDay]
    # Whether anyone chose hours, days or holidays: if not, the zone alone tells.
    chosen: bool

    @classmethod
    def at(cls, runtime: Runtime, session: Session, *, now: datetime) -> OwnerWorkingDates:
        keys, chosen = _schedule_keys(session)
        by_key = {}
        for key in keys:
            working_time = _working_time(runtime, key)
            day = working_time.working_date(now)
            if day is not None:
                by_key[key] = WorkingDay(day, working_time.week.next_working_day(day))
        return cls(by_key=by_key, chosen=chosen)

    def owner_among(self, keys: list[ScheduleKey]) -> ColumnElement[bool]:
        """Whether the schedule key of the person who answers for each milestone (joined by
        `_owner_known`, and `_owner_schedule` when anyone chose a schedule) is one of `keys`."""
        zones = [key[0] or "" for key in keys if key[1:] == (None, None, None)]
        by_zone = func.coalesce(col(Person.timezone), "").in_(zones)
        if not self.chosen:
            return by_zone
        # Only the few owners who chose a schedule pay for matching all of it.
        return or_(
            and_(col(PersonSchedule.user_id).is_(None), by_zone),
            and_(
                col(PersonSchedule.user_id).is_not(None),
                _schedule_text().in_(["|".join(part or "" for part in key) for key in keys]),
            ),
        )


def _schedule_keys(session: Session) -> tuple[set[ScheduleKey], bool]:
    """The owners' schedule keys (their zones as last looked up, with the hours, days and
    holidays the few who chose them did), and whether anyone chose any."""
    zones = session.exec(select(Person.timezone).distinct()).all()
    chosen = session.exec(
        select(
            Person.timezone,
            PersonSchedule.working_hours,
            PersonSchedule.working_days,
            PersonSchedule.holidays,
        )
        .select_from(PersonSchedule)
        .outerjoin(Person, _same_person(PersonSchedule))
        .distinct()
    ).all()
    keys = {_schedule_key((zone, None, None, None)) for zone in zones}
    keys |= {(None, None, None, None)} | {_schedule_key(row) for row in chosen}
    return keys, bool(chosen)


def working_times(runtime: Runtime) -> list[WorkingTime]:
    """Every working time the nudge sweep sends in: each owner schedule's, and each channel's
    with settings of its own (nudges and escalations posted there wait for it). A sweep at
    each of their openings sends whatever a sweep at any later moment of the day would. For
    a small workspace (the sandbox's clock): it reads every channel's settings."""
    with session_scope(runtime.engine) as session:
        keys, _chosen = _schedule_keys(session)
        channels = session.exec(select(ChannelSettings)).all()
    return [
        *(_working_time(runtime, key) for key in keys),
        *(_channel_working_time(runtime, settings) for settings in channels),
    ]


def _working_time(runtime: Runtime, key: ScheduleKey) -> WorkingTime:
    zone, *chosen = key
    week = week_from(runtime.settings.working_week, *chosen)
    default = runtime.settings.default_timezone
    return week.in_zone(ZoneInfo(zone if zone and is_zone(zone) else default))


def _schedule_text() -> ColumnElement[str]:
    """The schedule key of each milestone's owner as one text, parts joined by "|"."""
    parts = [
        col(Person.timezone),
        col(PersonSchedule.working_hours),
        col(PersonSchedule.working_days),
        col(PersonSchedule.holidays),
    ]
    text = func.coalesce(parts[0], "")
    for part in parts[1:]:
        text = text + literal("|") + func.coalesce(part, "")
    return text


def _same_person(table: type[PersonSchedule]) -> ColumnElement[bool]:
    return and_(Person.team_id == table.team_id, Person.user_id == table.user_id)


def _candidates(due_then: ColumnElement[bool], *columns: ColumnElement) -> Select:
    """Open milestones due `due_then`, selecting `columns`, with the person who answers for
    each joined (`_owner_known`)."""
    return _owner_known(select(*columns).where(Milestone.status == Status.OPEN, due_then))


def _not_silenced(query: Select) -> Select:
    """`query` without the milestones in channels that turned nudges off. Joined, after the
    owners, so that SQLite looks a channel up only for the milestones whose owners qualify."""
    return query.outerjoin(
        ChannelSettings,
        and_(
            ChannelSettings.team_id == Milestone.team_id,
            ChannelSettings.channel_id == Milestone.channel_id,
            ChannelSettings.nudges == NudgeRoute.OFF,
        ),
    ).where(col(ChannelSettings.team_id).is_(None))


def _unclaimed(
    query: Select, kind: DeliveryKind, key: ColumnElement[str], *, now: datetime
) -> Select:
    """`query` without the milestones whose delivery of `kind` under `key` is claimed already
    (sent, or in a live process's hands). Joined, after the owners, so that SQLite looks a
    claim up only for the milestones whose owners are at work."""
    return query.outerjoin(
        Delivery,
        and_(
            Delivery.team_id == Milestone.team_id,
            Delivery.kind == kind,
            Delivery.key == key,
            # One that failed for now, or was left by a process that died, is due again.
            settled(now=now),
        ),
    ).where(col(Delivery.id).is_(None))


def _responsible():
    return func.coalesce(col(Milestone.owner_id), col(Milestone.creator_id))


def _owner_known(query: Select) -> Select:
    return query.outerjoin(
        Person, and_(Person.team_id == Milestone.team_id, Person.user_id == _responsible())
    )


def _owner_schedule(query: Select) -> Select:
    return query.outerjoin(
        PersonSchedule,
        and_(
            PersonSchedule.team_id == Milestone.team_id,
            PersonSchedule.user_id == _responsible(),
        ),
    )


def _owners_to_look_up(now: datetime) -> Select:
    """(team, user) of candidates' owners never looked up, or not for FRESH_FOR."""
    due_soon = col(Milestone.due_date) <= now.date() + LOOKAHEAD
    stale = or_(col(Person.user_id).is_(None), col(Person.fetched_at) <= now - FRESH_FOR)
    return _not_silenced(
        _candidates(due_soon, Milestone.team_id, _responsible()).where(stale)
    ).distinct()


# The owner's schedule key as stored, after the milestone's columns in each row of
# `_reminders_due`; then whether the owner was looked up within STATUS_FRESH_FOR, and their
# Slack status's text and emoji.
SCHEDULE_COLUMNS = 4


def _reminders_due(now: datetime, dates: OwnerWorkingDates) -> Select:
    """The milestones due a reminder at `now` that is not claimed yet (SweptMilestone's
    columns), each after its owner's schedule key as stored (zone, hours, days, holidays):
    owners at work (by the zone known), a nudge once overdue on their working date, a
    reminder when due by their next working day. Whatever is claimed already is left out in
    the query, so a sweep after the day's first reads little, and so is every owner not at
    work.

    One part for the nudges of each working date the owners at work have, and one for the
    reminders of each working date and next working day (one or two of each, mostly), each
    deciding on a range of ix_milestone_reminders and the owners' rows; only the milestones
    due a reminder are read from the table.
    """
    due = col(Milestone.due_date)
    reference = cast(Milestone.id, String) + ":"
    schedule = {
        "hours": col(PersonSchedule.working_hours),
        "days": col(PersonSchedule.working_days),
        "holidays": col(PersonSchedule.holidays),
    }
    if not dates.chosen:
        schedule = {name: literal(None, String) for name in schedule}
    owner = {
        "zone": col(Person.timezone),
        **schedule,
        "fresh": col(Person.fetched_at) > now - STATUS_FRESH_FOR,
        "status_text": col(Person.status_text),
        "status_emoji": col(Person.status_emoji),
    }

    def part(
        keys: list[ScheduleKey],
        due_then: ColumnElement[bool],
        kind: DeliveryKind,
        key: ColumnElement[str],
    ) -> Select:
        query = _candidates(
            due_then, Milestone.id, *(column.label(name) for name, column in owner.items())
        )
        if dates.chosen:
            query = _owner_schedule(query)
        return _unclaimed(query.where(dates.owner_among(keys)), kind, key, now=now)

    on_day: dict[date, list[ScheduleKey]] = {}
    by_day: dict[WorkingDay, list[ScheduleKey]] = {}
    for key, day in dates.by_key.items():
        on_day.setdefault(day.today, []).append(key)
        by_day.setdefault(day, []).append(key)
    nudges = [
        part(keys, due < today, DeliveryKind.NUDGE, reference + str(today))
        for today, keys in on_day.items()
    ]
    before_due = [
        part(
            keys,
            and_(due > day.today, due <= day.next),
            DeliveryKind.DUE_SOON,
            reference + cast(due, String),
        )
        for day, keys in by_day.items()
    ]
    decided = union_all(*nudges, *before_due).subquery()
    return (
        select_rows(SweptMilestone)
        .add_columns(*(decided.c[name] for name in owner))
        # Named first, so that SQLite decides on the index and the owners' rows before it
        # reads a milestone's row.
        .select_from(decided)
        .join(Milestone, col(Milestone.id) == decided.c.id)
    )


def _in_do_not_disturb(
    runtime: Runtime, owners: set[PersonKey], *, now: datetime
) -> set[PersonKey]:
    """Of `owners`, those whose Slack do-not-disturb is on: asked of Slack per workspace."""
    by_team: dict[str, set[str]] = {}
    for team_id, user_id in owners:
        by_team.setdefault(team_id, set()).add(user_id)
    return {
        (team_id, user_id)
        for team_id, user_ids in by_team.items()
        for user_id in runtime.dnd.on(team_id, user_ids, now=now)
    }


def _away(
    runtime: Runtime, days: dict[PersonKey, date], people: dict[PersonKey, Person]
) -> set[PersonKey]:
    teams = {team_id for team_id, _ in days}
    found = set()
    with session_scope(runtime.engine) as session:
        for team_id in teams:
            away_here = away.who_is_away(
                session,
                team_id=team_id,
                days={user: day for (team, user), day in days.items() if team == team_id},
                people={user: p for (team, user), p in people.items() if team == team_id},
            )
            found |= {(team_id, user_id) for user_id in away_here}
    return found


def claim_reminders(
    session: Session, reminders: list[Reminder], *, now: datetime
) -> dict[tuple[str, str], int]:
    """Claim each reminder's delivery; the ones this process won, by (kind, key)."""
    return claim(
        session,
        [
            {
                "team_id": r.milestone.team_id,
                "kind": r.kind,
                "key": r.key,
                "milestone_id": r.milestone.id,
                "channel_id": r.milestone.channel_id,
                "due_date": r.milestone.due_date,
                "claimed_at": now,
            }
            for r in reminders
        ],
    )


def run_nudge_sweep(runtime: Runtime, *, now: datetime) -> SweepReport:
    """Send every nudge and reminder due at `now` that nobody has claimed; refresh cards."""
    reminders = due_reminders(runtime, now=now)
    with session_scope(runtime.engine) as session:
        settings = _settings(session, [r.milestone for r in reminders])
        # A nudge posted in the channel waits for the channel's working time too.
        reminders = [
            r
            for r in reminders
            if r.kind != DeliveryKind.NUDGE
            or settings[r.milestone.team_id, r.milestone.channel_id].nudges != NudgeRoute.CHANNEL
            or _channel_at_work(runtime, settings[r.milestone.team_id, r.milestone.channel_id], now)
        ]
        won = claim_reminders(session, reminders, now=now)
        # Nudges sent before today's: only a milestone that reaches ESCALATE_AFTER with today's
        # needs a closer look once it is sent.
        earlier = sent_counts(
            session,
            kind=DeliveryKind.NUDGE,
            milestone_ids=[r.milestone.id for r in reminders if r.kind == DeliveryKind.NUDGE],
        )
    report = SweepReport()
    jobs = []
    for reminder in reminders:
        delivery_id = won.get((reminder.kind, reminder.key))
        if delivery_id is None:
            continue
        milestone = reminder.milestone
        channel_settings = settings[milestone.team_id, milestone.channel_id]
        to = Recipient(milestone.team_id, user_id=milestone.responsible_id)
        if reminder.kind == DeliveryKind.NUDGE:
            days = reminder.days_overdue
            in_channel = channel_settings.nudges == NudgeRoute.CHANNEL
            if in_channel:
                to = Recipient(milestone.team_id, channel_id=milestone.channel_id)
            message = blocks.overdue_nudge(milestone, days_overdue=days, in_channel=in_channel)
        else:
            # A reminder before the due date stays private wherever nudges go.
            message = blocks.due_soon_reminder(
                milestone, on_a_working_day=reminder.week.is_working_day(milestone.due_date)
            )
        send = send_to(
            runtime.messenger(milestone.team_id), to, message, thread_ts=milestone.announcement_ts
        )
        then = None
        before = earlier.get((milestone.id, milestone.due_date), 0)
        if reminder.kind == DeliveryKind.NUDGE and before + 1 >= ESCALATE_AFTER:
            then = partial(
                _escalate_if_needed, runtime, report, reminder, channel_settings, now=now
            )
        jobs.append(
            delivery_job(
                runtime.engine,
                report,
                Claimed(delivery_id, reminder.kind, to, send, milestone_id=milestone.id),
                now=now,
                then=then,
            )
        )
    fan_out(jobs, pacer=runtime.slack.pacer, stopping=runtime.stopping)
    refreshed = refresh_health_cards(runtime, now=now)
    if refreshed:
        log.info("%d channel cards show a new health", refreshed)
    return report


def _settings(
    session: Session, milestones: list[SweptMilestone]
) -> dict[tuple[str, str], ChannelSettings]:
    by_team: dict[str, set[str]] = {}
    for m in milestones:
        by_team.setdefault(m.team_id, set()).add(m.channel_id)
    saved = {}
    for team_id, channel_ids in by_team.items():
        wanted = sorted(channel_ids)
        for start in range(0, len(wanted), IDS_PER_QUERY):
            saved.update(
                ((s.team_id, s.channel_id), s)
                for s in session.exec(
                    select(ChannelSettings).where(
                        ChannelSettings.team_id == team_id,
                        col(ChannelSettings.channel_id).in_(wanted[start : start + IDS_PER_QUERY]),
                    )
                ).all()
            )
    return {
        (team_id, channel_id): saved.get((team_id, channel_id))
        or ChannelSettings(team_id=team_id, channel_id=channel_id)
        for team_id, channel_ids in by_team.items()
        for channel_id in channel_ids
    }


def _channel_at_work(runtime: Runtime, settings: ChannelSettings, now: datetime) -> bool:
    """Whether it is working time in the channel."""
    return _channel_working_time(runtime, settings).is_working_time(now)


def _channel_working_time(runtime: Runtime, settings: ChannelSettings) -> WorkingTime:
    """The channel's working time: its hours, days and holidays in its weekly status's zone."""
    zone = ZoneInfo(settings.digest_timezone or runtime.settings.default_timezone)
    return working_time_of(runtime.settings.working_week, settings, zone)


def _escalate_if_needed(
    runtime: Runtime,
    report: SweepReport,
    reminder: Reminder,
    settings: ChannelSettings,
    *,
    now: datetime,
) -> None:
    milestone = reminder.milestone
    to_channel = settings.escalate_to != EscalateTo.APPROVER or not milestone.approver_id
    if to_channel and not _channel_at_work(runtime, settings, now):
        # Left for a later nudge, sent in the channel's working time, to claim.
        return
    with session_scope(runtime.engine) as session:
        nudges = count_sent(
            session, milestone_id=milestone.id, kind=DeliveryKind.NUDGE, due_date=milestone.due_date
        )
        if nudges < ESCALATE_AFTER:
            return
        won = claim(
            session,
            [
                {
                    "team_id": milestone.team_id,
                    "kind": DeliveryKind.ESCALATION,
                    "key": f"{milestone.id}:{milestone.due_date}",
                    "milestone_id": milestone.id,
                    "channel_id": milestone.channel_id,
                    "due_date": milestone.due_date,
                    "claimed_at": now,
                }
            ],
        )
    if not won:
        return
    days = reminder.days_overdue
    # Without an approver to tell, the channel hears it.
    to_approver = settings.escalate_to == EscalateTo.APPROVER and bool(milestone.approver_id)
    to = (
        Recipient(milestone.team_id, user_id=milestone.approver_id)
        if to_approver
        else Recipient(milestone.team_id, channel_id=milestone.channel_id)
    )
    message = blocks.escalation(
        milestone, days_overdue=days, nudges=nudges, to_approver=to_approver
    )
    send = send_to(
        runtime.messenger(milestone.team_id), to, message, thread_ts=milestone.announcement_ts
    )
    delivery_id = next(iter(won.values()))
    delivery = Claimed(delivery_id, DeliveryKind.ESCALATION, to, send, milestone_id=milestone.id)
    deliver(runtime.engine, report, delivery, now=now)


def refresh_health_cards(runtime: Runtime, *, now: datetime) -> int:
    """Update the cards of active milestones whose derived health changed; how many were.

    Each is claimed by setting `shown_health` from the value read to the new one in one
    conditional UPDATE, so of two processes only one updates a card. A card that fails to
    update for now gets its old value back, for a later sweep to try again.
    """
    changed = changed_health(runtime, now=now)
    # A transaction of its own that starts by writing: each UPDATE sees the latest value.
    with session_scope(runtime.engine) as session:
        claimed = [
            (milestone, state)
            for milestone, state in changed
            if _set_shown_health(session, milestone.id, old=milestone.shown_health, new=state)
        ]
    updated = 0
    for milestone, state in claimed:
        try:
            refresh_card(runtime, milestone.id, now=now)
            refresh_homes(runtime, milestone)
        except ChannelGone as gone:
            log.warning("card of %s not updated: %s", milestone.reference, gone)
            continue
        except Exception:
            log.exception("card of %s not updated; a later sweep will retry", milestone.reference)
            with session_scope(runtime.engine) as session:
                _set_shown_health(session, milestone.id, old=state, new=milestone.shown_health)
        else:
            updated += 1
    return updated


def changed_health(runtime: Runtime, *, now: datetime) -> list[tuple[SweptMilestone, str | None]]:
    """Active milestones with a card whose health at `now` is not the one the card shows,
    each with its health now."""
    with session_scope(runtime.engine) as session:
        days = OwnerDays.at(runtime, session, now=now)
        latest = now.date() + timedelta(days=1)
        # Put in order here: asked to, PostgreSQL would read the whole table in id order.
        milestones = sorted(
            rows(
                session.connection().execute(
                    _cards_to_judge(days.zones),
                    {
                        **days.parameters(),
                        "latest_day": latest,
                        # Five days after any owner's date hold three working days: beyond
                        # RISK_WORKING_DAYS.
                        "beyond_risk_day": latest + timedelta(days=5),
                    },
                ),
                SweptMilestone,
            ),
            key=attrgetter("id"),
        )
        departed = workspaces.departed(session)
        paused = paused_channels(session)
        milestones = [
            m
            for m in milestones
            if m.team_id not in departed and (m.team_id, m.channel_id) not in paused
        ]
        # Owners' zones as last looked up, read once per workspace rather than once per owner.
        today_of = runtime.timezones.known_today_of(session, milestones, now=now)
        prerequisites = prerequisites_of(session, [m.id for m in milestones], row=SweptMilestone)
    changed = []
    for milestone in milestones:
        waiting_on = [p for p in prerequisites[milestone.id] if p.status != Status.REACHED]
        state = assess(milestone, today=today_of(milestone), open_prerequisites=waiting_on).state
        if state != milestone.shown_health:
            changed.append((milestone, state))
    return changed


# The statement of the cards to judge, built once for each set of zones the owners have
# (building it took longer than running it on a small database); the dates are its parameters.
_CARDS_TO_JUDGE: dict[tuple[str, ...], Select] = {}


def _cards_to_judge(zones: tuple[str, ...]) -> Select:
    statement = _CARDS_TO_JUDGE.get(zones)
    if statement is None:
        if len(_CARDS_TO_JUDGE) >= 64:  # the owners' zones changed many times: start again
            _CARDS_TO_JUDGE.clear()
        may_differ = _health_may_differ(zones).subquery()
        statement = _CARDS_TO_JUDGE[zones] = select_rows(SweptMilestone).where(
            col(Milestone.id).in_(select(may_differ.c.id))
        )
    return statement


def _health_may_differ(zones: tuple[str, ...]) -> Select:
    """The ids of active milestones with a card whose health may differ from what the card
    shows: all but those whose health is certain from their row, their owner's date and
    their prerequisites, and already shown (as `health.assess` would judge them).

    A union of parts that each read a range of ix_milestone_health (the owners' rows only
    where a due date is close enough for their zones to matter, the links only where it is
    close enough for an open prerequisite to matter), or, for the cards waiting on a
    milestone due after them, ix_milestone_waits_on_later: the milestones far from their due
    date and showing their health are never read.
    """
    # Every owner's date at `now` is before the day after UTC's (latest_day: zones reach +14
    # hours), and none before the earliest of their zones'.
    latest = bindparam("latest_day", type_=Date)
    beyond_risk = bindparam("beyond_risk_day", type_=Date)
    earliest = bindparam("owners_earliest_day", type_=Date)
    owner_day = owner_day_of(zones)
    shown, due = col(Milestone.shown_health), col(Milestone.due_date)
    marked = func.coalesce(col(Milestone.marked_health), "")
    cards = select(Milestone.id).where(
        col(Milestone.status).in_(Status.ACTIVE), col(Milestone.announcement_ts).is_not(None)
    )
    on_track = cards.where(shown == Health.ON_TRACK, col(Milestone.marked_health).is_(None))
    return union_all(
        cards.where(shown.is_(None)),
        # Blocked by hand is blocked, whatever else.
        cards.where(shown == Health.BLOCKED, marked != Health.BLOCKED),
        # Overdue is off track, unless blocked (each mark a range of the index of its own).
        cards.where(shown == Health.OFF_TRACK, or_(marked == Health.BLOCKED, due.is_(None))),
        *(
            _owner_known(cards).where(
                shown == Health.OFF_TRACK, mark, due >= earliest, due >= owner_day
            )
            for mark in (
                col(Milestone.marked_health).is_(None),
                col(Milestone.marked_health) == Health.AT_RISK,
            )
        ),
        # At risk by hand stays so until overdue; so does one waiting on an open milestone
        # due after it.
        _owner_known(cards).where(
            shown == Health.AT_RISK,
            ~or_(
                and_(marked == Health.AT_RISK, or_(due.is_(None), due >= owner_day)),
                and_(marked == "", due.is_not(None), due >= owner_day, waiting_on_later()),
            ),
        ),
        cards.where(shown == Health.ON_TRACK, col(Milestone.marked_health).is_not(None)),
        # Otherwise on track: with no due date, or not overdue and waiting on no open
        # milestone, or far from due with no open prerequisite due after it.
        on_track.where(due < earliest),
        _owner_known(on_track).where(due >= earliest, due < latest, due < owner_day),
        on_track.where(due >= earliest, due < beyond_risk, waiting_on_open()),
        on_track.where(col(Milestone.waits_on_later)),
    )


def _set_shown_health(
    session: Session, milestone_id: int, *, old: str | None, new: str | None
) -> bool:
    shown = col(Milestone.shown_health)
    statement = (
        update(Milestone)
        .where(col(Milestone.id) == milestone_id, shown.is_(None) if old is None else shown == old)
        .values(shown_health=new)
    )
    return session.execute(statement).rowcount == 1
