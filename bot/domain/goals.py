"""Goals: the outcomes a channel's milestones lead to, and how far along each one is."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Integer, and_, case, cast, func, type_coerce
from sqlmodel import Session, col, select

from bot.domain.errors import GoalExists, GoalNotFound, NotGoalOwner
from bot.domain.milestones import check_due_date, check_title
from bot.store.models import Goal, GoalStatus, Milestone, Status

_REFERENCE = re.compile(r"^g-?(\d{1,9})$", re.IGNORECASE)


@dataclass(frozen=True)
class Progress:
    goal: Goal
    reached: int
    total: int  # milestones not cancelled
    next_milestone: Milestone | None  # the open one due first
    times_moved: int
    slip_days: int


def add_goal(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    creator_id: str,
    name: str,
    due_date: date | None,
    owner_id: str | None,
    requires_approval: bool,
    today: date,
    now: datetime,
) -> Goal:
    name = check_title(name)
    existing = _by_name(session, team_id=team_id, channel_id=channel_id, name=name)
    if existing is not None:
        raise GoalExists(reference=existing.reference, name=name)
    goal = Goal(
        team_id=team_id,
        channel_id=channel_id,
        name=name,
        owner_id=owner_id or creator_id,
        creator_id=creator_id,
        due_date=check_due_date(due_date, today=today),
        requires_approval=requires_approval,
        created_at=now,
    )
    session.add(goal)
    session.flush()
    return goal


def find_goal(session: Session, *, team_id: str, channel_id: str, text: str) -> Goal:
    """An open goal of this channel named by reference (G-3) or by name, any case."""
    match = _REFERENCE.match(text.strip())
    goal = None
    if match:
        goal = session.get(Goal, int(match.group(1)))
        if goal is not None and (goal.team_id, goal.channel_id) != (team_id, channel_id):
            goal = None
    else:
        goal = _by_name(session, team_id=team_id, channel_id=channel_id, name=text)
    if goal is None or goal.status != GoalStatus.OPEN:
        raise GoalNotFound(text)
    return goal


def _by_name(session: Session, *, team_id: str, channel_id: str, name: str) -> Goal | None:
    return session.exec(
        select(Goal).where(
            Goal.team_id == team_id,
            Goal.channel_id == channel_id,
            Goal.status == GoalStatus.OPEN,
            func.lower(Goal.name) == " ".join(name.split()).lower(),
        )
    ).first()


def close_goal(session: Session, *, goal: Goal, user_id: str, now: datetime) -> Goal:
    """Close a goal: its owner or whoever declared it may."""
    if user_id not in (goal.owner_id, goal.creator_id):
        raise NotGoalOwner(reference=goal.reference, owner_id=goal.owner_id)
    goal.status = GoalStatus.CLOSED
    goal.closed_at = now
    session.add(goal)
    return goal


def open_goals(session: Session, *, team_id: str, channel_id: str) -> list[Goal]:
    return list(
        session.exec(
            select(Goal)
            .where(
                Goal.team_id == team_id,
                Goal.channel_id == channel_id,
                Goal.status == GoalStatus.OPEN,
            )
            .order_by(col(Goal.id))
        ).all()
    )


@dataclass(frozen=True)
class Tally:
    """Counts over a goal's milestones that are not cancelled."""

    reached: int = 0
    total: int = 0
    times_moved: int = 0
    slip_days: int = 0


def progress(goal: Goal, milestones: list[Milestone], tally: Tally | None = None) -> Progress:
    """How far `goal` is, from its milestones (any list; those of other goals are ignored).

    With a `tally` (from `tallies`), `milestones` need only hold the goal's active ones.
    """
    own = [m for m in milestones if m.goal_id == goal.id and m.status != Status.CANCELLED]
    if tally is None:
        tally = Tally(
            reached=sum(m.status == Status.REACHED for m in own),
            total=len(own),
            times_moved=sum(m.times_moved for m in own),
            slip_days=sum(m.slip_days for m in own),
        )
    upcoming = sorted(
        (m for m in own if m.is_active), key=lambda m: (m.due_date or date.max, m.id or 0)
    )
    return Progress(
        goal=goal,
        reached=tally.reached,
        total=tally.total,
        next_milestone=upcoming[0] if upcoming else None,
        times_moved=tally.times_moved,
        slip_days=tally.slip_days,
    )


def tallies(session: Session, goal_ids: list[int]) -> dict[int, Tally]:
    """Each goal's Tally from one aggregate query, without loading its milestones."""
    if not goal_ids:
        return {}
    due, first = col(Milestone.due_date), col(Milestone.first_due_date)
    if session.get_bind().dialect.name == "postgresql":
        days_moved = type_coerce(due - first, Integer)
    else:
        # SQLite keeps dates as ISO text.
        days_moved = cast(func.julianday(due) - func.julianday(first), Integer)
    rows = session.exec(
        select(
            Milestone.goal_id,
            func.count(),
            func.sum(case((col(Milestone.status) == Status.REACHED, 1), else_=0)),
            func.sum(Milestone.times_moved),
            func.sum(case((and_(due.is_not(None), first.is_not(None)), days_moved), else_=0)),
        )
        .where(col(Milestone.goal_id).in_(goal_ids), Milestone.status != Status.CANCELLED)
        .group_by(col(Milestone.goal_id))
    ).all()
    return {
        # PostgreSQL sums to numeric.
        goal_id: Tally(
            reached=int(reached), total=total, times_moved=int(moved), slip_days=int(slip)
        )
        for goal_id, total, reached, moved, slip in rows
    }


def channel_progress(session: Session, *, team_id: str, channel_id: str) -> list[Progress]:
    goals = open_goals(session, team_id=team_id, channel_id=channel_id)
    if not goals:
        return []
    milestones = list(
        session.exec(
            select(Milestone).where(col(Milestone.goal_id).in_([g.id for g in goals]))
        ).all()
    )
    return [progress(goal, milestones) for goal in goals]
