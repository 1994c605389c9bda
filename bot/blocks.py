"""Block Kit builders: pure functions from milestones to Slack messages and views.

Every piece of user-written text goes through `escape` before it enters a message, and
Slack's limits (50 blocks a message, 3,000 characters a section) are enforced here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.milestones import format_day
from bot.models import Milestone, Status
from bot.status import ChannelStatus
from bot.text import escape

# Action and view ids, in one place.
COMPLETE = "milestone_complete"
APPROVE = "milestone_approve"
REQUEST_CHANGES = "milestone_request_changes"
RESCHEDULE = "milestone_reschedule"
RESCHEDULE_VIEW = "milestone_reschedule_view"
CHANGES_VIEW = "milestone_changes_view"
DATE_BLOCK, DATE_ACTION = "due_date", "due_date_input"
REASON_BLOCK, REASON_ACTION = "reason", "reason_input"

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_MODAL_TITLE = 24

Message = dict  # {"text": ..., "blocks": [...]}


def format_date(day: date | None) -> str:
    return format_day(day) if day else "no due date"


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def due(milestone: Milestone) -> str:
    """ "due Tue 15 Dec 2026", or "no due date"."""
    return f"due {format_day(milestone.due_date)}" if milestone.due_date else "no due date"


def user(user_id: str) -> str:
    return f"<@{user_id}>"


def button_value(milestone: Milestone) -> str:
    return f"{milestone.id}:{milestone.revision}"


def parse_button_value(value: str) -> tuple[int, int]:
    milestone_id, revision = value.split(":")
    return int(milestone_id), int(revision)


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:MAX_SECTION_TEXT]}}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict:
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def _title_line(milestone: Milestone) -> str:
    return f"*{milestone.reference}* · {escape(milestone.title)}"


def _facts(milestone: Milestone) -> str:
    facts = [f"Owner {user(milestone.owner_id)}", _first_upper(due(milestone))]
    if milestone.approver_id:
        facts.append(f"Approver {user(milestone.approver_id)}")
    return " · ".join(facts)


def _state_line(milestone: Milestone) -> str:
    if milestone.status == Status.REACHED:
        when = f" on {_local_date(milestone.reached_at)}" if milestone.reached_at else ""
        return f":white_check_mark: Reached{when}"
    if milestone.status == Status.AWAITING_APPROVAL:
        return f":hourglass_flowing_sand: Waiting for {user(milestone.approver_id)}'s approval"
    if milestone.status == Status.CANCELLED:
        return ":heavy_minus_sign: Cancelled"
    return ":large_blue_circle: Open"


def announcement(milestone: Milestone) -> Message:
    """The milestone's card in the channel, kept up to date in place."""
    blocks = [
        _section(f":dart: {_title_line(milestone)}"),
        _context(_facts(milestone)),
        _context(_state_line(milestone)),
    ]
    if milestone.status == Status.OPEN:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    _button("Mark complete", COMPLETE, button_value(milestone), "primary"),
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
        f"Well done, {user(milestone.owner_id)}."
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
        f"{user(milestone.owner_id)} says {_title_line(milestone)} is reached and asks for "
        f"your approval.\n{_facts(milestone)} · in <#{milestone.channel_id}>"
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
        f">{escape(reason)}\nIt is open again; mark it complete when it is ready."
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


def overdue_nudge(milestone: Milestone, *, days_overdue: int) -> Message:
    text = (
        f":alarm_clock: {_title_line(milestone)} was due {format_date(milestone.due_date)}: "
        f"*{_days(days_overdue)} overdue*.\nIf it is reached, mark it complete; if the plan "
        "changed, give it an honest new date."
    )
    return _reminder(milestone, text, f"{milestone.reference} is {_days(days_overdue)} overdue")


def due_soon_reminder(milestone: Milestone) -> Message:
    text = (
        f":spiral_calendar_pad: {_title_line(milestone)} is due "
        f"*{format_date(milestone.due_date)}*"
        + (", the next working day." if milestone.due_date.weekday() < 5 else ".")
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


def escalation(milestone: Milestone, *, days_overdue: int, nudges: int) -> Message:
    text = (
        f":warning: {_title_line(milestone)} is {_days(days_overdue)} overdue and its owner, "
        f"{user(milestone.owner_id)}, has been reminded {nudges} times. "
        "Does it need help, or a new date?"
    )
    return {"text": f"{milestone.reference} is overdue", "blocks": [_section(text)]}


def _local_date(moment: datetime) -> str:
    """A date Slack shows in each reader's own time zone, with a UTC fallback."""
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}}|{format_date(moment.date())}>"


def _status_item(milestone: Milestone, today: date, zone: ZoneInfo) -> str:
    line = f"• {_title_line(milestone)} — {user(milestone.owner_id)}, {due(milestone)}"
    if milestone.status == Status.OPEN and milestone.due_date and milestone.due_date < today:
        line += f" (*{_days((today - milestone.due_date).days)} late*)"
    if milestone.status == Status.REACHED and milestone.reached_at:
        line += f", reached {format_date(milestone.reached_at.astimezone(zone).date())}"
    return line


