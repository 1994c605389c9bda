"""Dependencies between milestones: which must be reached first, and the cycles refused."""

from __future__ import annotations

import zlib
from datetime import date

from sqlalchemy import (
    ColumnElement,
    Exists,
    Integer,
    Select,
    Update,
    bindparam,
    delete,
    text,
    union_all,
    update,
)
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.domain.errors import CancelledPrerequisite, DependencyCycle, SelfDependency
from bot.domain.rows import AnyMilestone, MilestoneRow, Row, SweptMilestone, select_rows
from bot.store.models import Dependency, Milestone, Status

IDS_PER_QUERY = 10_000
# With more milestones in one query, PostgreSQL expects so many prerequisites that it reads
# the whole milestone table rather than look each up (3 times slower at 7,600 milestones).
PREREQUISITES_PER_QUERY = 1_000


def prerequisites_of(
    session: Session, milestone_ids: list[int], *, row: Row | None = None
) -> dict[int, list]:
    """Each milestone's prerequisites (cancelled ones left out), from one query per thousand
    milestones: Milestones, or rows of type `row`, for a sweep that only shows or judges them."""
    found: dict[int, list] = {milestone_id: [] for milestone_id in milestone_ids}
    statement = _PREREQUISITES_OF[row]
    for start in range(0, len(milestone_ids), PREREQUISITES_PER_QUERY):
        chosen = {"milestone_ids": milestone_ids[start : start + PREREQUISITES_PER_QUERY]}
        for milestone_id, prerequisite in _read(session, statement, chosen, row=row):
            found[milestone_id].append(prerequisite)
    return found


def prerequisites_in_channels(
    session: Session, channels: ColumnElement[bool], *, row: Row | None = None
) -> dict[int, list]:
    """The prerequisites (cancelled ones left out) of every milestone in the channels that
    `channels` (a condition on Milestone) selects, by milestone id, from one query: Milestones,
    or rows of type `row`."""
    found: dict[int, list] = {}
    # The prerequisite's channel is its dependent's.
    statement = _prerequisites(channels, row=row)
    for milestone_id, prerequisite in _read(session, statement, {}, row=row):
        found.setdefault(milestone_id, []).append(prerequisite)
    return found


def _prerequisites(where: ColumnElement[bool], *, row: Row | None) -> Select:
    """SELECT the prerequisites of the links `where` selects, cancelled ones left out, in the
    order of their ids: (dependent's id, Milestone), or a `row`'s columns then the dependent's
    id."""
    if row is None:
        return (
            select(Dependency.milestone_id, Milestone)
            .join(Milestone, col(Milestone.id) == Dependency.prerequisite_id)
            .where(where, Milestone.status != Status.CANCELLED)
            .order_by(col(Milestone.id))
        )
    return (
        select_rows(row)
        .add_columns(Dependency.milestone_id)
        .join(Dependency, col(Milestone.id) == Dependency.prerequisite_id)
        .where(where, Milestone.status != Status.CANCELLED)
        .order_by(col(Milestone.id))
    )


def _read(
    session: Session, statement: Select, values: dict, *, row: Row | None
) -> list[tuple[int, AnyMilestone]]:
    """(dependent's id, prerequisite) from `statement` (see _prerequisites)."""
    if row is None:
        return list(session.exec(statement, params=values).all())
    make = row._make
    return [(found[-1], make(found[:-1])) for found in session.execute(statement, values)]


# Built once, for any number of milestones (their ids bound, as a list, at each call): building
# the statement cost more than running it for the one milestone a change or a card asks about.
_PREREQUISITES_OF = {
    row: _prerequisites(
        col(Dependency.milestone_id).in_(bindparam("milestone_ids", expanding=True)), row=row
    )
    for row in (None, MilestoneRow, SweptMilestone)
}


def open_prerequisites(session: Session, milestone: Milestone) -> list[Milestone]:
    return [
        m
        for m in prerequisites_of(session, [milestone.id])[milestone.id]
        if m.status != Status.REACHED
    ]


def dependents_of(session: Session, milestone: Milestone) -> list[Milestone]:
    """The open milestones that wait on `milestone`."""
    return list(
        session.exec(
            select(Milestone)
            .join(Dependency, col(Dependency.milestone_id) == Milestone.id)
            .where(
                Dependency.prerequisite_id == milestone.id,
                col(Milestone.status).in_(Status.ACTIVE),
            )
            .order_by(col(Milestone.id))
        ).all()
    )


def slipped_dependents(
    session: Session, milestone: Milestone, *, old_due_date: date | None, new_due_date: date | None
) -> tuple[Milestone, ...]:
    """The open milestones waiting on `milestone` that its move to a later date leaves due
    before it. A move earlier is no slip, even if it still ends after a dependent."""
    if new_due_date is None or (old_due_date is not None and new_due_date <= old_due_date):
        return ()
    return tuple(
        d for d in dependents_of(session, milestone) if d.due_date and d.due_date < new_due_date
    )


