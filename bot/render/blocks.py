"""Block Kit builders: pure functions from milestones to Slack messages and views.

Every piece of user-written text goes through `escape` before it enters a message, and
Slack's limits are enforced here: section, context and button texts, modal titles and the
fallback text of answers are shortened to their limits by `shorten`, which marks a cut with
"…", and a message holds at most 50 blocks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time

from bot.domain.coach import Suggestion
from bot.domain.dates import format_day
from bot.domain.goals import Progress
from bot.domain.health import Detail, Verdict
from bot.domain.milestones import Change, ListScope
from bot.domain.schedules import week_of
from bot.domain.status_report import (
    RECORD_PERIOD,
    ChangeKind,
    ChannelStatus,
    PersonalWeek,
    Record,
    WeekChange,
)
from bot.domain.working_time import WorkingWeek, format_days
from bot.render.answers import advice
from bot.render.text import escape, quote, shorten, user
from bot.store.models import (
    Absence,
    ChannelSettings,
    EscalateTo,
    EventKind,
    Goal,
    Health,
    Milestone,
    MilestoneEvent,
    NudgeRoute,
    PersonSchedule,
    Status,
)

# Action and view ids, in one place.
COMPLETE = "milestone_complete"
APPROVE = "milestone_approve"
REQUEST_CHANGES = "milestone_request_changes"
RESCHEDULE = "milestone_reschedule"
EDIT = "milestone_edit"
RESCHEDULE_VIEW = "milestone_reschedule_view"
CHANGES_VIEW = "milestone_changes_view"
DATE_BLOCK, DATE_ACTION = "due_date", "due_date_input"
REASON_BLOCK, REASON_ACTION = "reason", "reason_input"

# What button_value makes: ids of at most 9 digits, which fit any integer column.
_BUTTON_VALUE = re.compile(r"([0-9]{1,9}):([0-9]{1,9})")

# Slack's limits, in characters unless said otherwise.
MAX_BLOCKS = 50  # blocks in a message
MAX_SECTION_TEXT = 3000
MAX_CONTEXT_TEXT = 3000
MAX_BUTTON_TEXT = 75
MAX_MODAL_TITLE = 24  # also a modal's submit and close buttons
# Slack cuts a message's fallback text at 40,000 characters; a notification needs far fewer.
MAX_FALLBACK_TEXT = 3000
# The characters of a reason quoted in a message, escaped: room is left for the sentence.
REASON_SHOWN = 2000

Message = dict  # {"text": ..., "blocks": [...]}


def format_date(day: date | None) -> str:
    return format_day(day) if day else "no due date"


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def due(milestone: Milestone) -> str:
    """ "due Tue 15 Dec 2026", or "no due date"."""
    return f"due {format_day(milestone.due_date)}" if milestone.due_date else "no due date"


def button_value(milestone: Milestone) -> str:
    return f"{milestone.id}:{milestone.revision}"


def parse_button_value(value: str) -> tuple[int, int]:
    """(milestone id, revision) from a button_value; ValueError for anything else."""
    match = _BUTTON_VALUE.fullmatch(value)
    if match is None:
        raise ValueError(f"not a milestone button's value: {value[:40]!r}")
    return int(match[1]), int(match[2])


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": shorten(text, MAX_SECTION_TEXT)}}


def _context(text: str) -> dict:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": shorten(text, MAX_CONTEXT_TEXT)}],
    }


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict:
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": shorten(text, MAX_BUTTON_TEXT)},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def _title_line(milestone: Milestone) -> str:
    return f"*{milestone.reference}* · {escape(milestone.title)}"


HEALTH_EMOJI = {
    Health.ON_TRACK: ":large_green_circle:",
    Health.AT_RISK: ":large_yellow_circle:",
    Health.OFF_TRACK: ":red_circle:",
    Health.BLOCKED: ":no_entry:",
}
NO_DETAIL = Detail()


def owner(milestone: Milestone, person: Callable[[str], str] = user) -> str:
    return person(milestone.owner_id) if milestone.owner_id else "no owner"


def health_words(verdict: Verdict | None, *, emoji: bool = True) -> str:
    """ "on track", or "blocked: waiting for the vendor" (the reason escaped)."""
    if verdict is None:
        return ""
    words = verdict.words
    if verdict.reason:
        words += f": {escape(verdict.reason)}"
    return f"{HEALTH_EMOJI[verdict.state]} {words}" if emoji else words


def slip(milestone: Milestone) -> str:
    """ "moved 3 times, +12 days", or "" for a milestone that never moved."""
    if not milestone.times_moved:
        return ""
    times = "once" if milestone.times_moved == 1 else f"{milestone.times_moved} times"
    return f"moved {times}, {milestone.slip_days:+d} days"


def _facts(milestone: Milestone, detail: Detail) -> str:
    facts = [f"Owner {owner(milestone)}", _first_upper(due(milestone))]
    if milestone.approver_id:
        facts.append(f"Approver {user(milestone.approver_id)}")
    if detail.goal:
        facts.append(f"Goal {detail.goal.reference} {escape(detail.goal.name)}")
    if detail.waits_on:
        facts.append("Waits on " + ", ".join(m.reference for m in detail.waits_on))
    if slip(milestone):
        facts.append(_first_upper(slip(milestone)))
    return " · ".join(facts)


def _state_line(milestone: Milestone, detail: Detail) -> str:
    if milestone.status == Status.REACHED:
        when = f" on {_local_date(milestone.reached_at)}" if milestone.reached_at else ""
        return f":white_check_mark: Reached{when}"
    if milestone.status == Status.CANCELLED:
        return ":heavy_minus_sign: Cancelled"
    health, verdict = "", detail.health
    if verdict and verdict.state == Health.OFF_TRACK and milestone.due_date:
        # The card is updated when its health changes, not every day: no count to go stale.
        verdict = Verdict(Health.OFF_TRACK, f"overdue since {format_date(milestone.due_date)}")
    if verdict:
        health = f"{HEALTH_EMOJI[verdict.state]} {_first_upper(health_words(verdict, emoji=False))}"
    if milestone.status == Status.AWAITING_APPROVAL:
        waiting = f":hourglass_flowing_sand: Waiting for {user(milestone.approver_id)}'s approval"
        return f"{waiting} · {health}" if health else waiting
    return health or ":large_blue_circle: Open"


def announcement(milestone: Milestone, detail: Detail = NO_DETAIL) -> Message:
    """The milestone's card in the channel, kept up to date in place."""
    blocks = [
        _section(f":dart: {_title_line(milestone)}"),
        _context(_facts(milestone, detail)),
    ]
    if milestone.definition_of_done:
        blocks.append(_context(f"Done when: {escape(milestone.definition_of_done)}"))
    if source_line(milestone):
        blocks.append(_context(source_line(milestone)))
    blocks.append(_context(_state_line(milestone, detail)))
    if milestone.status == Status.OPEN:
        value = button_value(milestone)
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    _button("Mark complete", COMPLETE, value, "primary"),
                    _button("Reschedule", RESCHEDULE, value),
                    _button("Edit", EDIT, value),
                ],
            }
        )
    verb = {Status.REACHED: "reached", Status.CANCELLED: "cancelled"}.get(
        milestone.status, "declared"
    )
    return {
        "text": f"Milestone {milestone.reference} {verb}: {escape(milestone.title)}",
        "blocks": blocks,
    }


