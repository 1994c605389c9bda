"""A channel's plan, or one goal's: its milestones with their health, goals and prerequisites,
read at once for the pictures and exports drawn from it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from bot.domain.dependencies import IDS_PER_QUERY, prerequisites_of
from bot.domain.health import Detail, describe
from bot.store.models import Goal, Milestone, MilestoneEvent, Status


@dataclass(frozen=True)
class Plan:
    """What is planned in a channel (or for one goal), cancelled milestones left out.

    `goals` are the channel's goals in the order they were declared (only `goal` when the plan
    is one goal's); `prerequisites` holds every milestone's prerequisites, cancelled ones left
    out, in this plan or not.
    """

    team_id: str
    channel_id: str
    milestones: list[Milestone]
    goals: list[Goal]
    details: dict[int, Detail]
    prerequisites: dict[int, list[Milestone]] = field(default_factory=dict)
    goal: Goal | None = None


def gather(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    today_of: Callable[[Milestone], date],
    goal: Goal | None = None,
    cancelled: bool = False,
) -> Plan:
    """The channel's plan, or `goal`'s when one is given, from a few queries; with
    `cancelled`, its cancelled milestones too (for an export).

    `today_of` gives the date each milestone's health is judged on: its owner's.
    """
    query = select(Milestone).where(
        Milestone.team_id == team_id, Milestone.channel_id == channel_id
    )
    if not cancelled:
        query = query.where(Milestone.status != Status.CANCELLED)
    if goal is not None:
        query = query.where(Milestone.goal_id == goal.id)
    milestones = list(session.exec(query.order_by(col(Milestone.id))).all())
    if goal is not None:
        goals = [goal]
    else:
        goals = list(
            session.exec(
                select(Goal)
                .where(Goal.team_id == team_id, Goal.channel_id == channel_id)
                .order_by(col(Goal.id))
            ).all()
        )
    prerequisites = prerequisites_of(session, [m.id for m in milestones])
    return Plan(
        team_id=team_id,
        channel_id=channel_id,
        milestones=milestones,
        goals=goals,
        details=describe(session, milestones, today_of=today_of, prerequisites=prerequisites),
        prerequisites=prerequisites,
        goal=goal,
    )


def history_of(session: Session, milestone_ids: list[int]) -> dict[int, list[MilestoneEvent]]:
    """Each milestone's history, oldest first, from one query per IDS_PER_QUERY milestones."""
    found: dict[int, list[MilestoneEvent]] = {milestone_id: [] for milestone_id in milestone_ids}
    for start in range(0, len(milestone_ids), IDS_PER_QUERY):
        events = session.exec(
            select(MilestoneEvent)
            .where(
                col(MilestoneEvent.milestone_id).in_(milestone_ids[start : start + IDS_PER_QUERY])
            )
            .order_by(col(MilestoneEvent.at), col(MilestoneEvent.id))
        ).all()
        for event in events:
            found[event.milestone_id].append(event)
    return found
