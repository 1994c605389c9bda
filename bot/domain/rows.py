"""Milestones read as plain rows, for the sweeps that read thousands at a time to show them.

The weekly status of 10,000 channels and the day's reminders show tens of thousands of
milestones and change none. Building each as an ORM object (its identity, its change
tracking, an instrumented read of every attribute) was most of those sweeps' time; a
`MilestoneRow` has the same fields and the same derived properties as `Milestone`, read-only,
and costs about what a tuple does. Anything that changes a milestone loads the ORM object.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable

from sqlalchemy import Select, select

from bot.store.models import Milestone, MilestoneFacts

# Every column of the milestone table, in its order.
COLUMNS = tuple(Milestone.__table__.columns)


class MilestoneRow(MilestoneFacts, namedtuple("MilestoneRow", [column.name for column in COLUMNS])):
    """A milestone as read, with `Milestone`'s properties (the same MilestoneFacts)."""

    __slots__ = ()


def select_rows() -> Select:
    """SELECT every column of the milestones; `rows` makes MilestoneRows of the result."""
    return select(*COLUMNS)


def rows(result: Iterable) -> list[MilestoneRow]:
    make = MilestoneRow._make
    return [make(row) for row in result]


# A milestone as the ORM loads it, or as a sweep reads it: what showing or judging one takes.
AnyMilestone = Milestone | MilestoneRow