def add_prerequisites(
    session: Session, milestone: Milestone, prerequisites: list[Milestone]
) -> None:
    """Make `milestone` wait on each of `prerequisites`; refuse one that would close a cycle."""
    if not prerequisites:
        return
    _lock_graph(session, milestone)
    # Held until the transaction ends (SQLite has one writer anyway): a prerequisite's change
    # made meanwhile comes before or after this link, not beside it (refresh_waits_on_later).
    session.execute(
        select(Milestone.id)
        .where(col(Milestone.id).in_([p.id for p in prerequisites]))
        .with_for_update(read=True)
    )
    existing = {m.id for m in prerequisites_of(session, [milestone.id])[milestone.id]}
    for prerequisite in prerequisites:
        if prerequisite.id == milestone.id:
            raise SelfDependency(milestone.reference)
        if prerequisite.status == Status.CANCELLED:
            raise CancelledPrerequisite(prerequisite.reference)
        path = _path(session, start=prerequisite.id, goal=milestone.id)
        if path is not None:
            raise DependencyCycle((milestone.id, *path))
        if prerequisite.id not in existing:
            session.add(Dependency(milestone_id=milestone.id, prerequisite_id=prerequisite.id))
            existing.add(prerequisite.id)
    session.flush()


def _lock_graph(session: Session, milestone: Milestone) -> None:
    """Hold the channel's dependency graph until the transaction ends.

    Two links added at once (M-1 on M-2, M-2 on M-1) would each find no cycle on their own;
    taken in turn, the second sees the first and is refused.
    """
    if session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(f"{milestone.team_id}:{milestone.channel_id}".encode())
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    else:
        # A write takes SQLite's single write lock, which the other writer then waits for.
        session.execute(
            update(Milestone)
            .where(col(Milestone.id) == milestone.id)
            .values(revision=Milestone.revision)
        )


def waiting_on_open() -> Exists:
    """A condition on Milestone: a prerequisite of it is still open (or awaiting approval)."""
    return _waiting_on(later=False)


def waiting_on_later() -> Exists:
    """A condition on Milestone: a prerequisite still open (or awaiting approval) is due after
    it (what puts it at risk however far its due date is)."""
    return _waiting_on(later=True)


def _waiting_on(*, later: bool) -> Exists:
    """The milestone's links first, each prerequisite then by its id: as a join, SQLite
    without statistics would start from every open milestone (due after this one) instead."""
    prerequisite = aliased(Milestone)
    conditions = [
        col(prerequisite.id) == Dependency.prerequisite_id,
        col(prerequisite.status).in_(Status.ACTIVE),
    ]
    if later:
        conditions.append(col(prerequisite.due_date) > Milestone.due_date)
    prerequisite_open = (
        select(prerequisite.id).where(*conditions).correlate(Milestone, Dependency).exists()
    )
    return (
        select(Dependency.prerequisite_id)
        .where(Dependency.milestone_id == Milestone.id, prerequisite_open)
        .exists()
    )


def refresh_waits_on_later(session: Session, milestone: Milestone) -> None:
    """Set `waits_on_later` of `milestone` and of the milestones that wait on it, from the due
    dates, statuses and links as they now stand: after any change of them.

    Two changes at the same moment meet on the rows they both update (a prerequisite's change
    updates its dependents' flags), and `add_prerequisites` holds the prerequisites it links
    to, so whichever comes second sets the flags from the first's outcome.
    """
    session.flush()
    session.execute(
        _REFRESH_WAITS_ON_LATER,
        {"changed_id": milestone.id},
        # Objects already loaded keep the value they were read with: only the sweep reads it.
        execution_options={"synchronize_session": False},
    )


def _refresh_waits_on_later() -> Update:
    """The UPDATE of `refresh_waits_on_later`, for the milestone `changed_id`: built once."""
    changed = bindparam("changed_id", type_=Integer)
    # A list of ids rather than "this one OR its dependents", which PostgreSQL would answer by
    # reading the whole table.
    affected = union_all(
        select(changed),
        select(Dependency.milestone_id).where(Dependency.prerequisite_id == changed),
    )
    return (
        update(Milestone)
        .where(col(Milestone.id).in_(affected))
        .values(waits_on_later=waiting_on_later())
    )


_REFRESH_WAITS_ON_LATER = _refresh_waits_on_later()


def remove_prerequisites(session: Session, milestone: Milestone) -> int:
    result = session.execute(delete(Dependency).where(col(Dependency.milestone_id) == milestone.id))
    return result.rowcount


def _path(session: Session, *, start: int, goal: int) -> list[int] | None:
    """A chain of "waits on" links from `start` to `goal`, both included, or None."""
    came_from: dict[int, int | None] = {start: None}
    frontier = [start]
    while frontier:
        rows = session.exec(
            select(Dependency.milestone_id, Dependency.prerequisite_id).where(
                col(Dependency.milestone_id).in_(frontier)
            )
        ).all()
        frontier = []
        for dependent, prerequisite in rows:
            if prerequisite in came_from:
                continue
            came_from[prerequisite] = dependent
            if prerequisite == goal:
                chain, node = [], prerequisite
                while node is not None:
                    chain.append(node)
                    node = came_from[node]
                return list(reversed(chain))
            frontier.append(prerequisite)
    return None
