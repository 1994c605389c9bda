"""The App Home's Block Kit view: a pure function from a Dashboard to a "home" view.

Each section shows at most a few items and says how many more there are, so the whole view
stays within Slack's 100 blocks for a Home tab however much someone has on their plate.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.domain.dashboard import Dashboard
from bot.domain.dates import format_day
from bot.domain.goals import Progress
from bot.domain.health import Detail
from bot.render import blocks
from bot.render.blocks import (
    _button,
    _context,
    _first_upper,
    _section,
    _title_line,
    button_value,
    due,
    goal_progress_line,
    health_words,
    owner,
    sections_from_lines,
    slip,
    user,
)
from bot.render.text import escape, shorten
from bot.store.models import Milestone, Status

MAX_HOME_BLOCKS = 100
# Five milestone sections of at most (divider, heading, 2 blocks an item, "more") blocks,
# the goals (divider, one section a goal at worst, "more"), the top (header, summary, notice):
# 5 * (3 + 2 * 7) + (1 + 8 + 1) + 3 = 98.
MILESTONES_SHOWN = 7
GOALS_SHOWN = 8
# Channels named in an "and N more" line.
CHANNELS_NAMED = 5
# Characters of a definition of done shown with an approval request, escaped.
DEFINITION_SHOWN = 200

NO_DETAIL = Detail()


def home_view(dashboard: Dashboard, *, notice: str | None = None) -> dict:
    """The Home tab; `notice` is the bot's own words for the top (user text already escaped)."""
    top = [
        {"type": "header", "text": {"type": "plain_text", "text": "Your milestones"}},
        _context(f"{_summary(dashboard)} · updated {_moment(dashboard.updated_at)}"),
    ]
    if notice:
        top.append(_section(f":warning: {notice}"))
    if dashboard.is_empty:
        return _home(
            top
            + [
                _section(
                    "Nothing needs you right now. Milestones you own, approvals you are asked "
                    "for and goals you own show up here. Declare a milestone in a channel with "
                    "`/milestone add`."
                )
            ]
        )
    details = dashboard.details
    body = _milestones(
        ":inbox_tray: Waiting for your approval",
        dashboard.waiting_for_my_approval,
        lambda m: _approval_item(m, details.get(m.id, NO_DETAIL)),
        "Each request is also in your messages with me.",
    )
    mine = [
        (":rotating_light: Overdue", dashboard.overdue),
        (":spiral_calendar_pad: Due in the next 7 days", dashboard.due_this_week),
        (":large_blue_circle: Later", dashboard.later),
        (":hourglass_flowing_sand: Sent for approval", dashboard.sent_for_approval),
    ]
    for title, found in mine:
        body += _milestones(
            title,
            found,
            lambda m: _my_item(m, details.get(m.id, NO_DETAIL)),
            "`/milestone list mine` there shows all of yours.",
        )
    return _home(top + body + _goals(dashboard.goals))


def _home(view_blocks: list[dict]) -> dict:
    return {"type": "home", "blocks": view_blocks}


def _summary(dashboard: Dashboard) -> str:
    counts = [
        (len(dashboard.mine), "open milestone", "open milestones", "of yours"),
        (len(dashboard.overdue), "overdue", "overdue", ""),
        (len(dashboard.due_this_week), "due this week", "due this week", ""),
        (
            len(dashboard.waiting_for_my_approval),
            "waiting for your approval",
            "waiting for your approval",
            "",
        ),
    ]
    parts = [
        " ".join(filter(None, [str(count), one if count == 1 else many, tail]))
        for count, one, many, tail in counts
        if count
    ]
    return " · ".join(parts) if parts else "All clear"


def _moment(moment: datetime) -> str:
    """A time Slack shows in each reader's own time zone, with a UTC fallback."""
    fallback = f"{format_day(moment.date())} {moment:%H:%M} UTC"
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def _milestones(
    heading: str,
    milestones: list[Milestone],
    item: Callable[[Milestone], list[dict]],
    hint: str,
) -> list[dict]:
    if not milestones:
        return []
    section = [{"type": "divider"}, _section(f"*{heading}* ({len(milestones)})")]
    for milestone in milestones[:MILESTONES_SHOWN]:
        section.extend(item(milestone))
    hidden = milestones[MILESTONES_SHOWN:]
    if hidden:
        section.append(_more(len(hidden), [m.channel_id for m in hidden], hint))
    return section


def _more(count: int, channel_ids: list[str], hint: str) -> dict:
    channels = list(dict.fromkeys(channel_ids))
    named = ", ".join(f"<#{channel}>" for channel in channels[:CHANNELS_NAMED])
    if len(channels) > CHANNELS_NAMED:
        named += f" and {len(channels) - CHANNELS_NAMED} other channels"
    return _context(f"…and {count} more, in {named}. {hint}")


def _place(milestone: Milestone, detail: Detail) -> list[str]:
    facts = [f"<#{milestone.channel_id}>"]
    if detail.goal:
        facts.append(f"{detail.goal.reference} {escape(detail.goal.name)}")
    if detail.waits_on:
        facts.append("waits on " + ", ".join(m.reference for m in detail.waits_on))
    return facts


def _my_item(milestone: Milestone, detail: Detail) -> list[dict]:
    facts = [_first_upper(due(milestone))]
    if milestone.approver_id and milestone.status == Status.AWAITING_APPROVAL:
        facts.append(f"waiting for {user(milestone.approver_id)}'s approval")
    elif detail.health:
        facts.append(health_words(detail.health))
    facts += _place(milestone, detail)
    if slip(milestone):
        facts.append(slip(milestone))
    item = [_section(f"{_title_line(milestone)}\n{' · '.join(facts)}")]
    if milestone.status == Status.OPEN:
        value = button_value(milestone)
        item.append(
            _actions(
                _button("Mark complete", blocks.COMPLETE, value, "primary"),
                _button("Reschedule", blocks.RESCHEDULE, value),
            )
        )
    return item


def _approval_item(milestone: Milestone, detail: Detail) -> list[dict]:
    facts = [
        f"{owner(milestone)} says it is reached",
        _first_upper(due(milestone)),
        *_place(milestone, detail),
    ]
    if milestone.definition_of_done:
        done_when = shorten(escape(milestone.definition_of_done), DEFINITION_SHOWN)
        facts.append(f"done when: {done_when}")
    value = button_value(milestone)
    return [
        _section(f"{_title_line(milestone)}\n{' · '.join(facts)}"),
        _actions(
            _button("Approve", blocks.APPROVE, value, "primary"),
            _button("Request changes", blocks.REQUEST_CHANGES, value),
        ),
    ]


def _goals(goals: list[Progress]) -> list[dict]:
    if not goals:
        return []
    lines = [f"• {goal_progress_line(p)} · <#{p.goal.channel_id}>" for p in goals]
    section = [{"type": "divider"}]
    section += sections_from_lines(
        f"*:triangular_flag_on_post: Your goals* ({len(goals)})", lines[:GOALS_SHOWN]
    )
    hidden = goals[GOALS_SHOWN:]
    if hidden:
        section.append(
            _more(
                len(hidden),
                [p.goal.channel_id for p in hidden],
                "`/milestone goal list` there shows them.",
            )
        )
    return section


def _actions(*elements: dict) -> dict:
    return {"type": "actions", "elements": list(elements)}
