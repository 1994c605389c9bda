"""What a test reads back from the bot: the text of a posted message, its buttons, the private
answer to a command, and a milestone's history as kinds of events."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlmodel import select

from bot.store.db import session_scope
from bot.store.models import MilestoneEvent


def message_text(call) -> str:
    """Everything a person reads in a posted message: its section and context texts."""
    parts = []
    for block in call.params["blocks"]:
        if block["type"] == "section":
            parts.append(block["text"]["text"])
        elif block["type"] == "context":
            parts.extend(element["text"] for element in block["elements"])
    return "\n".join(parts)


def answer(response) -> str:
    """The private answer to a slash command, all its sections."""
    assert response.status_code == 200, response.text
    return "\n".join(block["text"]["text"] for block in response.json()["blocks"])


def buttons(call) -> list[dict]:
    return [
        element
        for block in call.params["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def history(bot, milestone_id: int) -> list[str]:
    with session_scope(bot.engine) as session:
        events = session.exec(
            select(MilestoneEvent)
            .where(MilestoneEvent.milestone_id == milestone_id)
            .order_by(MilestoneEvent.id)
        ).all()
    return [event.kind for event in events]


# A section inside a status's group: ":rotating_light: Overdue (2)".
SECTION = re.compile(r"^(:\w+: [^*]+) \(\d+\)$")


def section_texts(call) -> list[str]:
    return [block["text"]["text"] for block in call.params["blocks"] if block["type"] == "section"]


def items_by_heading(calls) -> dict[str, list[str]]:
    """{section: [item line, ...]} across one status and all its goals' groups, however many
    messages it took."""
    return items_in(text for call in calls for text in section_texts(call))


def items_in(texts: Iterable[str]) -> dict[str, list[str]]:
    """{section: [item line, ...]} in these section texts, in order."""
    items: dict[str, list[str]] = {}
    heading = None
    for text in texts:
        for line in text.split("\n"):
            if line.startswith("• "):
                items[heading].append(line)
            elif match := SECTION.match(line):
                heading = match.group(1)
                items.setdefault(heading, [])
    return items
