"""The timeline of a plan as data: one lane per goal (and one for milestones without a goal),
a marker per milestone at its due date coloured by its standing, slipped first due dates,
dependencies, today; and the same picture in words for alt text.

`build` is what the image renderer (bot/render/chart.py) draws, and what tests check exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from bot.domain.health import Detail
from bot.domain.plan import Plan
from bot.render.text import shorten
from bot.store.models import Goal, Health, Milestone, Status

# Characters of a milestone's title in its label: readable next to its neighbours.
TITLE_CHARACTERS = 24
# Characters of a goal's name in its lane's title.
GOAL_CHARACTERS = 28
NO_GOAL = "No goal"
# Days shown before the earliest and after the latest date, so no marker sits on the edge.
MARGIN_DAYS = 3


class Standing(StrEnum):
    """What a marker's colour says: reached, or the health of an open milestone."""

    REACHED = "reached"
    ON_TRACK = Health.ON_TRACK.value
    AT_RISK = Health.AT_RISK.value
    OFF_TRACK = Health.OFF_TRACK.value
    BLOCKED = Health.BLOCKED.value


# Okabe and Ito's palette, told apart with every common colour-vision deficiency; each standing
# also has its own marker shape, so colour is never the only cue.
COLOURS = {
    Standing.REACHED: "#009E73",  # bluish green
    Standing.ON_TRACK: "#0072B2",  # blue
    Standing.AT_RISK: "#E69F00",  # orange
    Standing.OFF_TRACK: "#D55E00",  # vermillion
    Standing.BLOCKED: "#CC79A7",  # reddish purple
}
SHAPES = {
    Standing.REACHED: "D",  # diamond
    Standing.ON_TRACK: "o",  # circle
    Standing.AT_RISK: "^",  # triangle up
    Standing.OFF_TRACK: "v",  # triangle down
    Standing.BLOCKED: "s",  # square
}
WORDS = {
    Standing.REACHED: "reached",
    Standing.ON_TRACK: "on track",
    Standing.AT_RISK: "at risk",
    Standing.OFF_TRACK: "off track",
    Standing.BLOCKED: "blocked",
}


@dataclass(frozen=True)
class Marker:
    """A milestone at its due date; `first_due_date` is set when it slipped from there."""

    milestone_id: int
    reference: str
    label: str  # reference and shortened title, plain text
    due_date: date
    standing: Standing
    colour: str
    shape: str
    first_due_date: date | None = None


@dataclass(frozen=True)
class Lane:
    """A goal's milestones (`goal_id` None: those without a goal), by due date."""

    title: str
    goal_id: int | None
    markers: tuple[Marker, ...]


@dataclass(frozen=True)
class Arrow:
    """A dependency: `dependent` cannot be reached before `prerequisite` (references)."""

    prerequisite: str
    dependent: str


@dataclass(frozen=True)
class LegendEntry:
    standing: Standing
    words: str
    colour: str
    shape: str


@dataclass(frozen=True)
class Timeline:
    title: str
    today: date
    lanes: tuple[Lane, ...]
    arrows: tuple[Arrow, ...]
    # Milestones with no due date: not drawn, named in the alt text.
    undated: tuple[str, ...]
    # The first and last day shown.
    start: date
    end: date

    @property
    def markers(self) -> tuple[Marker, ...]:
        return tuple(marker for lane in self.lanes for marker in lane.markers)

    @property
    def legend(self) -> tuple[LegendEntry, ...]:
        return tuple(
            LegendEntry(standing, WORDS[standing], COLOURS[standing], SHAPES[standing])
            for standing in Standing
        )

    @property
    def is_empty(self) -> bool:
        return not self.lanes


def standing_of(milestone: Milestone, detail: Detail | None) -> Standing:
    """Reached, or the health of an open milestone (on track when it is not known)."""
    if milestone.status == Status.REACHED:
        return Standing.REACHED
    if detail is None or detail.health is None:
        return Standing.ON_TRACK
    return Standing(detail.health.state)


def label_of(milestone: Milestone) -> str:
    return f"{milestone.reference} {shorten(milestone.title, TITLE_CHARACTERS)}"


def lane_title(goal: Goal) -> str:
    return f"{goal.reference} {shorten(goal.name, GOAL_CHARACTERS)}"


