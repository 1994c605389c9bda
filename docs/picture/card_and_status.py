"""Make docs/card-and-status.png: a milestone's card and a weekly status, as Slack shows them.

The messages are the bot's own Block Kit output (its card and weekly status builders, on
milestones made here in memory); this script renders them to a page that mimics Slack's and
takes a screenshot with Playwright (a test dependency). A dev tool, not run by the tests:

    .venv/bin/python docs/picture/card_and_status.py [--html out.html]

Playwright drives an installed Chromium (CHROMIUM, default /usr/bin/chromium: on Debian,
`apt-get install chromium fonts-noto-color-emoji fonts-lato`), not a browser it downloads.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from snapshot import CHANNEL, TEAM, example_milestone, make_picture, screenshot

from bot.domain import health
from bot.domain.goals import Progress
from bot.domain.health import Detail
from bot.domain.status_report import channel_status
from bot.render import blocks
from bot.store.models import Goal, Health, Milestone, Status

HERE = Path(__file__).resolve().parent
PICTURE = HERE.parent / "card-and-status.png"

PEOPLE = {"U0ALEX": "alex", "U0SAM": "sam", "U0KIM": "kim", "U0LEE": "lee"}
MONDAY = date(2026, 12, 7)
DECLARED = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def milestone(number: int, title: str, owner: str, due: date, **fields) -> Milestone:
    return example_milestone(
        number,
        title,
        owner,
        due,
        declared=DECLARED,
        **fields,
    )


def example() -> tuple[dict, list[dict]]:
    """The card of M-12 and the channel's weekly status for the week of Mon 7 Dec 2026."""
    goal = Goal(
        id=3,
        team_id=TEAM,
        channel_id=CHANNEL,
        name="Launch mobile app",
        owner_id="U0KIM",
        creator_id="U0KIM",
        due_date=date(2027, 3, 31),
        created_at=DECLARED,
    )
    beta = milestone(
        12,
        "Beta version completed",
        "U0ALEX",
        date(2026, 12, 11),
        approver_id="U0SAM",
        goal_id=3,
        definition_of_done="Signed build on TestFlight, crash-free for 48 hours with 50 testers",
        first_due_date=date(2026, 12, 4),
        times_moved=1,
    )
    prototype = milestone(
        9,
        "Prototype completed",
        "U0KIM",
        date(2026, 12, 3),
        goal_id=3,
        status=Status.REACHED,
        reached_at=datetime(2026, 12, 2, 15, 0, tzinfo=UTC),
    )
    vendor = milestone(10, "Vendor contract signed", "U0LEE", date(2026, 12, 4), goal_id=3)
    privacy = milestone(
        11,
        "Privacy review passed",
        "U0KIM",
        date(2026, 12, 8),
        approver_id="U0SAM",
        goal_id=3,
        status=Status.AWAITING_APPROVAL,
    )
    store = milestone(
        14,
        "Store listing approved",
        "U0KIM",
        date(2026, 12, 14),
        goal_id=3,
        marked_health=Health.AT_RISK,
        health_reason="Apple's review takes a week",
    )
    office = milestone(
        16,
        "New office network live",
        "U0LEE",
        date(2026, 12, 10),
        marked_health=Health.BLOCKED,
        health_reason="waiting for the landlord's electrician",
    )
    waits_on = {14: [vendor]}
    details = {
        m.id: Detail(
            health=health.assess(m, today=MONDAY, open_prerequisites=waits_on.get(m.id, [])),
            goal=goal if m.goal_id == goal.id else None,
            waits_on=tuple(waits_on.get(m.id, [])),
        )
        for m in (vendor, privacy, beta, store, office)
    }
    status = channel_status(
        [prototype, vendor, privacy, beta, store, office],
        team_id=TEAM,
        channel_id=CHANNEL,
        today=MONDAY,
        zone=ZoneInfo("Europe/Paris"),
        reached_since=datetime(2026, 11, 30, 8, 0, tzinfo=UTC),
        details=details,
        progress=[Progress(goal, 2, 5, beta, times_moved=3, slip_days=9)],
    )
    return blocks.announcement(beta, details[12]), blocks.weekly_status(status)


# ---------------------------------------------------------------- Slack's look, roughly

EMOJI = {
    "dart": "🎯",
    "large_blue_circle": "🔵",
    "large_green_circle": "🟢",
    "large_yellow_circle": "🟡",
    "red_circle": "🔴",
    "no_entry": "⛔",
    "white_check_mark": "✅",
    "rotating_light": "🚨",
    "hourglass_flowing_sand": "⏳",
    "spiral_calendar_pad": "🗓️",
    "warning": "⚠️",
    "bar_chart": "📊",
    "heavy_minus_sign": "➖",
    "tada": "🎉",
}


