"""The weekly status and the personal digests: who is due now, claimed once, composed and posted.

It notes who is away, and shows owners as @-mentions or, where the channel turned mentions
off, by the names Slack gives.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import Session, col, select

from bot.delivery.charts import post_status_chart
from bot.delivery.deliveries import Claimed, Recipient, SweepReport, delivery_job
from bot.delivery.fanout import Job, fan_out
from bot.domain import away, channels, workspaces
from bot.domain.dependencies import prerequisites_in_channels
from bot.domain.goals import Tally, progress, tallies
from bot.domain.health import describe
from bot.domain.people import is_zone, local_date
from bot.domain.rows import MilestoneRow, rows, select_rows
from bot.domain.schedules import week_of
from bot.domain.status_report import (
    WINDOW,
    ChannelStatus,
    PersonalWeek,
    channel_status,
    events_since,
    personal_week,
    reached_in_period,
    week_changes,
)
from bot.domain.working_time import WorkingWeek
from bot.render import blocks
from bot.runtime import Runtime
from bot.store.claims import claim
from bot.store.db import session_scope
from bot.store.models import (
    ChannelSettings,
    DeliveryKind,
    Goal,
    GoalStatus,
    Milestone,
    Person,
    PersonalDigest,
    Status,
)

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
    # Whether its timeline goes in its thread.
    chart: bool = True


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
    # One for every channel that saved none: building a SQLModel object per channel took
    # longer than the rest of the loop, and only the settings are read of it.
    unsaved = ChannelSettings(team_id="", channel_id="")
    due = []
    for team_id, channel_id, first_declared in channels:
        settings = saved.get((team_id, channel_id)) or unsaved
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
        year, week_number, _ = scheduled.astimezone(zone).isocalendar()
        today = now.astimezone(zone).date()
        key = f"{channel_id}:{year}-W{week_number:02d}"
        # A week before on the wall clock, which is not 168 hours across a clock change.
        previous = last_scheduled(
            scheduled - timedelta(seconds=1), weekday=settings.digest_weekday, at=at, zone=zone
        )
        due.append(
            DueDigest(
                team_id,
                channel_id,
                key,
                today,
                zone,
                previous,
                settings.mentions,
                settings.status_chart,
            )
        )
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
    # The statuses posted, each with its first message's ts: their charts go in those threads.
    threads: list[tuple[DueDigest, str]] = []
    jobs = []
    for digest, messages in compose_digests(runtime, claimed, now=now):
        if len(jobs) == SEND_BATCH:  # sent as composed: not every status in memory at once
            fan_out(jobs, pacer=runtime.slack.pacer, stopping=runtime.stopping)
            jobs = []
        jobs.append(
            delivery_job(
                runtime.engine,
                report,
                Claimed(
                    won[DeliveryKind.DIGEST, digest.key],
                    DeliveryKind.DIGEST,
                    Recipient(digest.team_id, channel_id=digest.channel_id),
                    partial(_post_weekly_status, runtime, digest, messages, threads),
                ),
                now=now,
            )
        )
    fan_out(jobs, pacer=runtime.slack.pacer, stopping=runtime.stopping)
    send_personal_digests(runtime, report, now=now)
    # The charts last: drawing one takes a few tenths of a second, one at a time in a process,
    # so at the sweep of thousands of channels drawn between the statuses they would hold the
    # last statuses (and people's own weeks) back for as long as the charts before them took.
    # A chart is never retried: should the process stop first, the statuses are out without.
    fan_out(
        [
            Job(
                Recipient(digest.team_id, channel_id=digest.channel_id).key,
                partial(
                    post_status_chart,
                    runtime,
                    digest.team_id,
                    digest.channel_id,
                    thread_ts=ts,
                    now=now,
                    zone=digest.zone,
                    awaited=False,
                ),
            )
            for digest, ts in threads
        ],
        pacer=runtime.slack.pacer,
        stopping=runtime.stopping,
    )
    return report


def _post_weekly_status(
    runtime: Runtime,
    digest: DueDigest,
    messages: list[blocks.Message],
    threads: list[tuple[DueDigest, str]],
) -> str | None:
    """Post a weekly status's messages; note where its chart goes."""
    first_ts = post_status_messages(runtime, digest.team_id, digest.channel_id, messages)
    if first_ts is not None and digest.chart:
        threads.append((digest, first_ts))
    return first_ts


@dataclass(frozen=True)
class DuePersonalDigest:
    team_id: str
    user_id: str
    key: str
    today: date


