"""The weekly status: which channels are due now, claimed once, composed and posted.

It notes who is away, and shows owners as @-mentions or, where the channel turned mentions
off, by the names Slack gives.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import Session, col, select

from bot.delivery.deliveries import Recipient, SweepReport, delivery_job
from bot.delivery.fanout import fan_out
from bot.domain import away, channels, workspaces
from bot.domain.dependencies import prerequisites_in_channels
from bot.domain.goals import Tally, open_goals, progress, tallies
from bot.domain.health import describe
from bot.domain.schedules import week_of
from bot.domain.status_report import ChannelStatus, channel_status
from bot.domain.working_time import WorkingWeek
from bot.render import blocks
from bot.runtime import Runtime
from bot.store.claims import claim
from bot.store.db import session_scope
from bot.store.models import ChannelSettings, DeliveryKind, Goal, GoalStatus, Milestone, Status

log = logging.getLogger("bot.digest")

# A status missed while the bot was down is still worth sending this long after its time.
GRACE = timedelta(hours=12)
# People looked up longer ago are asked about again (names, and statuses that say away).
PROFILE_FRESH_FOR = timedelta(hours=1)
UTC = ZoneInfo("UTC")
# Channels whose statuses are composed together: a batch's milestones are loaded at once, so
# this bounds both the memory a sweep holds and the size of its queries' IN lists.
CHANNELS_PER_BATCH = 500


@dataclass(frozen=True)
class DueDigest:
    team_id: str
    channel_id: str
    key: str
    today: date
    zone: ZoneInfo
    # The time of the channel's previous weekly status: what was reached since is news.
    reached_since: datetime
    mentions: bool = True


def last_scheduled(now: datetime, *, weekday: int, at: time, zone: ZoneInfo) -> datetime:
    """The latest weekly instant (weekday, wall-clock time in `zone`) at or before `now`.

    Both are aware datetimes; the wall-clock time is placed in the zone on its own date, so the
    instant follows daylight-saving changes.
    """
    local_now = now.astimezone(zone)
    day = local_now.date() - timedelta(days=(local_now.weekday() - weekday) % 7)
    scheduled = datetime.combine(day, at, tzinfo=zone)
    # Compared with `now`, not `local_now`: datetimes sharing a tzinfo compare by wall clock,
    # which goes wrong in the hour that repeats when summer time ends.
    if scheduled > now:
        scheduled = datetime.combine(day - timedelta(days=7), at, tzinfo=zone)
    return scheduled.astimezone(UTC)


def on_a_working_day(scheduled: datetime, week: WorkingWeek, zone: ZoneInfo) -> datetime:
    """`scheduled`, or when its date in `zone` is not a working day, the same wall-clock time
    on the next working day (in UTC)."""
    local = scheduled.astimezone(zone)
    if week.is_working_day(local.date()):
        return scheduled
    day = week.next_working_day(local.date())
    return datetime.combine(day, local.time(), tzinfo=zone).astimezone(UTC)


def channel_zone(settings: ChannelSettings, default: str) -> ZoneInfo:
    return ZoneInfo(settings.digest_timezone or default)


def compose(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    today: date,
    zone: ZoneInfo,
    reached_since: datetime,
    today_of: Callable[[Milestone], date],
) -> ChannelStatus:
    """A channel's status on demand, for a channel in `zone`.

    `today_of` gives the date each milestone's health is judged on: its owner's.
    """
    milestones = list(
        session.exec(
            select(Milestone).where(
                Milestone.team_id == team_id,
                Milestone.channel_id == channel_id,
                Milestone.status != Status.CANCELLED,
            )
        ).all()
    )
    goals = open_goals(session, team_id=team_id, channel_id=channel_id)
    return channel_status(
        milestones,
        team_id=team_id,
        channel_id=channel_id,
        today=today,
        zone=zone,
        reached_since=reached_since,
        details=describe(session, milestones, today_of=today_of),
        progress=[progress(goal, milestones) for goal in goals],
    )


def due_digests(
    session: Session,
    *,
    now: datetime,
    default_timezone: str,
    default_week: WorkingWeek | None = None,
) -> list[DueDigest]:
    """Channels with milestones whose weekly status time has come, within the grace period.

    A status whose day is not a working day of the channel (a weekend day it does not work, a
    public holiday of its country) comes at the same time on its next working day, under the
    same week's key: still once a week.
    """
    channels = session.exec(
        select(Milestone.team_id, Milestone.channel_id, func.min(Milestone.created_at))
        .where(Milestone.status != Status.CANCELLED)
        .group_by(col(Milestone.team_id), col(Milestone.channel_id))
        # A workspace's channels together: a batch of them then reads people once.
        .order_by(col(Milestone.team_id), col(Milestone.channel_id))
    ).all()
    saved = {(s.team_id, s.channel_id): s for s in session.exec(select(ChannelSettings)).all()}
    due = []
    for team_id, channel_id, first_declared in channels:
        settings = saved.get((team_id, channel_id)) or ChannelSettings(
            team_id=team_id, channel_id=channel_id
        )
        if not settings.digest_enabled:
            continue
        zone = channel_zone(settings, default_timezone)
        at = time.fromisoformat(settings.digest_time)
        scheduled = last_scheduled(now, weekday=settings.digest_weekday, at=at, zone=zone)
        week = week_of(default_week or WorkingWeek(), settings)
        posting = on_a_working_day(scheduled, week, zone)
        # A channel that had no milestones at its time missed nothing: the grace period is for
        # downtime, not for greeting a first milestone with a "weekly" status minutes later.
        if posting > now or now - posting > GRACE or first_declared > scheduled:
            continue
        year, week, _ = scheduled.astimezone(zone).isocalendar()
        today = now.astimezone(zone).date()
        key = f"{channel_id}:{year}-W{week:02d}"
        # A week before on the wall clock, which is not 168 hours across a clock change.
        previous = last_scheduled(
            scheduled - timedelta(seconds=1), weekday=settings.digest_weekday, at=at, zone=zone
        )
        due.append(DueDigest(team_id, channel_id, key, today, zone, previous, settings.mentions))
    return due


# Statuses composed are sent this many at a time, channels in parallel.
SEND_BATCH = 500


def run_digest_sweep(runtime: Runtime, *, now: datetime) -> SweepReport:
    """Post every weekly status due at `now` that nobody has claimed."""
    with session_scope(runtime.engine) as session:
        due = due_digests(
            session,
            now=now,
            default_timezone=runtime.settings.default_timezone,
            default_week=runtime.settings.working_week,
        )
        departed = workspaces.departed(session)
        paused = channels.paused(session)
        due = [
            d for d in due if d.team_id not in departed and (d.team_id, d.channel_id) not in paused
        ]
        won = claim(
            session,
            [
                {
                    "team_id": d.team_id,
                    "kind": DeliveryKind.DIGEST,
                    "key": d.key,
                    "channel_id": d.channel_id,
                    "claimed_at": now,
                }
                for d in due
            ],
        )
    claimed = [d for d in due if (DeliveryKind.DIGEST, d.key) in won]
    report = SweepReport()
    jobs = []
    for digest, messages in compose_digests(runtime, claimed, now=now):
        if len(jobs) == SEND_BATCH:  # sent as composed: not every status in memory at once
            fan_out(jobs, pacer=runtime.slack.pacer, stopping=runtime.stopping)
            jobs = []
        jobs.append(
            delivery_job(
                runtime.engine,
                report,
                won[DeliveryKind.DIGEST, digest.key],
                kind=DeliveryKind.DIGEST,
                now=now,
                to=Recipient(digest.team_id, channel_id=digest.channel_id),
                send=partial(post_status, runtime, digest.team_id, digest.channel_id, messages),
            )
        )
    fan_out(jobs, pacer=runtime.slack.pacer, stopping=runtime.stopping)
    return report


def compose_digests(
    runtime: Runtime, digests: list[DueDigest], *, now: datetime
) -> Iterator[tuple[DueDigest, list[blocks.Message]]]:
    """Each digest with its messages, composed CHANNELS_PER_BATCH channels at a time.

    A batch takes a fixed number of queries (a few, plus a few per workspace), whatever the
    number of its channels and milestones; only one batch's milestones are held at once.
    """
    for start in range(0, len(digests), CHANNELS_PER_BATCH):
        batch = digests[start : start + CHANNELS_PER_BATCH]
        statuses = load_statuses(runtime, batch, now=now)
        messages = statuses_messages(
            runtime,
            [(statuses[d.team_id, d.channel_id], d.mentions) for d in batch],
            now=now,
        )
        yield from zip(batch, messages, strict=True)


def status_messages(
    runtime: Runtime, status: ChannelStatus, *, mentions: bool, now: datetime
) -> list[blocks.Message]:
    """The status as messages, noting who is away; owners named where mentions are off."""
    return statuses_messages(runtime, [(status, mentions)], now=now)[0]


def statuses_messages(
    runtime: Runtime, statuses: list[tuple[ChannelStatus, bool]], *, now: datetime
) -> list[list[blocks.Message]]:
    """Each (status, mentions) as messages, noting who is away; owners named where mentions
    are off.

    Asks Slack about the people shown who were not looked up lately, once each; when Slack
    cannot tell, what is cached serves, and a person with no name is shown neutrally. People
    and absences are read once per workspace for all the statuses.
    """
    responsible_by_status = []
    shown: dict[str, set[str]] = {}
    responsible_by_team: dict[str, set[str]] = {}
    for status, mentions in statuses:
        active = status.overdue + status.due_soon + status.awaiting_approval + status.troubled
        responsible = {m.responsible_id for m in active}
        named = set()
        if not mentions:
            named = {m.owner_id for m in status.reached + active if m.owner_id}
            named |= {m.approver_id for m in status.awaiting_approval if m.approver_id}
        responsible_by_status.append(responsible)
        shown.setdefault(status.team_id, set()).update(responsible | named)
        responsible_by_team.setdefault(status.team_id, set()).update(responsible)
    people = {
        team_id: runtime.timezones.people(team_id, user_ids, now=now, max_age=PROFILE_FRESH_FOR)
        for team_id, user_ids in shown.items()
    }
    away_by_team = {}
    with session_scope(runtime.engine) as session:
        for team_id, responsible in responsible_by_team.items():
            team_people = people[team_id]
            away_by_team[team_id] = away.who_is_away(
                session,
                team_id=team_id,
                days={
                    user_id: runtime.timezones.date_of(team_people.get(user_id), now=now)
                    for user_id in responsible
                },
                people=team_people,
            )
    names = {
        team_id: blocks.plain_names({user_id: p.display_name for user_id, p in found.items()})
        for team_id, found in people.items()
    }
    composed = []
    for (status, mentions), responsible in zip(statuses, responsible_by_status, strict=True):
        away_now = {
            user_id: until
            for user_id, until in away_by_team[status.team_id].items()
            if user_id in responsible
        }
        person = blocks.user if mentions else names[status.team_id]
        composed.append(
            blocks.with_away_note(blocks.weekly_status(status, person=person), away_now, person)
        )
    return composed


def post_status(
    runtime: Runtime, team_id: str, channel_id: str, messages: list[blocks.Message]
) -> None:
    """Post a channel's status, its messages in order: the one path the weekly sweep and
    /milestone status both take."""
    for message in messages:
        runtime.messenger(team_id).post(channel_id, message)


def _in_channels(table: type[Milestone | Goal], keys: list[tuple[str, str]]) -> ColumnElement:
    """`table`'s rows in these channels, as a condition both databases answer from the
    (team_id, channel_id, ...) index; a row-value IN list would scan the table."""
    by_team: dict[str, list[str]] = {}
    for team_id, channel_id in keys:
        by_team.setdefault(team_id, []).append(channel_id)
    return or_(
        *(
            and_(col(table.team_id) == team_id, col(table.channel_id).in_(channel_ids))
            for team_id, channel_ids in by_team.items()
        )
    )


def load_statuses(
    runtime: Runtime, digests: list[DueDigest], *, now: datetime
) -> dict[tuple[str, str], ChannelStatus]:
    """The channels' statuses, from a fixed number of queries (a few per workspace).

    Health is judged on each owner's calendar as last looked up, as `/milestone list` does.
    """
    keys = [(d.team_id, d.channel_id) for d in digests]
    # Reached milestones older than every channel's news count only in goals' tallies.
    news_since = min(d.reached_since for d in digests)
    shown = or_(
        col(Milestone.status).in_(Status.ACTIVE),
        and_(Milestone.status == Status.REACHED, col(Milestone.reached_at) >= news_since),
    )
    with session_scope(runtime.engine) as session:
        milestones = list(
            session.exec(select(Milestone).where(_in_channels(Milestone, keys), shown)).all()
        )
        details = describe(
            session,
            milestones,
            today_of=runtime.timezones.known_today_of(session, milestones, now=now),
            prerequisites=prerequisites_in_channels(session, _in_channels(Milestone, keys)),
        )
        goals = session.exec(
            select(Goal)
            .where(_in_channels(Goal, keys), Goal.status == GoalStatus.OPEN)
            .order_by(col(Goal.id))
        ).all()
        goal_tallies = tallies(session, [g.id for g in goals])
    by_channel: dict[tuple[str, str], list[Milestone]] = {key: [] for key in keys}
    for milestone in milestones:
        by_channel[milestone.team_id, milestone.channel_id].append(milestone)
    goals_by_channel: dict[tuple[str, str], list[Goal]] = {key: [] for key in keys}
    for goal in goals:
        goals_by_channel[goal.team_id, goal.channel_id].append(goal)
    statuses = {}
    for d in digests:
        channel_milestones = by_channel[d.team_id, d.channel_id]
        statuses[d.team_id, d.channel_id] = channel_status(
            channel_milestones,
            team_id=d.team_id,
            channel_id=d.channel_id,
            today=d.today,
            zone=d.zone,
            reached_since=d.reached_since,
            details={m.id: details[m.id] for m in channel_milestones},
            progress=[
                progress(g, channel_milestones, goal_tallies.get(g.id, Tally()))
                for g in goals_by_channel[d.team_id, d.channel_id]
            ],
        )
    return statuses