def title_of(*, today: date, goal: Goal | None = None) -> str:
    """The picture's title: the channel's milestones, or one goal's, on `today`."""
    whose = f"{goal.reference} {shorten(goal.name, GOAL_CHARACTERS)}" if goal else "Milestones"
    return f"{whose}: timeline on {_day(today)}" if goal else f"{whose} on {_day(today)}"


def build(plan: Plan, *, today: date, title: str) -> Timeline:
    """The timeline of `plan` on `today`: goals' lanes in the order they were declared, then
    the lane of milestones without a goal; lanes with nothing dated are left out."""
    dated = [m for m in plan.milestones if m.due_date is not None]
    undated = tuple(m.reference for m in sorted(plan.milestones, key=_by_id) if m.due_date is None)
    by_goal: dict[int | None, list[Milestone]] = {}
    for milestone in sorted(dated, key=lambda m: (m.due_date, m.id)):
        by_goal.setdefault(milestone.goal_id, []).append(milestone)
    lanes = [
        Lane(lane_title(goal), goal.id, _markers(by_goal[goal.id], plan.details))
        for goal in plan.goals
        if goal.id in by_goal
    ]
    known_goals = {goal.id for goal in plan.goals}
    # Milestones of a goal the plan does not show (none, normally) go with those of no goal.
    loose = sorted(
        (m for goal_id, ms in by_goal.items() if goal_id not in known_goals for m in ms),
        key=lambda m: (m.due_date, m.id),
    )
    if loose:
        lanes.append(Lane(NO_GOAL, None, _markers(loose, plan.details)))
    shown = {m.id: m for m in dated}
    arrows = tuple(
        Arrow(prerequisite.reference, shown[milestone_id].reference)
        for milestone_id in sorted(shown)
        for prerequisite in sorted(plan.prerequisites.get(milestone_id, ()), key=_by_id)
        if prerequisite.id in shown
    )
    start, end = _span(
        [today, *(d for m in dated for d in (m.due_date, m.first_due_date) if d is not None)]
    )
    return Timeline(title, today, tuple(lanes), arrows, undated, start, end)


def _by_id(milestone: Milestone) -> int:
    return milestone.id


def _markers(milestones: Iterable[Milestone], details: dict[int, Detail]) -> tuple[Marker, ...]:
    markers = []
    for milestone in milestones:
        standing = standing_of(milestone, details.get(milestone.id))
        first = milestone.first_due_date
        markers.append(
            Marker(
                milestone_id=milestone.id,
                reference=milestone.reference,
                label=label_of(milestone),
                due_date=milestone.due_date,
                standing=standing,
                colour=COLOURS[standing],
                shape=SHAPES[standing],
                first_due_date=first if first is not None and first != milestone.due_date else None,
            )
        )
    return tuple(markers)


def _span(days: list[date]) -> tuple[date, date]:
    margin = timedelta(days=MARGIN_DAYS)
    return min(days) - margin, max(days) + margin


def alt_text(timeline: Timeline, limit: int | None = None) -> str:
    """The timeline in words, shortened to `limit` characters when one is given."""
    sentences = [f"Timeline: {timeline.title}. Today is {_day(timeline.today)}."]
    if timeline.is_empty:
        sentences.append("No milestone with a due date to show.")
    for lane in timeline.lanes:
        described = "; ".join(_describe(marker) for marker in lane.markers)
        sentences.append(f"{lane.title}: {described}.")
    waits = {}
    for arrow in timeline.arrows:
        waits.setdefault(arrow.dependent, []).append(arrow.prerequisite)
    for dependent, prerequisites in waits.items():
        sentences.append(f"{dependent} depends on {', '.join(prerequisites)}.")
    if timeline.undated:
        verb = "has" if len(timeline.undated) == 1 else "have"
        sentences.append(f"{', '.join(timeline.undated)} {verb} no due date.")
    text = " ".join(sentences)
    return shorten(text, limit) if limit is not None else text


def _describe(marker: Marker) -> str:
    words = f"{marker.label}, {WORDS[marker.standing]}, due {_day(marker.due_date)}"
    if marker.first_due_date is not None:
        days = (marker.due_date - marker.first_due_date).days
        moved = f"slipped {days} day{'s' if abs(days) != 1 else ''}"
        if days < 0:
            moved = f"moved {-days} day{'s' if -days != 1 else ''} earlier"
        words += f" (first due {_day(marker.first_due_date)}, {moved})"
    return words


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"