def due_personal_digests(
    session: Session, *, now: datetime, default_timezone: str
) -> list[DuePersonalDigest]:
    """People whose personal digest time has come (on their calendar, as last looked up),
    within the grace period, and not before they asked for it."""
    rows = session.exec(
        select(PersonalDigest, Person.timezone)
        .join(
            Person,
            and_(
                col(Person.team_id) == col(PersonalDigest.team_id),
                col(Person.user_id) == col(PersonalDigest.user_id),
            ),
            isouter=True,
        )
        .where(col(Person.inactive_since).is_(None))
        .order_by(col(PersonalDigest.team_id), col(PersonalDigest.user_id))
    ).all()
    due = []
    for digest, timezone in rows:
        zone = ZoneInfo(timezone if timezone and is_zone(timezone) else default_timezone)
        at = time.fromisoformat(digest.at)
        scheduled = last_scheduled(now, weekday=digest.weekday, at=at, zone=zone)
        if now - scheduled > GRACE or digest.since > scheduled:
            continue
        year, week_number, _ = scheduled.astimezone(zone).isocalendar()
        due.append(
            DuePersonalDigest(
                team_id=digest.team_id,
                user_id=digest.user_id,
                key=f"{digest.user_id}:{year}-W{week_number:02d}",
                today=now.astimezone(zone).date(),
            )
        )
    return due


def send_personal_digests(runtime: Runtime, report: SweepReport, *, now: datetime) -> None:
    """DM every personal digest due at `now` that nobody has claimed: once per person and week."""
    with session_scope(runtime.engine) as session:
        due = due_personal_digests(
            session, now=now, default_timezone=runtime.settings.default_timezone
        )
        departed = workspaces.departed(session)
        due = [d for d in due if d.team_id not in departed]
        won = claim(
            session,
            [
                {
                    "team_id": d.team_id,
                    "kind": DeliveryKind.PERSONAL_DIGEST,
                    "key": d.key,
                    "claimed_at": now,
                }
                for d in due
            ],
        )
        claimed = [d for d in due if (DeliveryKind.PERSONAL_DIGEST, d.key) in won]
        weeks = personal_weeks(session, claimed)
    jobs = [
        delivery_job(
            runtime.engine,
            report,
            Claimed(
                won[DeliveryKind.PERSONAL_DIGEST, digest.key],
                DeliveryKind.PERSONAL_DIGEST,
                Recipient(digest.team_id, user_id=digest.user_id),
                partial(post_personal_digest, runtime, week),
            ),
            now=now,
        )
        for digest, week in zip(claimed, weeks, strict=True)
    ]
    fan_out(jobs, pacer=runtime.slack.pacer, stopping=runtime.stopping)


def personal_weeks(session: Session, digests: list[DuePersonalDigest]) -> list[PersonalWeek]:
    """Each digest's week, from one query per workspace."""
    by_team: dict[str, list[DuePersonalDigest]] = {}
    for digest in digests:
        by_team.setdefault(digest.team_id, []).append(digest)
    milestones: dict[str, list[Milestone]] = {}
    for team_id, own in by_team.items():
        user_ids = [d.user_id for d in own]
        milestones[team_id] = list(
            session.exec(
                select(Milestone).where(
                    Milestone.team_id == team_id,
                    col(Milestone.status).in_(Status.ACTIVE),
                    or_(
                        col(Milestone.owner_id).in_(user_ids),
                        and_(
                            col(Milestone.owner_id).is_(None),
                            col(Milestone.creator_id).in_(user_ids),
                        ),
                        col(Milestone.approver_id).in_(user_ids),
                    ),
                )
            ).all()
        )
    return [
        personal_week(milestones[d.team_id], team_id=d.team_id, user_id=d.user_id, today=d.today)
        for d in digests
    ]


def post_personal_digest(runtime: Runtime, week: PersonalWeek) -> None:
    for message in blocks.personal_digest(week):
        runtime.messenger(week.team_id).direct_message(week.user_id, message)


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
            listed = status.reached + active + status.coming_up
            listed += [change.milestone for change in status.changes]
            named = {m.owner_id for m in listed if m.owner_id}
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
    runtime: Runtime,
    team_id: str,
    channel_id: str,
    messages: list[blocks.Message],
    *,
    now: datetime,
    zone: ZoneInfo,
    chart: bool = True,
) -> None:
    """Post a channel's status, its messages in order, then (with `chart`) the timeline in the
    thread of the first: what /milestone status does (the weekly sweep draws its charts once
    every status of the sweep is out)."""
    first_ts = post_status_messages(runtime, team_id, channel_id, messages)
    if first_ts is not None and chart:
        post_status_chart(runtime, team_id, channel_id, thread_ts=first_ts, now=now, zone=zone)


def post_status_messages(
    runtime: Runtime, team_id: str, channel_id: str, messages: list[blocks.Message]
) -> str | None:
    """Post a channel's status, its messages in order; the first one's ts."""
    first_ts = None
    for message in messages:
        ts = runtime.messenger(team_id).post(channel_id, message)
        first_ts = first_ts or ts
    return first_ts


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


def channel_request(
    runtime: Runtime, settings: ChannelSettings, *, key: str, now: datetime
) -> DueDigest:
    """A status asked for now in the channel of `settings`: what was reached or changed in the
    last 7 days is news."""
    zone = channel_zone(settings, runtime.settings.default_timezone)
    return DueDigest(
        settings.team_id,
        settings.channel_id,
        key,
        local_date(now, zone),
        zone,
        now - WINDOW,
        settings.mentions,
    )