def celebration(milestone: Milestone) -> Message:
    text = (
        f":tada: {milestone.reference} reached: {escape(milestone.title)}! "
        f"Well done, {user(milestone.responsible_id)}."
    )
    return {"text": text, "blocks": [_section(text)]}


def rescheduled(milestone: Milestone, *, old_due_date: date, reason: str | None) -> Message:
    text = (
        f":calendar: {_title_line(milestone)} moved from {format_date(old_due_date)} "
        f"to *{format_date(milestone.due_date)}*."
    )
    if reason:
        text += f"\nReason: {escape(reason)}"
    return {"text": f"{milestone.reference} rescheduled", "blocks": [_section(text)]}


def cancelled(milestone: Milestone, *, actor_id: str, reason: str | None) -> Message:
    text = f":heavy_minus_sign: {_title_line(milestone)} was cancelled by {user(actor_id)}."
    if reason:
        text += f"\nReason: {escape(reason)}"
    return {"text": f"{milestone.reference} cancelled", "blocks": [_section(text)]}


def approval_request(milestone: Milestone) -> Message:
    text = (
        f"{user(milestone.responsible_id)} says {_title_line(milestone)} is reached and asks for "
        f"your approval.\n{_facts(milestone, NO_DETAIL)} · in <#{milestone.channel_id}>"
    )
    return {
        "text": f"Approval requested for {milestone.reference}",
        "blocks": [
            _section(text),
            {
                "type": "actions",
                "elements": [
                    _button("Approve", APPROVE, button_value(milestone), "primary"),
                    _button("Request changes", REQUEST_CHANGES, button_value(milestone)),
                ],
            },
        ],
    }


def approval_decided(milestone: Milestone, *, decision: str, reason: str | None = None) -> Message:
    """The approver's DM after the decision: the same request, without buttons."""
    text = f"{_title_line(milestone)}: {decision}."
    if reason:
        text += f"\nYou said: {escape(reason)}"
    return {"text": f"{milestone.reference}: {decision}", "blocks": [_section(text)]}


def changes_requested(milestone: Milestone, *, approver_id: str, reason: str) -> Message:
    text = (
        f"{user(approver_id)} asked for changes before approving {_title_line(milestone)}:\n"
        f">{shorten(escape(reason), REASON_SHOWN)}\n"
        "It is open again; mark it complete when it is ready."
    )
    return {
        "text": f"Changes requested on {milestone.reference}",
        "blocks": [
            _section(text),
            {
                "type": "actions",
                "elements": [
                    _button("Mark complete", COMPLETE, button_value(milestone), "primary"),
                ],
            },
        ],
    }


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def overdue_nudge(milestone: Milestone, *, days_overdue: int, in_channel: bool = False) -> Message:
    """The daily nudge: to its owner privately, or `in_channel`, where it mentions them once."""
    addressee = f"{user(milestone.responsible_id)}, " if in_channel else ""
    text = (
        f":alarm_clock: {addressee}{_title_line(milestone)} was due "
        f"{format_date(milestone.due_date)}: *{_days(days_overdue)} overdue*.\nIf it is "
        "reached, mark it complete; if the plan changed, give it an honest new date."
    )
    return _reminder(milestone, text, f"{milestone.reference} is {_days(days_overdue)} overdue")


def due_soon_reminder(milestone: Milestone, *, on_a_working_day: bool = True) -> Message:
    """To the owner on their working day before the due date; `on_a_working_day`: whether the
    due date is one of their working days, and so "the next working day"."""
    text = (
        f":spiral_calendar_pad: {_title_line(milestone)} is due "
        f"*{format_date(milestone.due_date)}*"
        + (", the next working day." if on_a_working_day else ".")
    )
    return _reminder(milestone, text, f"{milestone.reference} is due soon")


def _reminder(milestone: Milestone, text: str, fallback: str) -> Message:
    return {
        "text": fallback,
        "blocks": [
            _section(text),
            {
                "type": "actions",
                "elements": [
                    _button("Mark complete", COMPLETE, button_value(milestone), "primary"),
                    _button("Reschedule", RESCHEDULE, button_value(milestone)),
                ],
            },
        ],
    }


def escalation(
    milestone: Milestone, *, days_overdue: int, nudges: int, to_approver: bool = False
) -> Message:
    """After repeated nudges: for the channel, or privately `to_approver`."""
    question = (
        f"You approve it, in <#{milestone.channel_id}>: does it need help, or a new date?"
        if to_approver
        else "Does it need help, or a new date?"
    )
    text = (
        f":warning: {_title_line(milestone)} is {_days(days_overdue)} overdue and its owner, "
        f"{user(milestone.responsible_id)}, has been reminded {nudges} times. {question}"
    )
    return {"text": f"{milestone.reference} is overdue", "blocks": [_section(text)]}


# Shown for a person Slack gave no name for, where mentions are off.
NO_NAME = "a teammate"


