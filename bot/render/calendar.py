"""A channel's calendar feed as iCalendar (RFC 5545), built with the icalendar library: one
all-day event per milestone on its due date. Pure: from what the domain read, to bytes."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from datetime import timedelta
from urllib.parse import urlencode

from icalendar import Calendar, Event

from bot.domain.public_view import Entry
from bot.render.text import SOMEONE, readable
from bot.store.models import Milestone, Status

PRODUCT = "-//milestone-bot//Milestones//EN"
# How often calendar programs are asked to fetch the feed again.
REFRESH = timedelta(hours=1)


def card_link(milestone: Milestone) -> str | None:
    """A link that opens the milestone's card in the Slack app (slack://, with the message's
    ts): no API call, and it works for everyone in the channel; None before the card is posted."""
    if not milestone.announcement_ts:
        return None
    query = {"team": milestone.team_id, "id": milestone.channel_id}
    return f"slack://channel?{urlencode(query)}&message={milestone.announcement_ts}"


def _line(text: str) -> str:
    """One line of plain text: whitespace runs (line breaks too) as one space, and no control
    characters, which RFC 5545 does not allow in text."""
    return " ".join(
        "".join(c for c in text if unicodedata.category(c) != "Cc" or c.isspace()).split()
    )


def _summary(milestone: Milestone, names: Mapping[str, str | None]) -> str:
    title = _line(readable(milestone.title, dict(names)))
    marks = {Status.REACHED: "✓ ", Status.CANCELLED: "✗ "}
    return f"{marks.get(milestone.status, '')}{milestone.reference} · {title}"


def _state(entry: Entry) -> str:
    milestone = entry.milestone
    if milestone.status == Status.REACHED:
        return "reached"
    if milestone.status == Status.CANCELLED:
        return "cancelled"
    health = entry.detail.health.words if entry.detail.health else "open"
    if milestone.status == Status.AWAITING_APPROVAL:
        return f"waiting for approval, {health}"
    return health


def _description(entry: Entry, names: Mapping[str, str | None]) -> str:
    milestone = entry.milestone
    owner = (names.get(milestone.owner_id) or SOMEONE) if milestone.owner_id else "nobody yet"
    lines = [f"Owner: {owner}", f"Health: {_state(entry)}"]
    if milestone.times_moved and milestone.first_due_date:
        lines.append(
            f"First due {milestone.first_due_date.isoformat()}, moved {milestone.times_moved}×"
        )
    if milestone.definition_of_done:
        lines.append("Done when: " + _line(readable(milestone.definition_of_done, dict(names))))
    link = card_link(milestone)
    if link:
        lines.append(f"Card in Slack: {link}")
    return "\n".join(lines)


def calendar_feed(
    entries: Sequence[Entry], names: Mapping[str, str | None], *, name: str, host: str
) -> bytes:
    """The feed: an all-day event per milestone on its due date, its UID stable
    (milestone-<id>@`host`), its SEQUENCE the milestone's revision and LAST-MODIFIED (and
    DTSTAMP) its last change, so calendars move it when it moves; cancelled ones are there
    with STATUS:CANCELLED, so calendars take them off."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    for entry in entries:
        milestone = entry.milestone
        if milestone.due_date is None:
            continue
        event = Event()
        event.add("uid", f"milestone-{milestone.id}@{host}")
        event.add("dtstamp", entry.last_modified)
        event.add("last-modified", entry.last_modified)
        event.add("created", milestone.created_at)
        event.add("sequence", milestone.revision - 1)
        event.add("dtstart", milestone.due_date)
        event.add("dtend", milestone.due_date + timedelta(days=1))
        event.add("summary", _summary(milestone, names))
        event.add("description", _description(entry, names))
        event.add("status", "CANCELLED" if milestone.status == Status.CANCELLED else "CONFIRMED")
        event.add("transp", "TRANSPARENT")
        link = card_link(milestone)
        if link:
            event.add("url", link)
        calendar.add_component(event)
    return calendar.to_ical()