def weekly_status(status: ChannelStatus) -> list[Message]:
    """The channel's status as one or more messages: nothing is dropped to fit the limits."""
    title = f":bar_chart: *Milestone status for the week of {format_date(status.today)}*"
    if status.is_empty:
        line = f"{title}\nA quiet week: nothing reached, due, overdue or waiting for approval."
        return [{"text": "Weekly milestone status", "blocks": [_section(line)]}]
    blocks: list[dict] = [_section(title)]
    sections = [
        (":white_check_mark: Reached in the last 7 days", status.reached),
        (":rotating_light: Overdue", status.overdue),
        (":hourglass_flowing_sand: Waiting for approval", status.awaiting_approval),
        (":spiral_calendar_pad: Due in the next 7 days", status.due_soon),
    ]
    for heading, milestones in sections:
        if milestones:
            lines = [_status_item(m, status.today, status.zone) for m in milestones]
            blocks.extend(sections_from_lines(f"*{heading}* ({len(milestones)})", lines))
    return [
        {"text": "Weekly milestone status", "blocks": chunk}
        for chunk in chunk_blocks(blocks, MAX_BLOCKS)
    ]


def sections_from_lines(heading: str, lines: Iterable[str]) -> list[dict]:
    """Pack lines into as few sections as fit 3,000 characters each, never splitting a line."""
    sections, current = [], heading
    for line in lines:
        line = line[:MAX_SECTION_TEXT]
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


def milestone_list(milestones: list[Milestone], *, scope: str, today: date) -> Message:
    names = {
        "open": "Open milestones",
        "mine": "Your open milestones",
        "overdue": "Overdue milestones",
        "done": "Reached milestones",
        "all": "All milestones",
    }
    if not milestones:
        empty = {
            "open": "No open milestones in this channel. Declare one with `/milestone add`.",
            "mine": "You own no open milestones in this channel.",
            "overdue": "Nothing is overdue in this channel.",
            "done": "No milestone has been reached in this channel yet.",
            "all": "No milestones in this channel yet. Declare one with `/milestone add`.",
        }[scope]
        return {"text": empty, "blocks": [_section(empty)]}
    lines = [_list_item(m, today) for m in milestones]
    blocks = sections_from_lines(f"*{names[scope]}* ({len(milestones)})", lines)
    if len(blocks) > MAX_BLOCKS:
        blocks = blocks[: MAX_BLOCKS - 1] + [
            _context("The list is too long to show whole; try `/milestone list overdue` or `mine`.")
        ]
    return {"text": names[scope], "blocks": blocks}


def _list_item(milestone: Milestone, today: date) -> str:
    state = {
        Status.REACHED: "reached",
        Status.AWAITING_APPROVAL: "waiting for approval",
        Status.OPEN: "open",
    }[milestone.status]
    if milestone.status == Status.OPEN and milestone.due_date and milestone.due_date < today:
        state = f"{_days((today - milestone.due_date).days)} overdue"
    return f"• {_title_line(milestone)} — {user(milestone.owner_id)}, {due(milestone)}, {state}"


def notice(text: str) -> Message:
    """A short private answer; `text` is the bot's own words (user text already escaped)."""
    return {"text": text, "blocks": [_section(text)]}


HELP = """*Milestones* mark the checkpoints that show real progress toward a goal: specific, \
verifiable, dated, with an owner.

`/milestone add "Beta version completed" due next friday owner @alex approver @sam`
    Declare a milestone. Quote the title when it holds `due`, `owner` or `approver`. \
Dates: 2026-12-15, fri, next friday, in 2 weeks, Dec 15, end of month. \
The owner defaults to you; with an approver, completion waits for their approval.
`/milestone list` · `list mine` · `list overdue` · `list done` · `list all`
    This channel's milestones by due date.
`/milestone done M-3`
    Mark your milestone complete (the same as its *Mark complete* button).
`/milestone due M-3 next friday because the vendor is late`
    Reschedule: the channel sees the old date, the new one and why.
`/milestone cancel M-3 because the scope changed`
    Cancel your milestone; it stays in the history.
`/milestone status`
    Post this channel's status now.
`/milestone settings digest monday 09:00 Europe/Paris` · `settings digest off`
    When this channel's weekly status posts."""


def help_message(problem: str | None = None) -> Message:
    blocks = []
    if problem:
        blocks.append(_section(f":thinking_face: {problem}"))
    blocks.append(_section(HELP))
    return {"text": problem or "How to use /milestone", "blocks": blocks}


def _modal(callback_id: str, title: str, submit: str, metadata: dict, blocks: list) -> dict:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": {"type": "plain_text", "text": title[:MAX_MODAL_TITLE]},
        "submit": {"type": "plain_text", "text": submit},
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


def changes_modal(milestone: Milestone, *, message_channel: str, message_ts: str) -> dict:
    return _modal(
        CHANGES_VIEW,
        "Request changes",
        "Send",
        {
            "milestone_id": milestone.id,
            "revision": milestone.revision,
            "channel": message_channel,
            "ts": message_ts,
        },
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


def digest_settings(*, enabled: bool, weekday: int, at: time, timezone: str) -> Message:
    if not enabled:
        text = (
            "This channel's weekly status is off. Turn it back on with "
            "`/milestone settings digest on`."
        )
    else:
        text = (
            f"This channel's weekly status posts every *{WEEKDAY_NAMES[weekday]}* at "
            f"*{at:%H:%M}* ({escape(timezone)}). Change it with "
            "`/milestone settings digest <weekday> <HH:MM> [time zone]`."
        )
    return notice(text)


WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
