"""Where a channel's milestones stand this week, what changed in it, what comes after and how the
team is doing: the content of the weekly status; and a person's own week, for their digest."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_
from sqlmodel import Session, col, select

from bot.domain.goals import Progress
from bot.domain.health import Detail
from bot.domain.rows import AnyMilestone, MilestoneRow, select_rows
from bot.store.models import EventKind, Health, Milestone, MilestoneEvent, Status

WINDOW = timedelta(days=7)
# How far back "how we are doing" looks: milestones reached in this many days.
RECORD_PERIOD = timedelta(days=90)


class ChangeKind(StrEnum):
    """What happened to a milestone this week, as the status tells it."""

    MOVED = "moved"
    BLOCKED = "blocked"
    AT_RISK = "at_risk"
    CANCELLED = "cancelled"
    ADDED = "added"


@dataclass(frozen=True)
class WeekChange:
    """One change of the week: a milestone moved (from `old_due_date` to `new_due_date`),
    marked blocked or at risk, cancelled or added; `reason` is the person's words, if any."""

    kind: ChangeKind
    milestone: AnyMilestone
    old_due_date: date | None = None
    new_due_date: date | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Record:
    """How a team is doing: of the milestones reached in RECORD_PERIOD with a due date, how
    many were reached on or before their first due date, and the median days late of the
    others (None when none was late)."""

    reached: int = 0
    on_time: int = 0
    median_slip: float | None = None


@dataclass(frozen=True)
class Reached:
    """A milestone reached in the period: the calendar date it was reached, its first due
    date, and its goal."""

    reached_on: date
    first_due_date: date
    goal_id: int | None = None


@dataclass
class ChannelStatus:
    team_id: str
    channel_id: str
    today: date
    # The channel's time zone: reached times are shown on its calendar.
    zone: ZoneInfo
    reached: list[AnyMilestone] = field(default_factory=list)
    overdue: list[AnyMilestone] = field(default_factory=list)
    due_soon: list[AnyMilestone] = field(default_factory=list)
    awaiting_approval: list[AnyMilestone] = field(default_factory=list)
    # Open, not overdue nor due this week, but blocked or at risk.
    troubled: list[AnyMilestone] = field(default_factory=list)
    details: dict[int, Detail] = field(default_factory=dict)
    # The channel's open goals, in the order they were declared.
    progress: list[Progress] = field(default_factory=list)
    # What changed since the status before, whatever the milestones' due dates.
    changes: list[WeekChange] = field(default_factory=list)
    # Open milestones due after the next 7 days (or with no due date), not blocked nor at
    # risk: the plan beyond this week.
    coming_up: list[AnyMilestone] = field(default_factory=list)
    # How the channel is doing, and each of its goals (by id; a goal with none reached: absent).
    record: Record = field(default_factory=Record)
    goal_records: dict[int, Record] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not (
            self.reached
            or self.overdue
            or self.due_soon
            or self.awaiting_approval
            or self.troubled
            or self.changes
        )


def channel_status(
    milestones: list[AnyMilestone],
    *,
    team_id: str,
    channel_id: str,
    today: date,
    zone: ZoneInfo,
    reached_since: datetime,
    details: dict[int, Detail] | None = None,
    progress: list[Progress] | None = None,
    changes: list[WeekChange] | None = None,
    reached_lately: Iterable[Reached] = (),
) -> ChannelStatus:
    """Sort a channel's milestones into the status sections; cancelled ones are left out.

    Milestones reached at or after `reached_since` are news. A weekly status gives the time of
    the status before it, so a milestone reached just after one status is in the next.
    `reached_lately` (from `reached_in_period`) gives how the channel and its goals are doing.
    """
    reached_lately = list(reached_lately)
    status = ChannelStatus(
        team_id=team_id,
        channel_id=channel_id,
        today=today,
        zone=zone,
        details=details or {},
        progress=progress or [],
        changes=changes or [],
        record=track_record(reached_lately),
        goal_records=goal_records(reached_lately),
    )
    for milestone in sorted(milestones, key=lambda m: (m.due_date or date.max, m.id)):
        if milestone.status == Status.REACHED:
            if milestone.reached_at and milestone.reached_at >= reached_since:
                status.reached.append(milestone)
        elif milestone.status == Status.AWAITING_APPROVAL:
            status.awaiting_approval.append(milestone)
        elif milestone.status != Status.OPEN:
            continue
        elif milestone.due_date is not None and milestone.due_date < today:
            status.overdue.append(milestone)
        elif milestone.due_date is not None and milestone.due_date <= today + WINDOW:
            status.due_soon.append(milestone)
        elif _troubled(status.details.get(milestone.id)):
            status.troubled.append(milestone)
        else:
            status.coming_up.append(milestone)
    return status


