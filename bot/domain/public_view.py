"""What a public link shows of its channel (or goal): the milestones with their health and
owners' names, what changed this week and how often milestones are reached on time.

Nothing of another channel is read: every query is bound to the link's workspace and channel.
People are named from what the bot already knows of them (never asking Slack on the way).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.domain.dependencies import prerequisites_of
from bot.domain.health import Detail, describe
from bot.domain.plan import Plan, gather
from bot.domain.status_report import Reached, Record, track_record
from bot.store.models import (
    Goal,
    LinkKind,
    Milestone,
    MilestoneEvent,
    Person,
    PublicLink,
    Status,
)

# What "this week" and the on-time line look back over.
CHANGES_WINDOW = timedelta(days=7)
ON_TIME_WINDOW = timedelta(days=90)
# The page's milestones: the active ones, and those reached within this.
REACHED_SHOWN = timedelta(days=90)
# A user id as Slack writes it in text: <@U123> or <@U123|name>.
MENTIONED = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


@dataclass(frozen=True)
class Entry:
    milestone: Milestone
    detail: Detail
    # When it last changed: its newest history line (or its declaration).
    last_modified: datetime


@dataclass(frozen=True)
class PublicView:
    link: PublicLink
    goal: Goal | None
    entries: list[Entry]
    # This week's history of those milestones, newest first.
    changes: list[tuple[MilestoneEvent, Milestone]]
    on_time: Record
    names: dict[str, str | None]
    now: datetime
    # The same milestones as the timeline draws them (cancelled ones left out), on `today`.
    plan: Plan
    today: date


def on_time(milestones: Iterable[Milestone], *, since: datetime, zone: ZoneInfo) -> Record:
    """The on-time line over the milestones reached since `since`, each reached on the date
    it was in `zone` (the channel's calendar): counted as the weekly status counts it."""
    return track_record(
        Reached(m.reached_at.astimezone(zone).date(), m.first_due_date, m.goal_id)
        for m in milestones
        if m.status == Status.REACHED
        and m.reached_at is not None
        and m.reached_at >= since
        and m.first_due_date is not None
    )


def mentioned(text: str | None) -> set[str]:
    """The user ids Slack's mention syntax names in `text`."""
    return set(MENTIONED.findall(text or ""))


def owners(session: Session, *, team_id: str, channel_id: str) -> set[str]:
    """Everyone who owns one of the channel's milestones."""
    return set(
        session.exec(
            select(Milestone.owner_id)
            .where(
                Milestone.team_id == team_id,
                Milestone.channel_id == channel_id,
                col(Milestone.owner_id).is_not(None),
            )
            .distinct()
        ).all()
    )


def _scope(link: PublicLink):
    query = select(Milestone).where(
        Milestone.team_id == link.team_id, Milestone.channel_id == link.channel_id
    )
    if link.goal_id is not None:
        query = query.where(Milestone.goal_id == link.goal_id)
    return query


def _last_modified(session: Session, milestones: list[Milestone]) -> dict[int, datetime]:
    if not milestones:
        return {}
    rows = session.exec(
        select(MilestoneEvent.milestone_id, func.max(MilestoneEvent.at))
        .where(col(MilestoneEvent.milestone_id).in_([m.id for m in milestones]))
        .group_by(col(MilestoneEvent.milestone_id))
    ).all()
    return dict(rows)


def names(session: Session, team_id: str, user_ids: Iterable[str]) -> dict[str, str | None]:
    """The names the bot knows for `user_ids` (None for those it has none for)."""
    wanted = sorted(set(user_ids))
    known: dict[str, str | None] = dict.fromkeys(wanted)
    if wanted:
        for person in session.exec(
            select(Person).where(Person.team_id == team_id, col(Person.user_id).in_(wanted))
        ).all():
            known[person.user_id] = person.display_name
    return known


def _entries(
    session: Session,
    milestones: list[Milestone],
    *,
    today_of: Callable[[Milestone], date],
    prerequisites: dict[int, list[Milestone]],
) -> list[Entry]:
    details = describe(session, milestones, today_of=today_of, prerequisites=prerequisites)
    modified = _last_modified(session, milestones)
    return [Entry(m, details[m.id], modified.get(m.id) or m.created_at) for m in milestones]


def calendar_entries(
    session: Session, link: PublicLink, *, today_of: Callable[[Milestone], date]
) -> tuple[list[Entry], dict[str, str | None]]:
    """A calendar link's events: every milestone of the channel with a due date (the active,
    reached and cancelled alike), with the names of their owners."""
    assert link.kind == LinkKind.CALENDAR
    milestones = list(
        session.exec(
            _scope(link).where(col(Milestone.due_date).is_not(None)).order_by(col(Milestone.id))
        ).all()
    )
    entries = _entries(
        session,
        milestones,
        today_of=today_of,
        prerequisites=prerequisites_of(session, [m.id for m in milestones]),
    )
    owners = [m.owner_id for m in milestones if m.owner_id]
    texts = [m.title for m in milestones] + [m.definition_of_done for m in milestones]
    return entries, names(
        session, link.team_id, [*owners, *(uid for text in texts for uid in mentioned(text))]
    )


def page(
    session: Session,
    link: PublicLink,
    *,
    now: datetime,
    zone: ZoneInfo,
    today_of: Callable[[Milestone], date],
) -> PublicView:
    """A page link's content at `now`, dated on the channel's calendar (`zone`)."""
    assert link.kind == LinkKind.PAGE
    goal = session.get(Goal, link.goal_id) if link.goal_id else None
    # The timeline's milestones (all but the cancelled), with their health: the page's too.
    plan = gather(
        session, team_id=link.team_id, channel_id=link.channel_id, today_of=today_of, goal=goal
    )
    shown_since = now - REACHED_SHOWN
    milestones = [
        m
        for m in plan.milestones
        if m.is_active
        or (m.status == Status.REACHED and m.reached_at and m.reached_at >= shown_since)
    ]
    modified = _last_modified(session, milestones)
    entries = [Entry(m, plan.details[m.id], modified.get(m.id) or m.created_at) for m in milestones]
    # Cancelled ones too: their cancellation is one of this week's changes.
    everything = list(session.exec(_scope(link).order_by(col(Milestone.id))).all())
    by_id = {m.id: m for m in everything}
    events = (
        list(
            session.exec(
                select(MilestoneEvent)
                .where(
                    col(MilestoneEvent.milestone_id).in_(list(by_id)),
                    MilestoneEvent.at >= now - CHANGES_WINDOW,
                )
                .order_by(col(MilestoneEvent.at).desc(), col(MilestoneEvent.id).desc())
            ).all()
        )
        if by_id
        else []
    )
    changes = [(event, by_id[event.milestone_id]) for event in events]
    people = {m.owner_id for m in milestones if m.owner_id}
    people |= {event.actor_id for event, _ in changes if event.actor_id}
    for text in [
        *(g.name for g in plan.goals),
        *(m.title for m in everything),
        *(m.definition_of_done for m in milestones),
        *(event.reason for event, _ in changes),
        *(m.health_reason for m in milestones),
    ]:
        people |= mentioned(text)
    return PublicView(
        link=link,
        goal=goal,
        entries=entries,
        changes=changes,
        on_time=on_time(everything, since=now - ON_TIME_WINDOW, zone=zone),
        names=names(session, link.team_id, people),
        now=now,
        plan=plan,
        today=now.astimezone(zone).date(),
    )
