"""Plans built in memory (no database) for the timeline, chart and export tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.domain.health import Detail, Verdict
from bot.domain.plan import Plan
from bot.store.models import Goal, Health, Milestone, Status

TEAM = "T0TEAM"
CHANNEL = "C0CHANNEL"
CREATED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def goal(goal_id: int, name: str) -> Goal:
    return Goal(
        id=goal_id,
        team_id=TEAM,
        channel_id=CHANNEL,
        name=name,
        creator_id="U0LEAD",
        created_at=CREATED,
    )


def milestone(
    milestone_id: int,
    title: str,
    *,
    due: date | None,
    first_due: date | None = None,
    goal_id: int | None = None,
    status: Status = Status.OPEN,
    owner_id: str | None = "U0OWNER",
    approver_id: str | None = None,
    reached_at: datetime | None = None,
) -> Milestone:
    return Milestone(
        id=milestone_id,
        team_id=TEAM,
        channel_id=CHANNEL,
        title=title,
        owner_id=owner_id,
        approver_id=approver_id,
        creator_id="U0LEAD",
        goal_id=goal_id,
        due_date=due,
        first_due_date=first_due if first_due is not None else due,
        times_moved=0 if first_due in (None, due) else 1,
        status=status,
        created_at=CREATED,
        reached_at=reached_at,
    )


def plan(
    milestones: list[Milestone],
    *,
    goals: list[Goal] = (),
    health: dict[int, Health] | None = None,
    prerequisites: dict[int, list[int]] | None = None,
) -> Plan:
    """A plan of these milestones; `health` gives open ones' health (on track otherwise),
    `prerequisites` each milestone's prerequisites by id."""
    health = health or {}
    by_id = {m.id: m for m in milestones}
    return Plan(
        team_id=TEAM,
        channel_id=CHANNEL,
        milestones=milestones,
        goals=list(goals),
        details={
            m.id: Detail(
                Verdict(health.get(m.id, Health.ON_TRACK)) if m.is_active else None,
            )
            for m in milestones
        },
        prerequisites={
            dependent: [by_id[p] for p in ids] for dependent, ids in (prerequisites or {}).items()
        },
    )


def large_plan(count: int, *, today: date) -> Plan:
    """`count` milestones over five goals and no goal, every health, slips and dependencies."""
    goals = [goal(g, f"Goal number {g} with a long enough name") for g in range(1, 6)]
    states = list(Health)
    milestones, health, prerequisites = [], {}, {}
    for i in range(1, count + 1):
        due = today + timedelta(days=(i * 37) % 120 - 40)
        reached = i % 5 == 0
        milestones.append(
            milestone(
                i,
                f"Milestone {i}: ship the part that matters most",
                due=due,
                first_due=due - timedelta(days=i % 9) if i % 3 == 0 else None,
                goal_id=(i % 6) or None,
                status=Status.REACHED if reached else Status.OPEN,
                reached_at=CREATED if reached else None,
            )
        )
        health[i] = states[i % len(states)]
        if i > 2 and i % 4 == 0:
            prerequisites[i] = [i - 1, i - 2]
    return plan(milestones, goals=goals, health=health, prerequisites=prerequisites)