def mrkdwn(text: str) -> str:
    """Slack's mrkdwn (as the bot writes it, already escaped) to HTML."""
    text = re.sub(r"<@(U\w+)>", lambda m: f"\0at{PEOPLE.get(m.group(1), m.group(1))}\0", text)
    text = re.sub(r"<!date\^\d+\^[^|>]*\|([^>]*)>", r"\1", text)
    # The bot escapes &, < and > as Slack asks; unescape, then escape again for HTML.
    text = html.escape(html.unescape(text), quote=False)
    text = re.sub(r"\0at(\w+)\0", r'<span class="mention">@\1</span>', text)
    text = re.sub(r":([a-z_]+):", lambda m: EMOJI.get(m.group(1), m.group(0)), text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"<b>\1</b>", text)
    text = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"<i>\1</i>", text)
    text = re.sub(r"`([^`\n]+)`", r"<code>\1</code>", text)
    return text.replace("\n", "<br>")


def block_html(block: dict) -> str:
    kind = block["type"]
    if kind == "section":
        return f'<div class="section">{mrkdwn(block["text"]["text"])}</div>'
    if kind == "context":
        parts = " ".join(mrkdwn(element["text"]) for element in block["elements"])
        return f'<div class="context">{parts}</div>'
    if kind == "actions":
        buttons = "".join(
            f'<span class="button {element.get("style", "")}">'
            f"{html.escape(element['text']['text'])}</span>"
            for element in block["elements"]
        )
        return f'<div class="actions">{buttons}</div>'
    if kind == "divider":
        return "<hr>"
    raise ValueError(f"no look for a {kind} block")


def message_html(message: dict, time: str) -> str:
    body = "".join(block_html(block) for block in message["blocks"])
    return f"""
    <div class="message">
      <div class="avatar">🎯</div>
      <div class="content">
        <div class="from"><b>Milestones</b> <span class="app">APP</span>
          <span class="time">{time}</span></div>
        {body}
      </div>
    </div>"""


STYLE = """
body { margin: 0; background: #fff; font: 15px/1.46 Lato, "Liberation Sans", sans-serif;
       color: #1d1c1d; }
.channel { width: 860px; padding: 8px 0 16px; }
.header { padding: 10px 20px; border-bottom: 1px solid #ddd; font-weight: 900; font-size: 18px; }
.day { text-align: center; margin: 14px 0 2px; font-size: 13px; font-weight: 700; }
.day span { border: 1px solid #ddd; border-radius: 12px; padding: 3px 14px; }
.message { display: flex; padding: 8px 20px; }
.avatar { width: 36px; height: 36px; border-radius: 6px; background: #2e5e4e; color: #fff;
          font-size: 20px; text-align: center; line-height: 36px; flex: none; margin-right: 8px; }
.content { flex: 1; }
.from .app { background: #e8e8e8; color: #616061; font-size: 10px; font-weight: 700;
             padding: 1px 3px; border-radius: 2px; }
.from .time { color: #616061; font-size: 12px; margin-left: 4px; }
.section { margin: 4px 0; }
.context { color: #616061; font-size: 13px; margin: 4px 0; }
.mention { color: #1264a3; background: #e8f5fa; border-radius: 3px; padding: 0 2px; }
.actions { margin: 8px 0 4px; }
.button { display: inline-block; border: 1px solid #bbb; border-radius: 4px; padding: 3px 12px;
          margin-right: 8px; font-weight: 700; font-size: 14px; }
.button.primary { background: #007a5a; border-color: #007a5a; color: #fff; }
code { font: 12px monospace; background: #f6f6f6; border: 1px solid #ddd; border-radius: 3px;
       padding: 1px 3px; color: #e01e5a; }
"""


def page(card: dict, status: list[dict]) -> str:
    messages = message_html(card, "Fri 4:12 PM")
    messages += '<div class="day"><span>Monday, December 7th</span></div>'
    messages += "".join(message_html(part, "9:00 AM") for part in status)
    return f"""<!doctype html><html><head><meta charset="utf-8"><style>{STYLE}</style></head>
    <body><div class="channel"><div class="header"># mobile-launch</div>{messages}</div>
    </body></html>"""


def main() -> None:
    make_picture(
        __doc__.splitlines()[0],
        PICTURE,
        lambda: page(*example()),
        lambda document, path: screenshot(
            document, path, width=860, height=400, scale=2, selector=".channel"
        ),
    )


if __name__ == "__main__":
    main()
