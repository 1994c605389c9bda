"""Milestones read as plain rows, for the sweeps that read thousands at a time to show them.

The weekly status of 10,000 channels and the day's reminders show tens of thousands of
milestones and change none. Building each as an ORM object (its identity, its change
tracking, an instrumented read of every attribute) was most of those sweeps' time; a
`MilestoneRow` has the same fields and the same derived properties as `Milestone`, read-only,
and costs about what a tuple does; a `SweptMilestone` has fewer fields, what the nudge sweep
reads. Anything that changes a milestone loads the ORM object.
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


# What the nudge sweep reads of a milestone: to remind about it (to say, claim and send) and
# to judge its card's health, with its prerequisites' (and refresh the Homes that show it).
# Every column but its timestamps and the texts only its card shows: a zone's opening reads
# tens of thousands, and the timestamps alone were a third of reading a whole row.
SWEPT_COLUMNS = (
    "id",
    "team_id",
    "channel_id",
    "title",
    "owner_id",
    "approver_id",
    "creator_id",
    "goal_id",
    "due_date",
    "first_due_date",
    "marked_health",
    "health_reason",
    "shown_health",
    "status",
    "revision",
    "announcement_ts",
)


class SweptMilestone(MilestoneFacts, namedtuple("SweptMilestone", SWEPT_COLUMNS)):
    """A milestone as the nudge sweep reads it: SWEPT_COLUMNS, with `Milestone`'s properties
    (the same MilestoneFacts)."""

    __slots__ = ()


# A row type of this module: MilestoneRow or SweptMilestone.
Row = type[MilestoneRow] | type[SweptMilestone]


def select_rows(row: Row = MilestoneRow) -> Select:
    """SELECT the milestones' columns that `row` has (all of them for a MilestoneRow); `rows`
    makes rows of the result."""
    return select(*(Milestone.__table__.c[name] for name in row._fields))


def rows(result: Iterable, row: Row = MilestoneRow) -> list:
    make = row._make
    return [make(values) for values in result]


# A milestone as the ORM loads it, or as a sweep reads it: what showing or judging one takes.
AnyMilestone = Milestone | MilestoneRow | SweptMilestone