def personal_statuses(
    runtime: Runtime, *, team_id: str, user_id: str, now: datetime
) -> list[ChannelStatus]:
    """The status of `user_id`'s milestones in each channel of the workspace where they answer
    for one (or for one cancelled in the last 7 days), in the order of the channels' ids."""
    with session_scope(runtime.engine) as session:
        channel_ids = session.exec(
            select(Milestone.channel_id)
            .where(
                Milestone.team_id == team_id,
                responsible_for(user_id),
                or_(
                    Milestone.status != Status.CANCELLED,
                    col(Milestone.cancelled_at) >= now - WINDOW,
                ),
            )
            .distinct()
            .order_by(col(Milestone.channel_id))
        ).all()
        saved = {
            s.channel_id: s
            for s in session.exec(
                select(ChannelSettings).where(
                    ChannelSettings.team_id == team_id,
                    col(ChannelSettings.channel_id).in_(channel_ids),
                )
            ).all()
        }
    if not channel_ids:
        return []
    requests = [
        channel_request(
            runtime,
            saved.get(channel_id) or ChannelSettings(team_id=team_id, channel_id=channel_id),
            key="",
            now=now,
        )
        for channel_id in channel_ids
    ]
    statuses = load_statuses(runtime, requests, now=now, responsible=user_id)
    return [statuses[team_id, channel_id] for channel_id in channel_ids]


def responsible_for(user_id: str) -> ColumnElement:
    """Milestones `user_id` answers for: theirs, or declared by them and owned by nobody."""
    return or_(
        col(Milestone.owner_id) == user_id,
        and_(col(Milestone.owner_id).is_(None), col(Milestone.creator_id) == user_id),
    )


def load_statuses(
    runtime: Runtime,
    digests: list[DueDigest],
    *,
    now: datetime,
    responsible: str | None = None,
) -> dict[tuple[str, str], ChannelStatus]:
    """The channels' statuses, from a fixed number of queries (a few per workspace); with
    `responsible`, of that person's milestones only (and the goals they lead to).

    Health is judged on each owner's calendar as last looked up, as `/milestone list` does.
    """
    keys = [(d.team_id, d.channel_id) for d in digests]
    zones = {(d.team_id, d.channel_id): d.zone for d in digests}
    # Reached milestones older than every channel's news count only in goals' tallies.
    news_since = min(d.reached_since for d in digests)
    chosen = _in_channels(Milestone, keys)
    if responsible is not None:
        chosen = and_(chosen, responsible_for(responsible))
    shown = or_(
        col(Milestone.status).in_(Status.ACTIVE),
        and_(Milestone.status == Status.REACHED, col(Milestone.reached_at) >= news_since),
    )
    with session_scope(runtime.engine) as session:
        milestones = rows(session.execute(select_rows().where(chosen, shown)))
        details = describe(
            session,
            milestones,
            today_of=runtime.timezones.known_today_of(session, milestones, now=now),
            prerequisites=prerequisites_in_channels(
                session, _in_channels(Milestone, keys), row=MilestoneRow
            ),
        )
        events = events_since(session, chosen, since=news_since)
        reached = reached_in_period(
            session, chosen, now=now, zone_of=lambda team_id, channel_id: zones[team_id, channel_id]
        )
        goals = session.exec(
            select(Goal)
            .where(_in_channels(Goal, keys), Goal.status == GoalStatus.OPEN)
            .order_by(col(Goal.id))
        ).all()
        if responsible is not None:
            theirs = {m.goal_id for m in milestones} | {
                r.goal_id for found in reached.values() for r in found
            }
            goals = [g for g in goals if g.id in theirs]
        goal_tallies = tallies(session, [g.id for g in goals])
    by_channel: dict[tuple[str, str], list[Milestone]] = {key: [] for key in keys}
    for milestone in milestones:
        by_channel[milestone.team_id, milestone.channel_id].append(milestone)
    events_by_channel: dict[tuple[str, str], list] = {key: [] for key in keys}
    for event, milestone in events:
        events_by_channel[milestone.team_id, milestone.channel_id].append((event, milestone))
    goals_by_channel: dict[tuple[str, str], list[Goal]] = {key: [] for key in keys}
    for goal in goals:
        goals_by_channel[goal.team_id, goal.channel_id].append(goal)
    statuses = {}
    for d in digests:
        key = d.team_id, d.channel_id
        channel_milestones = by_channel[key]
        statuses[key] = channel_status(
            channel_milestones,
            team_id=d.team_id,
            channel_id=d.channel_id,
            today=d.today,
            zone=d.zone,
            reached_since=d.reached_since,
            details={m.id: details[m.id] for m in channel_milestones},
            progress=[
                progress(g, channel_milestones, goal_tallies.get(g.id, Tally()))
                for g in goals_by_channel[key]
            ],
            changes=week_changes(events_by_channel[key], since=d.reached_since),
            reached_lately=reached.get(key, []),
        )
    return statuses
