"""Sending one claimed delivery, and what a sweep reports of its deliveries.

Every outcome is recorded on the claim: sent; failed for now (a later sweep tries again);
or dropped for good. A channel the bot can no longer post in is paused, and a deactivated
person gets no more DMs, so later sweeps do not knock on the same closed door.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine

from bot import channels, people
from bot.claims import mark_dropped, mark_failed, mark_sent, release
from bot.db import session_scope
from bot.fanout import Job
from bot.slack import CHANNEL_GONE, PERSON_GONE, WorkspaceGone, slack_error

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    sent: int = 0
    dropped: int = 0  # undeliverable: recorded, never retried
    retry_later: int = 0  # failed for now: a later sweep tries again
    paused: int = 0  # channels paused because the bot cannot post there
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, outcome: str) -> None:
        with self._lock:
            setattr(self, outcome, getattr(self, outcome) + 1)

    def __str__(self) -> str:
        text = f"{self.sent} sent, {self.retry_later} to retry, {self.dropped} undeliverable"
        return text + (f", {self.paused} channels paused" if self.paused else "")


@dataclass(frozen=True)
class Recipient:
    """Where a delivery goes: a channel, or a person's DM."""

    team_id: str
    channel_id: str | None = None
    user_id: str | None = None

    @property
    def key(self) -> str:
        """Deliveries with the same key go out in order, one at a time."""
        return f"{self.team_id}:{self.channel_id or 'dm-' + str(self.user_id)}"


def deliver(
    engine: Engine,
    report: SweepReport,
    delivery_id: int,
    *,
    now: datetime,
    to: Recipient,
    send: Callable[[], object],
) -> bool:
    """Send a claimed delivery and record the outcome; True when it went out."""
    if to.user_id and _inactive(engine, to):
        with session_scope(engine) as session:
            mark_dropped(session, delivery_id, error="account_inactive")
        report.count("dropped")
        return False
    try:
        send()
    except WorkspaceGone as gone:
        log.info("delivery %s dropped: %s", delivery_id, gone)
        _record(engine, report, delivery_id, "dropped", str(gone))
        return False
    except Exception as error:
        code = slack_error(error)
        if code in CHANNEL_GONE and to.channel_id:
            with session_scope(engine) as session:
                newly = channels.pause(
                    session, team_id=to.team_id, channel_id=to.channel_id, reason=code, now=now
                )
                # Kept for when the bot is back in the channel, if still due then.
                mark_failed(session, delivery_id, error=code)
            if newly:
                log.warning("channel %s paused: Slack said %s", to.channel_id, code)
                report.count("paused")
            report.count("retry_later")
        elif code in PERSON_GONE and to.user_id:
            log.warning("no more DMs to %s: Slack said %s", to.user_id, code)
            with session_scope(engine) as session:
                people.deactivate(session, team_id=to.team_id, user_id=to.user_id, now=now)
                mark_dropped(session, delivery_id, error=code)
            report.count("dropped")
        elif code in CHANNEL_GONE | PERSON_GONE:
            log.warning("delivery %s dropped: %s", delivery_id, code)
            _record(engine, report, delivery_id, "dropped", code)
        else:
            log.warning("delivery %s failed; a later sweep will retry: %r", delivery_id, error)
            _record(engine, report, delivery_id, "retry_later", code or type(error).__name__)
        return False
    with session_scope(engine) as session:
        mark_sent(session, delivery_id, now=now)
    report.count("sent")
    return True


def delivery_job(
    engine: Engine,
    report: SweepReport,
    delivery_id: int,
    *,
    now: datetime,
    to: Recipient,
    send: Callable[[], object],
    then: Callable[[], object] | None = None,
) -> Job:
    """`deliver` as a fan-out job (then `then`, once it went out); if the process stops before
    it starts, the claim is given back for the next sweep."""

    def run() -> None:
        if deliver(engine, report, delivery_id, now=now, to=to, send=send) and then:
            then()

    def skip() -> None:
        with session_scope(engine) as session:
            release(session, delivery_id)

    return Job(to.key, run, skip)


def _record(engine: Engine, report: SweepReport, delivery_id: int, outcome: str, error: str):
    with session_scope(engine) as session:
        if outcome == "dropped":
            mark_dropped(session, delivery_id, error=error)
        elif not mark_failed(session, delivery_id, error=error):
            log.error("delivery %s given up after repeated failures: %s", delivery_id, error)
            outcome = "dropped"
    report.count(outcome)


def _inactive(engine: Engine, to: Recipient) -> bool:
    with session_scope(engine) as session:
        return bool(people.inactive(session, team_id=to.team_id, user_ids=[to.user_id]))
