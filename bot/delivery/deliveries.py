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
from enum import StrEnum
from functools import partial

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.delivery.fanout import Job
from bot.domain import channels, people, workspaces
from bot.logs import log_context
from bot.metrics import DELIVERIES, FAILURES
from bot.slack.client import (
    ChannelGone,
    Messenger,
    PersonGone,
    SlackRefused,
    TokenGone,
    WorkspaceGone,
    slack_error,
)
from bot.store.claims import mark_dropped, mark_failed, mark_sent, release
from bot.store.db import session_scope
from bot.store.models import DeliveryKind

log = logging.getLogger("bot.deliveries")


class Outcome(StrEnum):
    """What became of one delivery; SweepReport counts each."""

    SENT = "sent"
    DROPPED = "dropped"
    RETRY_LATER = "retry_later"
    PAUSED = "paused"  # the channel was paused, and the delivery is retried later


@dataclass
class SweepReport:
    sent: int = 0
    dropped: int = 0  # undeliverable: recorded, never retried
    retry_later: int = 0  # failed for now: a later sweep tries again
    paused: int = 0  # channels paused because the bot cannot post there
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, outcome: Outcome) -> None:
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


def send_to(
    messenger: Messenger, to: Recipient, message: dict, *, thread_ts: str | None = None
) -> Callable[[], object]:
    """How `message` goes to `to`: privately to a person, or in the channel, in the thread
    `thread_ts` if any and shown in the channel too."""
    if to.user_id:
        return partial(messenger.direct_message, to.user_id, message)
    return partial(messenger.post, to.channel_id, message, thread_ts=thread_ts, broadcast=True)


@dataclass(frozen=True)
class Claimed:
    """A claimed delivery: its row's id, its kind, where it goes, how it is sent, and the
    milestone it is about, if any."""

    id: int
    kind: DeliveryKind
    to: Recipient
    send: Callable[[], object]
    milestone_id: int | None = None


def deliver(
    engine: Engine,
    report: SweepReport,
    delivery: Claimed,
    *,
    now: datetime,
    on_sent: Callable[[Session, object], object] | None = None,
) -> bool:
    """Send a claimed delivery and record the outcome, in the database, the report and the
    metrics; True when it went out.

    `on_sent(session, what send returned)` records more of a sent message (where it was
    posted) in the transaction that marks it sent.
    """
    to, kind = delivery.to, delivery.kind
    with log_context(
        team_id=to.team_id, channel_id=to.channel_id, milestone_id=delivery.milestone_id
    ):
        outcome = _deliver(
            engine, delivery.id, kind=kind, now=now, to=to, send=delivery.send, on_sent=on_sent
        )
    if outcome == Outcome.PAUSED:
        report.count(Outcome.PAUSED)
        outcome = Outcome.RETRY_LATER
    report.count(outcome)
    DELIVERIES.labels(kind, {Outcome.RETRY_LATER: "retry"}.get(outcome, outcome)).inc()
    return outcome == Outcome.SENT


def _deliver(
    engine: Engine,
    delivery_id: int,
    *,
    kind: DeliveryKind,
    now: datetime,
    to: Recipient,
    send: Callable[[], object],
    on_sent: Callable[[Session, object], object] | None,
) -> Outcome:
    if to.user_id and _inactive(engine, to):
        with session_scope(engine) as session:
            mark_dropped(session, delivery_id, error="account_inactive")
        return Outcome.DROPPED
    try:
        sent = send()
    except WorkspaceGone as gone:
        log.info("%s delivery %s dropped: %s", kind, delivery_id, gone)
        return _record(engine, delivery_id, Outcome.DROPPED, str(gone))
    except SlackRefused as refused:
        FAILURES.labels("delivery").inc()
        return _refused(engine, delivery_id, refused, kind=kind, to=to, now=now)
    except Exception as error:
        FAILURES.labels("delivery").inc()
        log.warning("%s delivery %s failed; a later sweep will retry: %r", kind, delivery_id, error)
        return _record(
            engine, delivery_id, Outcome.RETRY_LATER, slack_error(error) or type(error).__name__
        )
    with session_scope(engine) as session:
        if on_sent is not None:
            on_sent(session, sent)
        mark_sent(session, delivery_id, now=now)
    return Outcome.SENT


def _refused(
    engine: Engine,
    delivery_id: int,
    refused: SlackRefused,
    *,
    kind: DeliveryKind,
    to: Recipient,
    now: datetime,
) -> Outcome:
    """What becomes of a delivery Slack refused: its channel paused, its workspace or person
    left alone from now on, or it dropped."""
    code = refused.code
    match refused:
        case ChannelGone() if to.channel_id:
            with session_scope(engine) as session:
                newly = channels.pause(
                    session, team_id=to.team_id, channel_id=to.channel_id, reason=code, now=now
                )
                # Kept for when the bot is back in the channel, if still due then.
                mark_failed(session, delivery_id, error=code)
            if newly:
                log.warning("channel %s paused: Slack said %s", to.channel_id, code)
                return Outcome.PAUSED
            return Outcome.RETRY_LATER
        case TokenGone():
            # The tokens_revoked event may never come (or came to a process that missed it).
            log.warning("workspace %s stops: Slack said %s", to.team_id, code)
            with session_scope(engine) as session:
                workspaces.uninstalled(session, team_ids=[to.team_id], now=now)
                mark_dropped(session, delivery_id, error=code)
            return Outcome.DROPPED
        case PersonGone() if to.user_id:
            log.warning("no more DMs to %s: Slack said %s", to.user_id, code)
            with session_scope(engine) as session:
                people.deactivate(session, team_id=to.team_id, user_id=to.user_id, now=now)
                mark_dropped(session, delivery_id, error=code)
            return Outcome.DROPPED
        case ChannelGone() | PersonGone():
            log.warning("%s delivery %s dropped: %s", kind, delivery_id, code)
            return _record(engine, delivery_id, Outcome.DROPPED, code)
    log.warning("%s delivery %s failed; a later sweep will retry: %r", kind, delivery_id, refused)
    return _record(engine, delivery_id, Outcome.RETRY_LATER, code)


def delivery_job(
    engine: Engine,
    report: SweepReport,
    delivery: Claimed,
    *,
    now: datetime,
    then: Callable[[], object] | None = None,
) -> Job:
    """`deliver` as a fan-out job (then `then`, once it went out); if the process stops before
    it starts, the claim is given back for the next sweep."""

    def run() -> None:
        if deliver(engine, report, delivery, now=now) and then:
            then()

    def skip() -> None:
        with session_scope(engine) as session:
            release(session, delivery.id)

    return Job(delivery.to.key, run, skip)


def _record(engine: Engine, delivery_id: int, outcome: Outcome, error: str) -> Outcome:
    with session_scope(engine) as session:
        if outcome == Outcome.DROPPED:
            mark_dropped(session, delivery_id, error=error)
        elif not mark_failed(session, delivery_id, error=error):
            log.error("delivery %s given up after repeated failures: %s", delivery_id, error)
            outcome = Outcome.DROPPED
    return outcome


def _inactive(engine: Engine, to: Recipient) -> bool:
    with session_scope(engine) as session:
        return bool(people.inactive(session, team_id=to.team_id, user_ids=[to.user_id]))