def plain_names(names: Mapping[str, str | None]) -> Callable[[str], str]:
    """Shows a user by name (escaped) rather than an @-mention; never the raw user id."""
    return lambda user_id: escape(names.get(user_id) or NO_NAME)


def away_line(away: Mapping[str, date | None], person: Callable[[str], str] = user) -> str:
    """ ":palm_tree: Away: @x until Fri 4 Dec 2026, @y (Slack status)"; `away` maps a user
    to the last day of their absence, or None when only their Slack status says so."""
    people = sorted(away.items(), key=lambda item: (item[1] or date.max, item[0]))
    return ":palm_tree: Away: " + ", ".join(
        f"{person(user_id)} until {format_day(until)}"
        if until
        else f"{person(user_id)} (Slack status)"
        for user_id, until in people
    )


def with_away_note(
    messages: list[Message], away: Mapping[str, date | None], person: Callable[[str], str] = user
) -> list[Message]:
    """The status `messages` with a line under their title saying who is away."""
    if not away:
        return messages
    every_block = [block for message in messages for block in message["blocks"]]
    every_block.insert(1, _context(away_line(away, person)))
    return [
        {"text": messages[0]["text"], "blocks": chunk}
        for chunk in chunk_blocks(every_block, MAX_BLOCKS)
    ]


def _local_date(moment: datetime) -> str:
    """A date Slack shows in each reader's own time zone, with a UTC fallback."""
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}}|{format_date(moment.date())}>"


def _status_item(milestone: Milestone, status: ChannelStatus, person: Callable[[str], str]) -> str:
    line = f"• {_title_line(milestone)} — {owner(milestone, person)}, {due(milestone)}"
    today = status.today
    if milestone.status == Status.OPEN and milestone.due_date and milestone.due_date < today:
        line += f" (*{_days((today - milestone.due_date).days)} late*)"
    if milestone.status == Status.REACHED and milestone.reached_at:
        line += f", reached {format_date(milestone.reached_at.astimezone(status.zone).date())}"
    detail = status.details.get(milestone.id, NO_DETAIL)
    if detail.health and detail.health.state != Health.OFF_TRACK:
        line += f" · {health_words(detail.health)}"
    if slip(milestone):
        line += f" · {slip(milestone)}"
    return line


def goal_progress_line(progress: Progress, record: Record | None = None) -> str:
    """ "*G-2* · Launch app — 3 of 7 reached · next: M-12 (due Fri 4 Dec 2026) · moved ...",
    with how the goal is doing when a `record` with milestones reached is given."""
    goal = progress.goal
    parts = [
        f"*{goal.reference}* · {escape(goal.name)} — {progress.reached} of {progress.total} reached"
    ]
    if goal.due_date:
        parts.append(f"goal due {format_day(goal.due_date)}")
    if progress.next_milestone:
        upcoming = progress.next_milestone
        parts.append(f"next: {upcoming.reference} {escape(upcoming.title)} ({due(upcoming)})")
    if progress.times_moved:
        times = "once" if progress.times_moved == 1 else f"{progress.times_moved} times"
        parts.append(f"milestones moved {times}, {progress.slip_days:+d} days in all")
    if record and record.reached:
        parts.append(record_line(record))
    return " · ".join(parts)


def record_line(record: Record) -> str:
    """ "on time 7 of 9 (78%) in 90 days · median slip +3 days": the slip is the median of the
    late ones, in days after their first due date."""
    share = round(100 * record.on_time / record.reached)
    line = f"on time {record.on_time} of {record.reached} ({share}%) in {RECORD_PERIOD.days} days"
    if record.median_slip is not None:
        slip_days = f"{record.median_slip:+.1f}".removesuffix(".0")
        line += f" · median slip {slip_days} {'day' if abs(record.median_slip) == 1 else 'days'}"
    return line


# The open milestones a goal's "Coming up" shows; the rest are counted.
COMING_UP_SHOWN = 3

CHANGE_HEADINGS = {
    ChangeKind.MOVED: ":arrow_right: Moved this week",
    ChangeKind.BLOCKED: ":no_entry: Marked blocked or at risk this week",
    ChangeKind.AT_RISK: ":no_entry: Marked blocked or at risk this week",
    ChangeKind.CANCELLED: ":heavy_minus_sign: Cancelled this week",
    ChangeKind.ADDED: ":new: Added this week",
}
COMING_UP = ":crystal_ball: Coming up"


def _change_item(change: WeekChange, person: Callable[[str], str]) -> str:
    milestone = change.milestone
    line = f"• {_title_line(milestone)} — {owner(milestone, person)}, "
    match change.kind:
        case ChangeKind.MOVED:
            line += (
                f"moved from {format_date(change.old_due_date)} "
                f"to {format_date(change.new_due_date)}"
            )
        case ChangeKind.BLOCKED | ChangeKind.AT_RISK:
            line += "blocked" if change.kind == ChangeKind.BLOCKED else "at risk"
        case ChangeKind.CANCELLED:
            line += "cancelled"
        case ChangeKind.ADDED:
            line += due(milestone)
    if change.reason:
        line += f": {quote(change.reason)}"
    return line


def _coming_up_lines(milestones: list[Milestone], person: Callable[[str], str]) -> list[str]:
    if not milestones:
        return []
    lines = [f"{COMING_UP} ({len(milestones)})"]
    lines += [
        f"• {_title_line(m)} — {owner(m, person)}, {due(m)}" for m in milestones[:COMING_UP_SHOWN]
    ]
    if len(milestones) > COMING_UP_SHOWN:
        lines.append(f"and {len(milestones) - COMING_UP_SHOWN} more")
    return lines


def _title_section(title: str, status: ChannelStatus) -> str:
    if status.record.reached:
        title += f"\n:chart_with_upwards_trend: How we are doing: {record_line(status.record)}"
    if status.is_empty:
        title += "\nA quiet week: nothing reached, due, overdue or waiting for approval."
    return title


