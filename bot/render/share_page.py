"""The stakeholder page: a PublicView as HTML, from the Jinja2 template in templates/, with
autoescaping on. Pure: what it is given, to a string; people by name, never by Slack id."""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from datetime import date

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from bot.domain.dates import format_day
from bot.domain.public_view import Entry, PublicView
from bot.render import timeline
from bot.render.blocks import EVENT_WORDS, slip
from bot.render.text import SOMEONE, readable, shorten
from bot.render.timeline import GOAL_CHARACTERS, TITLE_CHARACTERS, Lane, Marker, Timeline
from bot.store.models import EventKind, Health, MilestoneEvent, Status

_ENVIRONMENT = Environment(
    loader=PackageLoader("bot.render", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

# The health's word and the class that colours it (text always says it; colour only helps).
_STATE_CLASS = {
    Health.ON_TRACK: "on-track",
    Health.AT_RISK: "at-risk",
    Health.OFF_TRACK: "off-track",
    Health.BLOCKED: "blocked",
}


@dataclass(frozen=True)
class Row:
    reference: str
    title: str
    owner: str
    due: str
    state: str
    state_class: str
    reason: str
    slip: str
    goal: str


@dataclass(frozen=True)
class Change:
    day: str
    reference: str
    title: str
    words: str


def _day(day: date | None) -> str:
    return format_day(day) if day else "no due date"


def _row(entry: Entry, names: dict[str, str | None], *, show_goal: bool) -> Row:
    milestone, detail = entry.milestone, entry.detail
    if milestone.status == Status.REACHED:
        state, state_class = "reached", "reached"
        reason = f"on {_day(milestone.reached_at.date())}" if milestone.reached_at else ""
    else:
        verdict = detail.health
        state = verdict.words if verdict else "open"
        state_class = _STATE_CLASS.get(verdict.state, "open") if verdict else "open"
        reason = readable(verdict.reason, names) if verdict and verdict.reason else ""
        if milestone.status == Status.AWAITING_APPROVAL:
            reason = "waiting for approval" + (f"; {reason}" if reason else "")
    owner = (names.get(milestone.owner_id) or SOMEONE) if milestone.owner_id else "nobody yet"
    return Row(
        reference=milestone.reference,
        title=readable(milestone.title, names),
        owner=owner,
        due=_day(milestone.due_date),
        state=state,
        state_class=state_class,
        reason=reason,
        slip=slip(milestone),
        goal=detail.goal.name if show_goal and detail.goal else "",
    )


def _change(event: MilestoneEvent, milestone, names: dict[str, str | None]) -> Change:
    words = EVENT_WORDS.get(event.kind, str(event.kind))
    if event.actor_id:
        words += f" by {names.get(event.actor_id) or SOMEONE}"
    match event.kind:
        case EventKind.RESCHEDULED:
            words += f": {_day(event.old_due_date)} → {_day(event.new_due_date)}"
        case EventKind.DECLARED if event.new_due_date:
            words += f", due {_day(event.new_due_date)}"
    if event.reason and event.kind != EventKind.APPROVER_CHANGED:
        words += f" ({readable(event.reason, names)})"
    return Change(
        day=_day(event.at.date()),
        reference=milestone.reference,
        title=readable(milestone.title, names),
        words=words,
    )


def on_time_words(view: PublicView) -> str:
    """ "7 of 9 milestones reached in the last 90 days were on time (on or before their first
    due date); the late ones were a median of 3 days late." or a sentence saying none was
    reached."""
    line = view.on_time
    if not line.reached:
        return "No milestone with a due date was reached in the last 90 days."
    sentence = (
        f"{line.on_time} of {line.reached} milestone{'s' if line.reached != 1 else ''} reached "
        f"in the last 90 days {'was' if line.reached == 1 else 'were'} on time (on or before "
        "their first due date)"
    )
    median = line.median_slip
    if median is None:
        return sentence + "."
    late = line.reached - line.on_time
    days = f"{median:g} day{'s' if median != 1 else ''}"
    if late == 1:
        return f"{sentence}; the late one was {days} late."
    return f"{sentence}; the late ones were a median of {days} late."


def _title(view: PublicView) -> str:
    """The page's name: the goal's, or the channel's as it was when shared, in plain words."""
    return readable(view.link.label, view.names)


def _readable_timeline(built: Timeline, view: PublicView) -> Timeline:
    """The timeline with its labels in plain words: what people wrote, mentions as names."""
    names = view.names
    titles = {m.id: m.title for m in view.plan.milestones}
    goals = {g.id: g.name for g in view.plan.goals}

    def label(marker: Marker) -> Marker:
        title = shorten(readable(titles[marker.milestone_id], names), TITLE_CHARACTERS)
        return replace(marker, label=f"{marker.reference} {title}")

    def lane_title(lane: Lane) -> str:
        if lane.goal_id is None:
            return lane.title
        return f"G-{lane.goal_id} {shorten(readable(goals[lane.goal_id], names), GOAL_CHARACTERS)}"

    lanes = tuple(
        replace(lane, title=lane_title(lane), markers=tuple(label(m) for m in lane.markers))
        for lane in built.lanes
    )
    return replace(built, lanes=lanes)


def timeline_of(view: PublicView) -> tuple[str, str] | None:
    """The page's timeline: the SVG element (the bot's own drawing, from bot.render.chart; an
    image with its words as its description) and the same in words; None when nothing has a
    due date."""
    built = _readable_timeline(
        timeline.build(view.plan, today=view.today, title=f"Timeline of {_title(view)}"), view
    )
    if built.is_empty:
        return None
    return _svg(built), timeline.alt_text(built)


@functools.lru_cache(maxsize=128)
def _svg(built: Timeline) -> str:
    """The timeline's SVG element, kept for the same timeline (the same data on the same day):
    drawing takes tenths of a second, and a page is asked for again and again."""
    # matplotlib is imported when a page is first drawn, not when the server starts: its first
    # import builds a font cache and logs about it, which a refused start must not print.
    from bot.render import chart

    return chart.inline_svg(built)


def page_html(view: PublicView) -> str:
    """The page; every text in it escaped but the timeline's SVG, which the bot drew."""
    names = view.names
    drawn = timeline_of(view)
    title = _title(view)
    soonest_first = sorted(
        view.entries, key=lambda e: (e.milestone.due_date or date.max, e.milestone.id)
    )
    open_rows = [
        _row(e, names, show_goal=view.goal is None) for e in soonest_first if e.milestone.is_active
    ]
    reached_rows = [
        _row(e, names, show_goal=view.goal is None)
        for e in view.entries
        if e.milestone.status == Status.REACHED
    ]
    return _ENVIRONMENT.get_template("share.html").render(
        title=title,
        is_goal=view.goal is not None,
        open_rows=open_rows,
        reached_rows=reached_rows,
        changes=[_change(event, m, names) for event, m in view.changes],
        on_time=on_time_words(view),
        timeline=Markup(drawn[0]) if drawn else None,
        timeline_words=drawn[1] if drawn else "",
        # The day, not the time: the page (and its ETag) stays the same until something changes.
        as_of=_day(view.today),
    )
