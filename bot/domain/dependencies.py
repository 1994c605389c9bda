"""Dependencies between milestones: which must be reached first, and the cycles refused."""

from __future__ import annotations

import zlib
from datetime import date

from sqlalchemy import ColumnElement, Select, bindparam, delete, text, update
from sqlmodel import Session, col, select

from bot.domain.errors import CancelledPrerequisite, DependencyCycle, SelfDependency
from bot.domain.rows import MilestoneRow, select_rows
from bot.store.models import Dependency, Milestone, Status

IDS_PER_QUERY = 10_000


def prerequisites_of(
    session: Session, milestone_ids: list[int], *, as_rows: bool = False
) -> dict[int, list[Milestone]] | dict[int, list[MilestoneRow]]:
    """Each milestone's prerequisites (cancelled ones left out), from one query; `as_rows`:
    as MilestoneRows, for a sweep that only shows or judges them."""
    found: dict[int, list] = {milestone_id: [] for milestone_id in milestone_ids}
    statement = _PREREQUISITES_OF[as_rows]
    # In slices, so that the IN list stays within the databases' limits on bound values.
    for start in range(0, len(milestone_ids), IDS_PER_QUERY):
        chosen = {"milestone_ids": milestone_ids[start : start + IDS_PER_QUERY]}
        for milestone_id, prerequisite in _read(session, statement, chosen, as_rows=as_rows):
            found[milestone_id].append(prerequisite)
    return found


def prerequisites_in_channels(
    session: Session, channels: ColumnElement[bool], *, as_rows: bool = False
) -> dict[int, list[Milestone]] | dict[int, list[MilestoneRow]]:
    """The prerequisites (cancelled ones left out) of every milestone in the channels that
    `channels` (a condition on Milestone) selects, by milestone id, from one query; `as_rows`:
    as MilestoneRows."""
    found: dict[int, list] = {}
    # The prerequisite's channel is its dependent's.
    statement = _prerequisites(channels, as_rows=as_rows)
    for milestone_id, prerequisite in _read(session, statement, {}, as_rows=as_rows):
        found.setdefault(milestone_id, []).append(prerequisite)
    return found


def _prerequisites(where: ColumnElement[bool], *, as_rows: bool) -> Select:
    """SELECT (dependent's id, prerequisite) of the links `where` selects, cancelled
    prerequisites left out, in the order of the prerequisites' ids; `as_rows`: the
    prerequisite's columns, after the dependent's id, for MilestoneRows."""
    if not as_rows:
        return (
            select(Dependency.milestone_id, Milestone)
            .join(Milestone, col(Milestone.id) == Dependency.prerequisite_id)
            .where(where, Milestone.status != Status.CANCELLED)
            .order_by(col(Milestone.id))
        )
    return (
        select(Dependency.milestone_id, *select_rows().selected_columns)
        .join(Milestone, col(Milestone.id) == Dependency.prerequisite_id)
        .where(where, Milestone.status != Status.CANCELLED)
        .order_by(col(Milestone.id))
    )


def _read(
    session: Session, statement: Select, values: dict, *, as_rows: bool
) -> list[tuple[int, Milestone | MilestoneRow]]:
    if not as_rows:
        return list(session.exec(statement, params=values).all())
    make = MilestoneRow._make
    return [(row[0], make(row[1:])) for row in session.execute(statement, values)]


# Built once, for any number of milestones (their ids bound, as a list, at each call): building
# the statement cost more than running it for the one milestone a change or a card asks about.
_PREREQUISITES_OF = {
    as_rows: _prerequisites(
        col(Dependency.milestone_id).in_(bindparam("milestone_ids", expanding=True)),
        as_rows=as_rows,
    )
    for as_rows in (False, True)
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
