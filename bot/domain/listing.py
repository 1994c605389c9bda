"""What `/milestone list` shows: a channel's milestones as plain rows, each with its health, from
one query built once.

The list is the command people use most and reads the most rows, so it reads only the columns
it shows, into named tuples rather than ORM objects, with a statement built once per scope
(its values bound at each call). The verdicts are health.assess's, as everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import NamedTuple

from sqlalchemy import ColumnElement, bindparam, nulls_last, or_
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from bot.domain.health import Detail, assess
from bot.domain.milestones import ListScope
from bot.store.models import Dependency, Milestone, MilestoneFacts, Status, active_status

_milestone = Milestone.__table__
_dependency = Dependency.__table__
_prerequisite = _milestone.alias("prerequisite")


class _ListedColumns(NamedTuple):
    id: int
    team_id: str
    title: str
    owner_id: str | None
    creator_id: str
    goal_id: int | None
    due_date: date | None
    first_due_date: date | None
    times_moved: int
    marked_health: str | None
    health_reason: str | None
    status: str


class Listed(MilestoneFacts, _ListedColumns):
    """One line of the list: the milestone columns it shows or judges health by."""

    __slots__ = ()


class Prerequisite(NamedTuple):
    """An open or reached prerequisite, as much of it as health reads."""

    id: int
    due_date: date | None
    status: str

    @property
    def reference(self) -> str:
        return f"M-{self.id}"


class GoalShown(NamedTuple):
    """The goal a listed milestone serves, as the list shows it: its reference."""

    id: int

    @property
    def reference(self) -> str:
        return f"G-{self.id}"


_COLUMNS = [_milestone.c[name] for name in Listed._fields]


def _conditions(scope: ListScope) -> list[ColumnElement[bool]]:
    """Which milestones `scope` lists, with the team, channel, user and day left to bind."""
    c = _milestone.c
    conditions = [
        c.team_id == bindparam("team_id"),
        c.channel_id == bindparam("channel_id"),
        c.status != Status.CANCELLED,
    ]
    if scope in (ListScope.OPEN, ListScope.MINE, ListScope.OVERDUE):
        conditions.append(active_status(c.status))
    match scope:
        case ListScope.MINE:
            # What I answer for: mine, or declared by me and owned by nobody yet.
            conditions.append(
                or_(
                    c.owner_id == bindparam("user_id"),
                    c.owner_id.is_(None) & (c.creator_id == bindparam("user_id")),
                )
            )
        case ListScope.OVERDUE:
            conditions.append(c.due_date < bindparam("today"))
        case ListScope.DONE:
            conditions.append(c.status == Status.REACHED)
    return conditions


_ORDER = (nulls_last(_milestone.c.due_date), _milestone.c.id)

# Each listed milestone with its prerequisites (cancelled ones left out), one row for each,
# in the order of their ids; health is judged only for open milestones, so only theirs are
# joined, and the list shows nothing else of a prerequisite than what health reads.
_LISTED = {
    scope: select(*_COLUMNS, *(_prerequisite.c[name] for name in Prerequisite._fields))
    .select_from(
        _milestone.outerjoin(
            _dependency,
            (_dependency.c.milestone_id == _milestone.c.id) & active_status(_milestone.c.status),
        ).outerjoin(
            _prerequisite,
            (_prerequisite.c.id == _dependency.c.prerequisite_id)
            & (_prerequisite.c.status != Status.CANCELLED),
        )
    )
    .where(*_conditions(scope))
    .order_by(*_ORDER, _prerequisite.c.id)
    for scope in ListScope
}
_WIDTH = len(_COLUMNS)


def channel_list(
    connection: Connection,
    *,
    team_id: str,
    channel_id: str,
    scope: ListScope,
    user_id: str,
    today: date,
    today_of: Callable[[Listed], date],
) -> tuple[list[Listed], dict[int, Detail]]:
    """The channel's milestones in `scope` (by due date, undated last) and, by id, the health
    and goal of each; `today_of` gives the date a milestone's health is judged on (its
    owner's), asked once per person."""
    listed: list[Listed] = []
    waiting: dict[int, list[Prerequisite]] = {}
    for row in connection.execute(
        _LISTED[scope], _values(team_id, channel_id, user_id, today)
    ).all():
        # A milestone's rows come together, one for each of its prerequisites.
        if not listed or listed[-1].id != row[0]:
            listed.append(Listed._make(row[:_WIDTH]))
        if row[_WIDTH] is not None and row[-1] != Status.REACHED:
            waiting.setdefault(row[0], []).append(Prerequisite._make(row[_WIDTH:]))
    days: dict[str, date] = {}
    details = {}
    for milestone in listed:
        verdict = None
        if milestone.is_active:
            day = days.get(milestone.responsible_id)
            if day is None:
                day = days[milestone.responsible_id] = today_of(milestone)
            verdict = assess(milestone, today=day, open_prerequisites=waiting.get(milestone.id, []))
        goal = GoalShown(milestone.goal_id) if milestone.goal_id is not None else None
        details[milestone.id] = Detail(verdict, goal, tuple(waiting.get(milestone.id, ())))
    return listed, details


def list_channel(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    scope: ListScope,
    user_id: str,
    today: date,
) -> list[Milestone]:
    """The same milestones as `channel_list`, as whole objects (a form offers them to choose
    from)."""
    query = select(Milestone).where(*_conditions(scope)).order_by(*_ORDER)
    return list(session.exec(query, params=_values(team_id, channel_id, user_id, today)))


def _values(team_id: str, channel_id: str, user_id: str, today: date) -> dict[str, object]:
    return {"team_id": team_id, "channel_id": channel_id, "user_id": user_id, "today": today}