def weekly_status(status: ChannelStatus, person: Callable[[str], str] = user) -> list[Message]:
    """The channel's status, grouped by goal, as one or more messages: nothing is dropped.

    `person` shows a user: an @-mention by default, or a plain name where mentions are off.
    """
    title = f":bar_chart: *Milestone status for the week of {format_date(status.today)}*"
    blocks = [_section(_title_section(title, status)), *status_body(status, person)]
    return [
        {"text": "Weekly milestone status", "blocks": chunk}
        for chunk in chunk_blocks(blocks, MAX_BLOCKS)
    ]


def status_body(status: ChannelStatus, person: Callable[[str], str] = user) -> list[dict]:
    """A status's sections under its title: for each goal, what is reached, due, overdue,
    waiting, blocked, what changed this week and what comes after."""
    sections = [
        (":white_check_mark: Reached in the last 7 days", status.reached),
        (":rotating_light: Overdue", status.overdue),
        (":hourglass_flowing_sand: Waiting for approval", status.awaiting_approval),
        (":spiral_calendar_pad: Due in the next 7 days", status.due_soon),
        (":warning: Blocked or at risk", status.troubled),
    ]
    groups = [
        (p.goal.id, goal_progress_line(p, status.goal_records.get(p.goal.id)))
        for p in status.progress
    ]
    known_goals = {p.goal.id for p in status.progress}
    shown = [m for _, milestones in sections for m in milestones]
    shown += [c.milestone for c in status.changes] + status.coming_up
    # A milestone of a closed goal is shown with those without one.
    if any(m.goal_id not in known_goals for m in shown):
        groups.append((None, "*Without a goal*" if groups else ""))

    def group_of(milestone: Milestone) -> int | None:
        return milestone.goal_id if milestone.goal_id in known_goals else None

    def by_group(items: list, milestone_of: Callable = lambda m: m) -> dict[int | None, list]:
        grouped: dict[int | None, list] = {}
        for item in items:
            grouped.setdefault(group_of(milestone_of(item)), []).append(item)
        return grouped

    grouped_sections = [(name, by_group(milestones)) for name, milestones in sections]
    grouped_changes = by_group(status.changes, lambda change: change.milestone)
    grouped_coming_up = by_group(status.coming_up)
    blocks: list[dict] = []
    for goal_id, heading in groups:
        lines = [heading] if heading else []
        for name, grouped in grouped_sections:
            own = grouped.get(goal_id, [])
            if own:
                lines.append(f"{name} ({len(own)})")
                lines.extend(_status_item(m, status, person) for m in own)
        changes: dict[str, list[WeekChange]] = {}
        for change in grouped_changes.get(goal_id, []):
            changes.setdefault(CHANGE_HEADINGS[change.kind], []).append(change)
        for name in dict.fromkeys(CHANGE_HEADINGS.values()):
            if name in changes:
                lines.append(f"{name} ({len(changes[name])})")
                lines.extend(_change_item(change, person) for change in changes[name])
        if len(lines) == 1 and goal_id is not None:
            lines.append("Nothing reached, due or overdue this week.")
        lines += _coming_up_lines(grouped_coming_up.get(goal_id, []), person)
        blocks.extend(sections_from_lines("", lines))
    return blocks


def personal_status(
    statuses: list[ChannelStatus], person: Callable[[str], str] = user
) -> list[Message]:
    """`/milestone status mine`: the caller's milestones, channel by channel, as one or more
    private answers."""
    title = ":bar_chart: *Your milestones, in every channel*"
    shown = [s for s in statuses if not s.is_empty or s.coming_up or s.record.reached]
    if not shown:
        return [notice(f"{title}\nYou answer for no open milestones, and none changed this week.")]
    blocks: list[dict] = [_section(title)]
    for status in shown:
        heading = f"*<#{status.channel_id}>*"
        blocks.append(_section(_title_section(heading, status)))
        blocks.extend(status_body(status, person))
    return [
        {"text": "Your milestones", "blocks": chunk} for chunk in chunk_blocks(blocks, MAX_BLOCKS)
    ]


def personal_digest(week: PersonalWeek) -> list[Message]:
    """The personal weekly digest a person asked for: their milestones due this week or
    overdue, and those waiting for their approval, across channels."""
    title = f":wave: *Your week of {format_date(week.today)}*"
    if week.is_empty:
        line = f"{title}\nNothing of yours is due, overdue or waiting for your approval."
        return [{"text": "Your week", "blocks": [_section(line)]}]

    def item(milestone: Milestone) -> str:
        line = f"• {_title_line(milestone)} in <#{milestone.channel_id}> — {due(milestone)}"
        if milestone.due_date and milestone.due_date < week.today:
            line += f" (*{_days((week.today - milestone.due_date).days)} late*)"
        return line

    lines = [title]
    for name, milestones in (
        (":rotating_light: Overdue", week.overdue),
        (":spiral_calendar_pad: Due in the next 7 days", week.due_soon),
        (":hourglass_flowing_sand: Waiting for your approval", week.to_approve),
    ):
        if milestones:
            lines.append(f"{name} ({len(milestones)})")
            lines.extend(item(m) for m in milestones)
    return [
        {"text": "Your week", "blocks": chunk}
        for chunk in chunk_blocks(sections_from_lines("", lines), MAX_BLOCKS)
    ]


def sections_from_lines(heading: str, lines: Iterable[str]) -> list[dict]:
    """Pack lines into as few sections as fit 3,000 characters each, never splitting a line."""
    sections, current = [], shorten(heading, MAX_SECTION_TEXT)
    for line in lines:
        line = shorten(line, MAX_SECTION_TEXT)
        if len(current) + 1 + len(line) > MAX_SECTION_TEXT:
            sections.append(_section(current))
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        sections.append(_section(current))
    return sections


def chunk_blocks(blocks: list[dict], size: int) -> list[list[dict]]:
    return [blocks[start : start + size] for start in range(0, len(blocks), size)] or [[]]


def _capped(blocks: list[dict], more: str) -> list[dict]:
    """`blocks` within a message's limit: what does not fit gives way to a line saying so."""
    if len(blocks) <= MAX_BLOCKS:
        return blocks
    return blocks[: MAX_BLOCKS - 1] + [_context(more)]


