"""A milestone's health: on track, at risk, off track or blocked, and why. The verdict is a
pure function of a milestone and its context; `describe` reads the prerequisites it needs from
the session it is given."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from bot.domain.dependencies import prerequisites_of
from bot.domain.rows import AnyMilestone
from bot.domain.working_time import WorkingWeek
from bot.store.models import Goal, Health, Status

# A milestone due within this many working days while a prerequisite is still open is at risk.
RISK_WORKING_DAYS = 2

WORDS = {
    Health.ON_TRACK: "on track",
    Health.AT_RISK: "at risk",
    Health.OFF_TRACK: "off track",
    Health.BLOCKED: "blocked",
}


@dataclass(frozen=True)
class Verdict:
    state: str
    reason: str | None = None  # plain words; may hold user text (escape before display)

    @property
    def words(self) -> str:
        return WORDS[self.state]


# Health judges closeness to a due date in plain weekdays, whoever's calendar it is.
MONDAY_TO_FRIDAY = WorkingWeek()


def working_days_until(today: date, due_date: date) -> int:
    """Working days (Monday to Friday) after today up to and including the due date."""
    return MONDAY_TO_FRIDAY.working_days_between(today, due_date)


def assess(
    milestone: AnyMilestone, *, today: date, open_prerequisites: list[AnyMilestone]
) -> Verdict:
    """The health of an open milestone on `today` (in its owner's time zone).

    What someone said by hand comes first for blocked; lateness outranks a hand-set risk.
    """
    if milestone.marked_health == Health.BLOCKED:
        return Verdict(Health.BLOCKED, milestone.health_reason)
    due = milestone.due_date
    if due is not None and due < today:
        days = (today - due).days
        return Verdict(Health.OFF_TRACK, f"{days} day{'s' if days != 1 else ''} overdue")
    if milestone.marked_health == Health.AT_RISK:
        return Verdict(Health.AT_RISK, milestone.health_reason)
    if due is not None and open_prerequisites:
        late = [p for p in open_prerequisites if p.due_date is not None and p.due_date > due]
        if late:
            return Verdict(Health.AT_RISK, f"{_names(late)} due after it")
        if working_days_until(today, due) <= RISK_WORKING_DAYS:
            waiting = _names(open_prerequisites)
            return Verdict(Health.AT_RISK, f"due soon while {waiting} still open")
    return Verdict(Health.ON_TRACK)


def _names(milestones: list[AnyMilestone]) -> str:
    """ "M-3 is", or "M-3, M-4 are"."""
    references = ", ".join(m.reference for m in milestones)
    return f"{references} {'is' if len(milestones) == 1 else 'are'}"


# Built once, the ids bound at each call.
_GOALS = select(Goal).where(col(Goal.id).in_(bindparam("goal_ids", expanding=True)))


@dataclass(frozen=True)
class Detail:
    """What is shown about a milestone beyond its own fields."""

    health: Verdict | None = None  # None once it is reached or cancelled
    goal: Goal | None = None
    waits_on: tuple[AnyMilestone, ...] = ()  # prerequisites not reached yet


def describe(
    session: Session,
    milestones: list[AnyMilestone],
    *,
    today_of: Callable[[AnyMilestone], date],
    prerequisites: dict[int, list[AnyMilestone]] | None = None,
    goals: dict[int, Goal] | None = None,
) -> dict[int, Detail]:
    """Health, goal and open prerequisites of each milestone, from two queries.

    `today_of` gives the calendar date a milestone's health is judged on (its owner's).
    `prerequisites` may give those already read (as `prerequisites_of` returns them), and
    `goals` the milestones' goals already read, by id.
    """
    if prerequisites is None:
        prerequisites = prerequisites_of(session, [m.id for m in milestones])
    goal_ids = {m.goal_id for m in milestones if m.goal_id is not None} if goals is None else ()
    if goals is None:
        found = session.exec(_GOALS, params={"goal_ids": list(goal_ids)}) if goal_ids else ()
        goals = {goal.id: goal for goal in found}
    details = {}
    for milestone in milestones:
        waits_on = tuple(
            p for p in prerequisites.get(milestone.id, ()) if p.status != Status.REACHED
        )
        verdict = (
            assess(milestone, today=today_of(milestone), open_prerequisites=list(waits_on))
            if milestone.is_active
            else None
        )
        details[milestone.id] = Detail(verdict, goals.get(milestone.goal_id), waits_on)
    return details
