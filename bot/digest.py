"""The weekly status: which channels are due now, claimed once, composed and posted.

It notes who is away, and shows owners as @-mentions or, where the channel turned mentions
off, by the names Slack gives.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import func, tuple_
from sqlmodel import Session, col, select

from bot import away, blocks, channels, workspaces
from bot.claims import claim
from bot.db import session_scope
from bot.deliveries import Recipient, SweepReport, delivery_job
from bot.fanout import fan_out
from bot.goals import open_goals, progress
from bot.health import describe
from bot.models import ChannelSettings, Goal, Milestone, Status
from bot.runtime import Runtime
from bot.status import ChannelStatus, channel_status

log = logging.getLogger(__name__)

# A status missed while the bot was down is still worth sending this long after its time.
GRACE = timedelta(hours=12)
# People looked up longer ago are asked about again (names, and statuses that say away).
PROFILE_FRESH_FOR = timedelta(hours=1)
UTC = ZoneInfo("UTC")


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


def due_digests(session: Session, *, now: datetime, default_timezone: str) -> list[DueDigest]:
    """Channels with milestones whose weekly status time has come, within the grace period."""
    channels = session.exec(
        select(Milestone.team_id, Milestone.channel_id, func.min(Milestone.created_at))
        .where(Milestone.status != Status.CANCELLED)
        .group_by(col(Milestone.team_id), col(Milestone.channel_id))
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
        # A channel that had no milestones at its time missed nothing: the grace period is for
        # downtime, not for greeting a first milestone with a "weekly" status minutes later.
        if now - scheduled > GRACE or first_declared > scheduled:
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


def run_digest_sweep(runtime: Runtime, *, now: datetime) -> SweepReport:
    """Post every weekly status due at `now` that nobody has claimed."""
    with session_scope(runtime.engine) as session:
        due = due_digests(session, now=now, default_timezone=runtime.settings.default_timezone)
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
                    "kind": "digest",
                    "key": d.key,
                    "channel_id": d.channel_id,
                    "claimed_at": now,
                }
                for d in due
            ],
        )
    claimed = [d for d in due if ("digest", d.key) in won]
    report = SweepReport()
    if not claimed:
        return report
    statuses = load_statuses(runtime, claimed, now=now)
    jobs = []
    for digest in claimed:
        messages = status_messages(
            runtime, statuses[digest.team_id, digest.channel_id], mentions=digest.mentions, now=now
        )
        jobs.append(
            delivery_job(
                runtime.engine,
                report,
                won["digest", digest.key],
                kind="digest",
                now=now,
                to=Recipient(digest.team_id, channel_id=digest.channel_id),
                send=partial(_post_all, runtime, digest.team_id, digest.channel_id, messages),
            )
        )
    fan_out(jobs, stopping=runtime.stopping)
    return report


def status_messages(
    runtime: Runtime, status: ChannelStatus, *, mentions: bool, now: datetime
) -> list[blocks.Message]:
    """The status as messages, noting who is away; owners named where mentions are off.

    Asks Slack about the people it shows who were not looked up lately; when Slack cannot
    tell, what is cached serves, and a person with no name is shown neutrally.
    """
    active = status.overdue + status.due_soon + status.awaiting_approval + status.troubled
    responsible = {m.responsible_id for m in active}
    named = set()
    if not mentions:
        named = {m.owner_id for m in status.reached + active if m.owner_id}
        named |= {m.approver_id for m in status.awaiting_approval if m.approver_id}
    people = runtime.timezones.people(
        status.team_id, responsible | named, now=now, max_age=PROFILE_FRESH_FOR
    )
    with session_scope(runtime.engine) as session:
        away_now = away.who_is_away(
            session,
            team_id=status.team_id,
            days={
                user_id: runtime.timezones.date_of(people.get(user_id), now=now)
                for user_id in responsible
            },
            people=people,
        )
    person = (
        blocks.user
        if mentions
        else blocks.plain_names({user_id: p.display_name for user_id, p in people.items()})
    )
    return blocks.with_away_note(blocks.weekly_status(status, person=person), away_now, person)


def _post_all(
    runtime: Runtime, team_id: str, channel_id: str, messages: list[blocks.Message]
) -> None:
    for message in messages:
        runtime.messenger(team_id).post(channel_id, message)


def load_statuses(
    runtime: Runtime, digests: list[DueDigest], *, now: datetime
) -> dict[tuple[str, str], ChannelStatus]:
    """Every claimed channel's status, from a fixed number of queries."""
    keys = [(d.team_id, d.channel_id) for d in digests]
    in_channels = tuple_(col(Milestone.team_id), col(Milestone.channel_id)).in_(keys)
    with session_scope(runtime.engine) as session:
        milestones = list(
            session.exec(
                select(Milestone).where(in_channels, Milestone.status != Status.CANCELLED)
            ).all()
        )
        details = describe(session, milestones, today_of=runtime.timezones.today_of(now))
        goals = session.exec(
            select(Goal)
            .where(tuple_(col(Goal.team_id), col(Goal.channel_id)).in_(keys), Goal.status == "open")
            .order_by(col(Goal.id))
        ).all()
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
                progress(g, channel_milestones) for g in goals_by_channel[d.team_id, d.channel_id]
            ],
        )
    return statuses