def milestone_list(
    milestones: list[Milestone],
    *,
    scope: ListScope,
    today: date,
    details: Mapping[int, Detail] | None = None,
) -> Message:
    names = {
        ListScope.OPEN: "Open milestones",
        ListScope.MINE: "Your open milestones",
        ListScope.OVERDUE: "Overdue milestones",
        ListScope.DONE: "Reached milestones",
        ListScope.ALL: "All milestones",
    }
    if not milestones:
        empty = {
            ListScope.OPEN: (
                "No open milestones in this channel. Declare one with `/milestone add`."
            ),
            ListScope.MINE: "You own no open milestones in this channel.",
            ListScope.OVERDUE: "Nothing is overdue in this channel.",
            ListScope.DONE: "No milestone has been reached in this channel yet.",
            ListScope.ALL: "No milestones in this channel yet. Declare one with `/milestone add`.",
        }[scope]
        return {"text": empty, "blocks": [_section(empty)]}
    details = details or {}
    lines = [_list_item(m, today, details.get(m.id, NO_DETAIL)) for m in milestones]
    blocks = _capped(
        sections_from_lines(f"*{names[scope]}* ({len(milestones)})", lines),
        "The list is too long to show whole; try `/milestone list overdue` or `mine`.",
    )
    return {"text": names[scope], "blocks": blocks}


def _list_item(milestone: Milestone, today: date, detail: Detail) -> str:
    parts = [f"• {_title_line(milestone)} — {owner(milestone)}, {due(milestone)}"]
    if milestone.status == Status.REACHED:
        parts.append("reached")
    elif milestone.status == Status.AWAITING_APPROVAL:
        parts.append("waiting for approval")
    if detail.health:
        parts.append(health_words(detail.health))
    if detail.goal:
        parts.append(detail.goal.reference)
    if slip(milestone):
        parts.append(slip(milestone))
    return " · ".join(parts)


def notice(text: str) -> Message:
    """A short private answer; `text` is the bot's own words (user text already escaped)."""
    return {"text": shorten(text, MAX_FALLBACK_TEXT), "blocks": [_section(text)]}


HELP = """*Milestones* mark the checkpoints that show real progress toward a goal: specific, \
verifiable, dated, with an owner.

`/milestone` opens the *New milestone* form.
`/milestone add "Beta version completed" due next fri owner @alex approver @sam goal G-1 after M-3`
    Declare a milestone. Quote the title when it holds a keyword. \
Dates: 2026-12-15, fri, next friday, in 2 weeks, Dec 15, the 12th, mid-March, end of Q1. \
The owner defaults to you; with an approver, completion waits for their approval.
`/milestone list` · `list mine` · `list overdue` · `list done` · `list all`
    This channel's milestones by due date, with their health.
`/milestone done M-3` · `due M-3 next friday because the vendor is late` · `cancel M-3 because ...`
    Complete, reschedule (the channel sees old and new dates and why) or cancel your milestone.
`/milestone block M-3 because ...` · `unblock M-3` · `risk M-3 because ...`
    Say how it is going: blocked, at risk, or back on track.
`/milestone depends M-5 on M-3` · `nodeps M-5` · `history M-3`
    What waits on what; who changed what, when and why.
`/milestone goal add "Launch mobile app" due end of march` · `goal list` · `goal close G-1`
    Goals group milestones and show their progress.
`/milestone chart` · `chart G-1` · `export csv` · `export json`
    A timeline of the channel's (or a goal's) milestones; its milestones and their history \
as a file, sent to you.
`/milestone review` · `status` · `status mine` · `away 2026-12-24 to 2027-01-02` · `away off`
    The coach's suggestions; this channel's status now (what changed, what is coming, how we \
are doing); yours from every channel, privately; a break from reminders.
`/milestone me` · `me hours 10:00-17:00` · `me days mon-thu` · `me holidays GB` · `me hours default`
    When your reminders come: in your working hours, on your working days, not on public holidays.
`/milestone me digest monday 09:00` · `me digest off`
    Your own week by DM, in your time zone: due, overdue, waiting for your approval.
`/milestone settings` · `settings managers @alex @sam` · `settings hours 09:00-18:00`
    This channel's settings: weekly status, nudges, mentions, escalation, approvals, coach, \
working time (hours, days, holidays) and who may change them (workspace admins always may).
`/milestone calendar` · `calendar reset` · `share` · `share G-1` · `share list` · `share revoke`
    A calendar feed of this channel's due dates; a read-only page for people outside Slack.
*Make it a milestone* in a message's ⋯ menu turns that message into a milestone.
*Declare a milestone* and *Complete a milestone* are steps in Workflow Builder."""


def nothing_to_chart(goal: Goal | None) -> str:
    where = f"{goal.reference} {escape(goal.name)} has" if goal else "This channel has"
    return f"{where} no milestone with a due date yet: there is nothing to chart."


def export_on_its_way(kind: str) -> str:
    return (
        f"I'm sending you this channel's milestones and their history as {kind.upper()}, "
        "in our direct messages."
    )


def not_in_channel(command: str) -> str:
    return (
        "I can't post in this channel yet. Invite me with `/invite @Milestones`, "
        f"then try `{command}` again."
    )


def missing_files_scope() -> str:
    return (
        "I may not upload files in this workspace yet. Ask a workspace admin to reinstall "
        "the app (it now asks for the `files:write` permission), then try again."
    )


def help_message(problem: str | None = None) -> Message:
    blocks = []
    if problem:
        blocks.append(_section(f":thinking_face: {problem}"))
    blocks.append(_section(HELP))
    fallback = shorten(problem, MAX_FALLBACK_TEXT) if problem else "How to use /milestone"
    return {"text": fallback, "blocks": blocks}


def _modal(callback_id: str, title: str, submit: str, metadata: dict, blocks: list) -> dict:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": {"type": "plain_text", "text": shorten(title, MAX_MODAL_TITLE)},
        "submit": {"type": "plain_text", "text": shorten(submit, MAX_MODAL_TITLE)},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps(metadata),
        "blocks": blocks,
    }


