"""Sending one claimed delivery, and what a sweep reports of its deliveries."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from bot.claims import mark_sent, release
from bot.db import session_scope
from bot.logs import log_context
from bot.metrics import DELIVERIES, FAILURES
from bot.slack import CHANNEL_GONE, slack_error

log = logging.getLogger(__name__)

# Slack's answers that mean this message can never be delivered (a channel the bot left, a
# deactivated person): giving the claim back would only fail again at every sweep.
UNDELIVERABLE = CHANNEL_GONE | {
    "user_not_found",
    "user_disabled",
    "user_not_visible",
    "cannot_dm_bot",
    "account_inactive",
}


@dataclass
class SweepReport:
    sent: int = 0
    dropped: int = 0  # undeliverable: kept as claimed, never retried
    retry_later: int = 0  # failed for now: the claim was given back for a later sweep

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.retry_later} to retry, {self.dropped} undeliverable"


def deliver(
    engine: Engine,
    report: SweepReport,
    delivery_id: int,
    *,
    kind: str,
    team_id: str,
    channel_id: str,
    milestone_id: int | None = None,
    now: datetime,
    send: Callable[[], object],
) -> bool:
    """Send a claimed delivery (`kind`, about that channel and milestone) and record the
    outcome, in the database, the report and the metrics; True when it went out."""
    with log_context(team_id=team_id, channel_id=channel_id, milestone_id=milestone_id):
        try:
            send()
        except Exception as error:
            FAILURES.labels("delivery").inc()
            if slack_error(error) in UNDELIVERABLE:
                log.warning("%s delivery %s dropped: %s", kind, delivery_id, error)
                DELIVERIES.labels(kind, "dropped").inc()
                report.dropped += 1
            else:
                log.exception("%s delivery %s failed; a later sweep will retry", kind, delivery_id)
                with session_scope(engine) as session:
                    release(session, delivery_id)
                DELIVERIES.labels(kind, "retry").inc()
                report.retry_later += 1
            return False
        with session_scope(engine) as session:
            mark_sent(session, delivery_id, now=now)
        DELIVERIES.labels(kind, "sent").inc()
        report.sent += 1
        return True