def _troubled(detail: Detail | None) -> bool:
    return bool(
        detail and detail.health and detail.health.state in (Health.BLOCKED, Health.AT_RISK)
    )


def track_record(reached: Iterable[Reached]) -> Record:
    """On time (reached on or before the first due date) of `reached`, and the median days
    late of those that were not."""
    reached = list(reached)
    late = [(r.reached_on - r.first_due_date).days for r in reached]
    late = [days for days in late if days > 0]
    return Record(
        reached=len(reached),
        on_time=len(reached) - len(late),
        median_slip=statistics.median(late) if late else None,
    )


def goal_records(reached: Iterable[Reached]) -> dict[int, Record]:
    """Each goal's Record, from the reached milestones of a channel."""
    by_goal: dict[int, list[Reached]] = {}
    for r in reached:
        if r.goal_id is not None:
            by_goal.setdefault(r.goal_id, []).append(r)
    return {goal_id: track_record(own) for goal_id, own in by_goal.items()}


def reached_in_period(
    session: Session,
    where: ColumnElement,
    *,
    now: datetime,
    zone_of: Callable[[str, str], ZoneInfo],
) -> dict[tuple[str, str], list[Reached]]:
    """The milestones matching `where` reached in the RECORD_PERIOD before `now` that had a due
    date, by (team_id, channel_id); `zone_of(team_id, channel_id)` gives the calendar a
    channel's reached dates are read on."""
    rows = session.exec(
        select(
            Milestone.team_id,
            Milestone.channel_id,
            Milestone.goal_id,
            Milestone.first_due_date,
            Milestone.reached_at,
        ).where(
            where,
            Milestone.status == Status.REACHED,
            col(Milestone.reached_at) >= now - RECORD_PERIOD,
            col(Milestone.first_due_date).is_not(None),
        )
    ).all()
    found: dict[tuple[str, str], list[Reached]] = {}
    for team_id, channel_id, goal_id, first_due_date, reached_at in rows:
        reached_on = reached_at.astimezone(zone_of(team_id, channel_id)).date()
        found.setdefault((team_id, channel_id), []).append(
            Reached(reached_on=reached_on, first_due_date=first_due_date, goal_id=goal_id)
        )
    return found


def channel_reached(
    session: Session, *, team_id: str, channel_id: str, now: datetime, zone: ZoneInfo
) -> list[Reached]:
    """`reached_in_period` for one channel, on its calendar `zone`."""
    where = and_(col(Milestone.team_id) == team_id, col(Milestone.channel_id) == channel_id)
    found = reached_in_period(session, where, now=now, zone_of=lambda *_: zone)
    return found.get((team_id, channel_id), [])


# The events that make the week's changes.
CHANGE_EVENTS = (
    EventKind.DECLARED,
    EventKind.RESCHEDULED,
    EventKind.EDITED,
    EventKind.BLOCKED,
    EventKind.AT_RISK,
    EventKind.UNBLOCKED,
    EventKind.CANCELLED,
)


# What `week_changes` reads of an event.
EVENT_COLUMNS = (
    col(MilestoneEvent.kind),
    col(MilestoneEvent.at),
    col(MilestoneEvent.old_due_date),
    col(MilestoneEvent.new_due_date),
    col(MilestoneEvent.reason),
)


class EventRow(NamedTuple):
    """The part of a MilestoneEvent that `week_changes` reads, as read."""

    kind: str
    at: datetime
    old_due_date: date | None
    new_due_date: date | None
    reason: str | None