def reschedule_modal(milestone: Milestone) -> dict:
    return _modal(
        RESCHEDULE_VIEW,
        f"Reschedule {milestone.reference}",
        "Reschedule",
        {"milestone_id": milestone.id, "revision": milestone.revision},
        [
            _section(f"{_title_line(milestone)}\n{_first_upper(due(milestone))}"),
            {
                "type": "input",
                "block_id": DATE_BLOCK,
                "label": {"type": "plain_text", "text": "New due date"},
                "element": {
                    "type": "datepicker",
                    "action_id": DATE_ACTION,
                    **(
                        {"initial_date": milestone.due_date.isoformat()}
                        if milestone.due_date
                        else {}
                    ),
                },
            },
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Why is it moving?"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": REASON_ACTION,
                    "multiline": True,
                    "max_length": 500,
                },
            },
        ],
    )


def changes_modal(milestone: Milestone) -> dict:
    return _modal(
        CHANGES_VIEW,
        "Request changes",
        "Send",
        {"milestone_id": milestone.id, "revision": milestone.revision},
        [
            _section(_title_line(milestone)),
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "label": {"type": "plain_text", "text": "What needs to change?"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": REASON_ACTION,
                    "multiline": True,
                    "max_length": 500,
                },
            },
        ],
    )


def sent_for_approval(milestone: Milestone) -> str:
    return (
        f":hourglass_flowing_sand: {milestone.reference} is with {user(milestone.approver_id)} "
        "for approval; the channel hears when it is approved."
    )


def working_week_words(week: WorkingWeek) -> str:
    """ "10:00-17:00 on mon-thu, not on public holidays in GB", for settings shown."""
    holidays = (
        f"not on public holidays in {week.holidays}" if week.holidays else "no public holidays"
    )
    return f"{week.hours} on {format_days(week.days)}, {holidays}"


def my_settings(week: WorkingWeek, chosen: PersonSchedule, timezone: str) -> Message:
    """A person's own settings: when their reminders come, and how to change that."""

    def source(value: str | None) -> str:
        return "yours" if value else "the workspace's"

    lines = [
        f"• Reminders and nudges come in your working time: *{escape(working_week_words(week))}*, "
        f"in your Slack time zone ({escape(timezone)}), and wait while do-not-disturb is on.",
        f"• Hours *{week.hours}* ({source(chosen.working_hours)}). "
        "`me hours &lt;HH:MM-HH:MM&gt;|default`",
        f"• Days *{format_days(week.days)}* ({source(chosen.working_days)}). "
        "`me days &lt;days such as mon-fri&gt;|default`",
        f"• Public holidays *{escape(week.holidays or 'none')}* ({source(chosen.holidays)}). "
        "`me holidays &lt;country[-subdivision]&gt;|default`",
    ]
    text = "*Your settings*\n" + "\n".join(lines)
    return {"text": "Your settings", "blocks": [_section(text)]}


def channel_settings(
    settings: ChannelSettings, default_timezone: str, default_week: WorkingWeek | None = None
) -> Message:
    """This channel's settings, each with the command that changes it."""
    if settings.digest_enabled:
        timezone = settings.digest_timezone or default_timezone
        at = time.fromisoformat(settings.digest_time)
        digest = (
            f"posts every *{WEEKDAY_NAMES[settings.digest_weekday]}* at *{at:%H:%M}* "
            f"({escape(timezone)})"
        )
    else:
        digest = "is off; `settings digest on` turns it back on"
    nudges = {
        NudgeRoute.DM: "go to owners privately",
        NudgeRoute.CHANNEL: "are posted in the channel",
        NudgeRoute.OFF: "are off (with due-soon reminders and escalations)",
    }[settings.nudges]
    coach_off = [rule for rule in settings.coach_disabled.split(",") if rule]
    lines = [
        f"• Weekly status {digest}. `settings digest &lt;weekday&gt; &lt;HH:MM&gt; [time zone]`",
        f"• Overdue nudges {nudges}. `settings nudges dm|channel|off`",
        "• The weekly status "
        + ("@-mentions owners" if settings.mentions else "shows owners' names without a ping")
        + ". `settings mentions on|off`",
        "• The weekly status and `/milestone status` "
        + (
            "carry the timeline chart in their thread"
            if settings.status_chart
            else "come without a chart"
        )
        + " (`/milestone chart` draws it any time). `settings chart on|off`",
        "• After repeated nudges, "
        + (
            "the channel hears"
            if settings.escalate_to == EscalateTo.CHANNEL
            else "the approver hears"
        )
        + ". `settings escalate channel|approver`",
        "• An owner "
        + ("may not" if settings.separate_approvals else "may")
        + " approve their own milestone. `settings approvals separate|shared`",
        "• The coach "
        + (f"skips {', '.join(coach_off)}" if coach_off else "uses all its rules")
        + ". `settings coach off|on &lt;rule&gt;`",
        "• Nudges posted here and escalations to the channel go out in its working time, "
        f"*{escape(working_week_words(week_of(default_week or WorkingWeek(), settings)))}* "
        f"({escape(settings.digest_timezone or default_timezone)}); a weekly status due on a "
        "day off posts on the next working day. `settings hours|days|holidays …|default`",
        f"• These settings can be changed by {_managers_words(settings, user)}. "
        "`settings managers @someone …|anyone`",
    ]
    text = "*This channel's settings*\n" + "\n".join(lines)
    return {"text": "This channel's settings", "blocks": [_section(text)]}


WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _managers_words(settings: ChannelSettings, person: Callable[[str], str]) -> str:
    managers = [m for m in settings.managers.split(",") if m]
    if not managers:
        return "anyone"
    return ", ".join(person(manager) for manager in managers) + " and workspace admins"


