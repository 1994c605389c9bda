"""Helpers for tests of the scheduled sweeps: instants, a nudge or weekly status sweep run, the
messages it sent."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.delivery.nudges import run_nudge_sweep
from bot.delivery.status_sweep import run_digest_sweep
from tests.support.harness import CHANNEL


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in December 2026, UTC."""
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def nudge_sweep(bot, now: datetime, *, set_clock: bool = False) -> int:
    """Run the nudge sweep at `now` (and move the bot's clock there too if asked);
    how many messages it sent, once the work after them is done."""
    if set_clock:
        bot.clock.set(now)
    sent = run_nudge_sweep(bot.runtime, now=now).sent
    bot.settle()
    return sent


def direct_messages(slack, user: str) -> list:
    """Messages posted in the DM channels opened with `user`, in order."""
    channels = {
        call.response["channel"]["id"]
        for call in slack.calls_to("conversations.open")
        if call.params["users"] == user
    }
    return [c for c in slack.calls_to("chat.postMessage") if c.params["channel"] in channels]


def channel_posts(slack, text: str, channel: str = CHANNEL) -> list:
    """Messages posted in `channel` whose notification text holds `text`."""
    return [
        call
        for call in slack.calls_to("chat.postMessage")
        if call.params["channel"] == channel and text in call.params["text"]
    ]


# The first weekly status after START (Thursday 26 November 2026): Monday 30 November, 09:00 UTC.
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
STATUS_TEXT = "Weekly milestone status"


def statuses(slack, channel: str = CHANNEL) -> list:
    """The weekly status messages posted in `channel`, in order."""
    return [
        call
        for call in slack.calls_to("chat.postMessage")
        if call.params["channel"] == channel and call.params["text"] == STATUS_TEXT
    ]


def sweep(bot, now: datetime) -> int:
    sent = run_digest_sweep(bot.runtime, now=now).sent
    bot.settle()
    return sent