def events_since(
    session: Session, where: ColumnElement, *, since: datetime
) -> list[tuple[EventRow, MilestoneRow]]:
    """The events at or after `since` that may be changes of the week, of the milestones
    matching `where`, oldest first, each with its milestone (both as rows)."""
    found = session.execute(
        select_rows()
        .add_columns(*EVENT_COLUMNS)
        .join(MilestoneEvent, col(Milestone.id) == col(MilestoneEvent.milestone_id))
        .where(
            where,
            col(MilestoneEvent.at) >= since,
            col(MilestoneEvent.kind).in_(CHANGE_EVENTS),
        )
        .order_by(col(MilestoneEvent.at), col(MilestoneEvent.id))
    ).all()
    split = len(MilestoneRow._fields)
    milestone, event = MilestoneRow._make, EventRow._make
    return [(event(row[split:]), milestone(row[:split])) for row in found]


def week_changes(
    events: Iterable[tuple[MilestoneEvent | EventRow, AnyMilestone]], *, since: datetime
) -> list[WeekChange]:
    """The changes made at or after `since`, at most one of each kind per milestone, in the
    order of the milestones' first events.

    A milestone moved several times is shown moved from the date it had before the first move
    to the one it has now (not at all if that is where it started, or if it had no date);
    blocked or at risk is its latest mark, unless it was cleared since; nothing but its
    cancellation is told of a cancelled milestone.
    """
    by_milestone: dict[int, tuple[Milestone, list[MilestoneEvent]]] = {}
    for event, milestone in events:
        if event.at >= since:
            by_milestone.setdefault(milestone.id, (milestone, []))[1].append(event)
    changes = []
    for milestone, own in by_milestone.values():
        if milestone.status == Status.CANCELLED:
            cancelled = [e for e in own if e.kind == EventKind.CANCELLED]
            if cancelled:
                changes.append(
                    WeekChange(ChangeKind.CANCELLED, milestone, reason=cancelled[-1].reason)
                )
            continue
        if any(e.kind == EventKind.DECLARED for e in own):
            changes.append(WeekChange(ChangeKind.ADDED, milestone))
        moves = [
            e
            for e in own
            if e.kind in (EventKind.RESCHEDULED, EventKind.EDITED)
            and e.old_due_date != e.new_due_date
            and (e.old_due_date is not None or e.new_due_date is not None)
        ]
        if (
            moves
            and moves[0].old_due_date is not None
            and moves[0].old_due_date != (milestone.due_date)
        ):
            reasons = [e.reason for e in moves if e.kind == EventKind.RESCHEDULED and e.reason]
            changes.append(
                WeekChange(
                    ChangeKind.MOVED,
                    milestone,
                    old_due_date=moves[0].old_due_date,
                    new_due_date=milestone.due_date,
                    reason=reasons[-1] if reasons else None,
                )
            )
        marks = [
            e for e in own if e.kind in (EventKind.BLOCKED, EventKind.AT_RISK, EventKind.UNBLOCKED)
        ]
        if marks and marks[-1].kind != EventKind.UNBLOCKED and milestone.is_active:
            kind = ChangeKind.BLOCKED if marks[-1].kind == EventKind.BLOCKED else ChangeKind.AT_RISK
            changes.append(WeekChange(kind, milestone, reason=marks[-1].reason))
    return changes


@dataclass
class PersonalWeek:
    """A person's own week across channels: what they answer for that is overdue or due in
    the next 7 days, and what waits for their approval."""

    team_id: str
    user_id: str
    today: date
    overdue: list[Milestone] = field(default_factory=list)
    due_soon: list[Milestone] = field(default_factory=list)
    to_approve: list[Milestone] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.overdue or self.due_soon or self.to_approve)


def personal_week(
    milestones: Iterable[Milestone], *, team_id: str, user_id: str, today: date
) -> PersonalWeek:
    """Sort the active milestones of a workspace (any of them: others are ignored) into
    `user_id`'s week."""
    week = PersonalWeek(team_id=team_id, user_id=user_id, today=today)
    for milestone in sorted(milestones, key=lambda m: (m.due_date or date.max, m.id)):
        if milestone.team_id != team_id:
            continue
        if milestone.status == Status.AWAITING_APPROVAL and milestone.approver_id == user_id:
            week.to_approve.append(milestone)
        elif milestone.status != Status.OPEN or milestone.responsible_id != user_id:
            continue
        elif milestone.due_date is not None and milestone.due_date < today:
            week.overdue.append(milestone)
        elif milestone.due_date is not None and milestone.due_date <= today + WINDOW:
            week.due_soon.append(milestone)
    return week
