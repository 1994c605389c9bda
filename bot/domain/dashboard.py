"""The App Home's content: one person's milestones, approvals and goals, across channels.

No Slack here: `gather` reads the database and returns plain objects for the Home's builder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, bindparam, nulls_last, or_
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from bot.domain.goals import Progress, progress
from bot.domain.health import Detail, describe
from bot.domain.rows import AnyMilestone
from bot.domain.status_report import WINDOW
from bot.store.models import Goal, GoalStatus, HomeViewer, Milestone, Status


@dataclass(frozen=True)
class Dashboard:
    """What one person's App Home shows, each list in due date order (undated last)."""

    user_id: str
    today: date  # the person's calendar date
    updated_at: datetime
    # Active milestones they answer for: they own it, or declared it and nobody owns it.
    mine: list[Milestone] = field(default_factory=list)
    waiting_for_my_approval: list[Milestone] = field(default_factory=list)
    goals: list[Progress] = field(default_factory=list)  # open goals they own
    details: dict[int, Detail] = field(default_factory=dict)

    @property
    def overdue(self) -> list[Milestone]:
        return [m for m in self._open if m.due_date < self.today]

    @property
    def due_this_week(self) -> list[Milestone]:
        return [m for m in self._open if self.today <= m.due_date <= self.today + WINDOW]

    @property
    def later(self) -> list[Milestone]:
        """Open, and neither overdue nor due this week: due later, or with no due date."""
        return [
            m
            for m in self.mine
            if m.status == Status.OPEN and (m.due_date is None or m.due_date > self.today + WINDOW)
        ]

    @property
    def sent_for_approval(self) -> list[Milestone]:
        """Theirs, marked complete, waiting for someone else's approval."""
        return [
            m
            for m in self.mine
            if m.status == Status.AWAITING_APPROVAL and m.approver_id != self.user_id
        ]

    @property
    def _open(self) -> list[Milestone]:
        return [m for m in self.mine if m.status == Status.OPEN and m.due_date is not None]

    @property
    def is_empty(self) -> bool:
        return not (self.mine or self.waiting_for_my_approval or self.goals)


def _by_due_date(query):
    return query.order_by(nulls_last(col(Milestone.due_date)), col(Milestone.id))


def gather(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    today: date,
    now: datetime,
    today_of: Callable[[Milestone], date],
) -> Dashboard:
    """Everything on `user_id`'s Home in this workspace, from at most five queries.

    `today_of` gives the date a milestone's health is judged on (its owner's).
    """
    mine_or_to_approve = session.exec(
        _by_due_date(
            select(Milestone).where(
                Milestone.team_id == team_id,
                col(Milestone.status).in_(Status.ACTIVE),
                or_(
                    Milestone.owner_id == user_id,
                    and_(col(Milestone.owner_id).is_(None), Milestone.creator_id == user_id),
                    and_(
                        Milestone.approver_id == user_id,
                        Milestone.status == Status.AWAITING_APPROVAL,
                    ),
                ),
            )
        )
    ).all()
    mine = [m for m in mine_or_to_approve if m.responsible_id == user_id]
    to_approve = [
        m
        for m in mine_or_to_approve
        if m.approver_id == user_id and m.status == Status.AWAITING_APPROVAL
    ]
    milestones = list({m.id: m for m in mine + to_approve}.values())
    details = describe(session, milestones, today_of=today_of) if milestones else {}
    return Dashboard(
        user_id=user_id,
        today=today,
        updated_at=now,
        mine=mine,
        waiting_for_my_approval=to_approve,
        goals=_goals_owned(session, team_id=team_id, user_id=user_id),
        details=details,
    )


def _goals_owned(session: Session, *, team_id: str, user_id: str) -> list[Progress]:
    goals = session.exec(
        select(Goal)
        .where(Goal.team_id == team_id, Goal.owner_id == user_id, Goal.status == GoalStatus.OPEN)
        .order_by(nulls_last(col(Goal.due_date)), col(Goal.id))
    ).all()
    if not goals:
        return []
    milestones = list(
        session.exec(
            _by_due_date(select(Milestone).where(col(Milestone.goal_id).in_([g.id for g in goals])))
        ).all()
    )
    return [progress(goal, milestones) for goal in goals]


def record_opened(session: Session, *, team_id: str, user_id: str, now: datetime) -> None:
    """Note that the person opened the Home: from now on it is refreshed after changes."""
    viewer = session.get(HomeViewer, (team_id, user_id))
    if viewer is None:
        viewer = HomeViewer(team_id=team_id, user_id=user_id, opened_at=now)
    viewer.opened_at = now
    session.add(viewer)


_viewer, _goal = HomeViewer.__table__, Goal.__table__
# Built once, its values bound at each call: the people's Homes, and the goal owner's.
_VIEWERS_CONCERNED = (
    select(_viewer.c.user_id)
    .where(
        _viewer.c.team_id == bindparam("team_id"),
        or_(
            _viewer.c.user_id.in_(bindparam("user_ids", expanding=True)),
            _viewer.c.user_id
            == select(_goal.c.owner_id).where(_goal.c.id == bindparam("goal_id")).scalar_subquery(),
        ),
    )
    .order_by(_viewer.c.user_id)
)


def home_viewers_concerned(
    connection: Connection, *, milestone: AnyMilestone, also: Iterable[str] = ()
) -> list[str]:
    """Those whose Home shows `milestone` (its owner, declarer, approver and its goal's owner),
    and those of `also`, who have opened the Home: publishing to others would be wasted. One
    query."""
    people = {milestone.owner_id, milestone.creator_id, milestone.approver_id, *also}
    values = {
        "team_id": milestone.team_id,
        "user_ids": sorted(person for person in people if person),
        "goal_id": milestone.goal_id,
    }
    return list(connection.execute(_VIEWERS_CONCERNED, values).scalars())