def _setting_values(
    settings: ChannelSettings,
    default_timezone: str,
    person: Callable[[str], str],
    default_week: WorkingWeek | None = None,
) -> dict[str, str]:
    """Each setting in a few words, to show what a change made of it."""
    digest = "off"
    if settings.digest_enabled:
        timezone = escape(settings.digest_timezone or default_timezone)
        digest = f"{WEEKDAY_NAMES[settings.digest_weekday]} {settings.digest_time} ({timezone})"
    coach_off = [rule for rule in settings.coach_disabled.split(",") if rule]
    return {
        "weekly status": digest,
        "overdue nudges": {
            NudgeRoute.DM: "private",
            NudgeRoute.CHANNEL: "in the channel",
            NudgeRoute.OFF: "off",
        }[settings.nudges],
        "mentions in the status": "on" if settings.mentions else "off",
        "chart with the status": "on" if settings.status_chart else "off",
        "after repeated nudges": f"tell the {settings.escalate_to}",
        "approvals": "separate" if settings.separate_approvals else "shared",
        "coach rules turned off": ", ".join(coach_off) or "none",
        "who may change the settings": _managers_words(settings, person),
        "working time": escape(
            working_week_words(week_of(default_week or WorkingWeek(), settings))
        ),
    }


def settings_changed(
    before: ChannelSettings,
    after: ChannelSettings,
    *,
    actor_id: str,
    default_timezone: str,
    person: Callable[[str], str] = user,
    default_week: WorkingWeek | None = None,
) -> Message | None:
    """For the channel: who changed which settings, old value → new; None if none changed.

    `person` shows a user: an @-mention, or a plain name where the channel has mentions off.
    """
    old = _setting_values(before, default_timezone, person, default_week)
    new = _setting_values(after, default_timezone, person, default_week)
    lines = [f"• {name}: {old[name]} → *{new[name]}*" for name in new if old[name] != new[name]]
    if not lines:
        return None
    text = f":gear: {person(actor_id)} changed this channel's settings:\n" + "\n".join(lines)
    return {"text": "This channel's settings changed", "blocks": [_section(text)]}


def approver_changed(milestone: Milestone, *, actor_id: str, old_approver_id: str) -> Message:
    """Under the card: the approver was replaced or removed, by whom."""
    if milestone.approver_id:
        now = f"{user(milestone.approver_id)} approves it now."
    else:
        now = "It has no approver now: marking it complete reaches it."
    text = (
        f":bust_in_silhouette: {user(actor_id)} changed the approver of {_title_line(milestone)}: "
        f"{user(old_approver_id)} no longer approves it. {now}"
    )
    return {"text": f"{milestone.reference}: approver changed", "blocks": [_section(text)]}


def no_longer_approver(milestone: Milestone, *, actor_id: str) -> Message:
    """To the approver who was replaced or removed."""
    successor = (
        f"{user(milestone.approver_id)} approves it now"
        if milestone.approver_id
        else "it has no approver now"
    )
    text = (
        f":bust_in_silhouette: {user(actor_id)} removed you as the approver of "
        f"{_title_line(milestone)} in <#{milestone.channel_id}>: {successor}. "
        "Nothing is waiting for your approval."
    )
    return {"text": f"You no longer approve {milestone.reference}", "blocks": [_section(text)]}


def prerequisite_slipped(dependent: Milestone, prerequisite: Milestone) -> Message:
    text = (
        f":warning: {_title_line(prerequisite)} moved to *{format_date(prerequisite.due_date)}*, "
        f"after {_title_line(dependent)} is due ({format_date(dependent.due_date)}), and "
        f"{dependent.reference} waits on it. {dependent.reference} is at risk: does it need a "
        "new date, or a way around?"
    )
    return {"text": f"{dependent.reference} is at risk", "blocks": [_section(text)]}


def ready_for_next_step(dependent: Milestone, prerequisite: Milestone) -> Message:
    text = (
        f":white_check_mark: {_title_line(prerequisite)} is reached, the last milestone "
        f"{_title_line(dependent)} was waiting on. It is ready for the next step."
    )
    return {"text": f"{dependent.reference} is ready for the next step", "blocks": [_section(text)]}


def coaching(milestone: Milestone, suggestions: list[Suggestion]) -> Message:
    """The coach's private note after a declaration or an edit, with an Edit button."""
    blocks = sections_from_lines("", coaching_text(milestone, suggestions).split("\n"))
    if milestone.is_active:
        blocks.append(
            {
                "type": "actions",
                "elements": [_button("Edit", EDIT, button_value(milestone))],
            }
        )
    return {"text": f"Suggestions for {milestone.reference}", "blocks": blocks}


def coaching_text(milestone: Milestone, suggestions: list[Suggestion]) -> str:
    lines = [f":bulb: A few thoughts on {_title_line(milestone)}:"]
    lines.extend(f"• {advice(suggestion)}" for suggestion in suggestions)
    return "\n".join(lines)


def review(reviewed: list[tuple[Milestone, list[Suggestion]]]) -> Message:
    """`/milestone review`: what the coach would improve in the channel's open milestones."""
    if not reviewed:
        text = "The coach has nothing to suggest: this channel's open milestones look good."
        return notice(text)
    count = f"{len(reviewed)} milestone{'s' if len(reviewed) != 1 else ''}"
    lines = [f"*The coach's review* ({count} to look at)"]
    for milestone, suggestions in reviewed:
        lines.append(f"{_title_line(milestone)}")
        lines.extend(f"  • {advice(suggestion)}" for suggestion in suggestions)
    blocks = _capped(
        sections_from_lines("", lines), "More below: fix these first, then review again."
    )
    return {"text": "The coach's review", "blocks": blocks}


def health_changed(change: Change) -> str:
    milestone = change.milestone
    match change.kind:
        case EventKind.UNBLOCKED:
            return f"{milestone.reference} is no longer marked blocked or at risk."
        case EventKind.BLOCKED:
            words = "blocked"
        case _:
            words = "at risk"
    return f"{milestone.reference} is marked {words}: {escape(change.reason or '')}"


EVENT_WORDS = {
    EventKind.DECLARED: "declared",
    EventKind.EDITED: "edited",
    EventKind.RESCHEDULED: "rescheduled",
    EventKind.BLOCKED: "marked blocked",
    EventKind.AT_RISK: "marked at risk",
    EventKind.UNBLOCKED: "unblocked",
    EventKind.COMPLETION_REQUESTED: "asked for approval",
    EventKind.APPROVED: "approved",
    EventKind.CHANGES_REQUESTED: "asked for changes",
    EventKind.REACHED: "reached",
    EventKind.CANCELLED: "cancelled",
    EventKind.APPROVER_CHANGED: "approver changed",
}


def history(milestone: Milestone, events: list[MilestoneEvent]) -> Message:
    """Who changed what, when and why, oldest first."""
    lines = [f"*History of* {_title_line(milestone)}"]
    if slip(milestone):
        lines.append(f"_{_first_upper(slip(milestone))}_")
    for event in events:
        line = f"• {_local_date(event.at)} · {EVENT_WORDS.get(event.kind, event.kind)}"
        if event.actor_id:
            line += f" by {user(event.actor_id)}"
        match event.kind:
            case EventKind.RESCHEDULED:
                line += f": {format_date(event.old_due_date)} → {format_date(event.new_due_date)}"
            case EventKind.APPROVER_CHANGED:
                line += f": {_approver_or_nobody(event.old_approver_id)} → "
                line += _approver_or_nobody(event.new_approver_id)
            case EventKind.DECLARED if event.new_due_date:
                line += f", due {format_date(event.new_due_date)}"
        if event.reason:
            line += f" ({escape(event.reason)})"
        lines.append(line)
    blocks = _capped(
        sections_from_lines("", lines),
        "The history is too long to show whole: these are its oldest changes.",
    )
    return {"text": f"History of {milestone.reference}", "blocks": blocks}


def _approver_or_nobody(user_id: str | None) -> str:
    return user(user_id) if user_id else "nobody"


def goal_declared(goal: Goal) -> Message:
    facts = [f"Owner {user(goal.owner_id)}" if goal.owner_id else "No owner"]
    if goal.due_date:
        facts.append(f"Due {format_day(goal.due_date)}")
    if goal.requires_approval:
        facts.append("Milestones need an approver")
    text = f":triangular_flag_on_post: New goal *{goal.reference}* · {escape(goal.name)}"
    return {
        "text": f"New goal {goal.reference}: {escape(goal.name)}",
        "blocks": [_section(text), _context(" · ".join(facts))],
    }


def goal_list(
    progress: list[Progress],
    records: Mapping[int, Record] | None = None,
    channel_record: Record | None = None,
) -> Message:
    """The channel's open goals with their progress and, where milestones were reached in the
    last 90 days, how each goal and the channel are doing."""
    if not progress:
        return notice(
            'No open goals in this channel. Declare one with `/milestone goal add "Launch mobile '
            'app" due end of march`, then add milestones to it with `goal G-1`.'
        )
    records = records or {}
    lines = [f"*Goals* ({len(progress)})"] + [
        f"• {goal_progress_line(p, records.get(p.goal.id))}" for p in progress
    ]
    if channel_record and channel_record.reached:
        lines.append(f"In this channel: {record_line(channel_record)}")
    blocks = _capped(
        sections_from_lines("", lines),
        "The list is too long to show whole; `/milestone goal close` retires finished goals.",
    )
    return {"text": "Goals", "blocks": blocks}


def personal_digest_setting(weekday: int | None, at: time | None, timezone: str) -> Message:
    if weekday is None or at is None:
        return notice("Your personal digest is off. `/milestone me digest monday 09:00` starts it.")
    return notice(
        f":wave: Every *{WEEKDAY_NAMES[weekday]}* at *{at.strftime('%H:%M')}* ({timezone}, "
        "your Slack time zone) I'll send you your week by DM: what you answer for that is "
        "overdue or due in the next 7 days, and what waits for your approval, from every "
        "channel. `/milestone me digest off` stops it."
    )


def away_noted(absence: Absence) -> Message:
    if absence.first_day == absence.last_day:
        when = f"on {format_day(absence.first_day)}"
    else:
        when = f"from {format_day(absence.first_day)} to {format_day(absence.last_day)}"
    return notice(
        f":palm_tree: Noted: you are away {when}. No reminders about your milestones then; "
        "`/milestone away off` when you are back early."
    )


def calendar_link(url: str, *, made_by: str, made_at: datetime, reset: bool) -> Message:
    """The channel's calendar feed, told privately: whoever has the URL can read it."""
    first = "A new calendar feed for this channel" if reset else "This channel's calendar feed"
    text = (
        f":calendar: {first}: <{url}|{escape(url)}>\n"
        "Subscribe to it in Google Calendar (Other calendars → From URL), Outlook or Apple "
        "Calendar: each milestone is an all-day event on its due date, and moves when it moves. "
        "Whoever has this link can read the milestones' titles and owners: share it only with "
        "this channel. `/milestone calendar reset` ends it and makes a new one."
    )
    if not reset:
        text += f"\n_Made by {user(made_by)} on {format_date(made_at.date())}._"
    return notice(text)


def share_link(url: str, *, label: str, is_new: bool) -> Message:
    """A page's link, told privately."""
    opening = "A read-only page of" if is_new else "The page already shared of"
    return notice(
        f":link: {opening} {escape(label)}: <{url}|{escape(url)}>\n"
        "Anyone with the link sees its milestones, health, owners' names, the timeline and "
        "what changed this week, without signing in to Slack; nothing of other channels. "
        "`/milestone share revoke` ends it."
    )


def share_revoked(label: str) -> Message:
    return notice(
        f"The page of {escape(label)} is revoked: its link now shows nothing. "
        "`/milestone share` makes a new one."
    )


def share_list(shared: Iterable[tuple[str, str, str, datetime]]) -> Message:
    """The channel's shared pages: (label, url, who shared it, when)."""
    lines = [
        f"• {escape(label)}: <{url}|{escape(url)}>, by {user(by)} on {format_date(at.date())}"
        for label, url, by, at in shared
    ]
    if not lines:
        return notice("No page of this channel is shared. `/milestone share` makes one.")
    blocks = _capped(
        sections_from_lines("*Pages shared from this channel*", lines),
        "More pages are shared than fit here.",
    )
    return {"text": "Pages shared from this channel", "blocks": blocks}


def source_line(milestone: Milestone) -> str | None:
    """ "Made from a message" linking the message the milestone came from, or None."""
    if not milestone.source_permalink:
        return None
    return f":speech_balloon: Made from <{milestone.source_permalink}|a message>"
