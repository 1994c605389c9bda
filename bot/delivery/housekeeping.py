"""Housekeeping: forgetting what only had to be remembered for a while.

A `/milestone status`, `chart` or `export` request and a Workflow Builder step are each claimed
under the request's own key (its trigger id, its function execution id), so that Slack's
retries of it, which come within minutes, get one answer. Those claims guard nothing once the
retries are over: kept, they would pile up one per request for ever. They are deleted once
REQUESTS_KEPT_FOR has passed, a batch per transaction so that no write waits long behind them.
Every other claim is kept: the nudges' count toward an escalation, and each says what went out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.runtime import Runtime
from bot.store.claims import FORGET_PER_STATEMENT, forget
from bot.store.db import session_scope
from bot.store.models import DeliveryKind

# Far beyond Slack's retries (within minutes); a week, to read in the table when asked about
# a request.
REQUESTS_KEPT_FOR = timedelta(days=7)
REQUEST_KINDS = [
    DeliveryKind.STATUS_REQUEST,
    DeliveryKind.CHART_REQUEST,
    DeliveryKind.EXPORT_REQUEST,
    DeliveryKind.WORKFLOW_STEP,
]


@dataclass
class HousekeepingReport:
    forgotten: int = 0
    # As a sweep's report says: nothing here is retried.
    retry_later: int = 0

    def __str__(self) -> str:
        return f"{self.forgotten} request claims forgotten"


def run_housekeeping(runtime: Runtime, *, now: datetime) -> HousekeepingReport:
    """Forget the request claims made before REQUESTS_KEPT_FOR, a batch at a time, until none
    is left or the process is stopping."""
    report = HousekeepingReport()
    before = now - REQUESTS_KEPT_FOR
    while not runtime.stopping.is_set():
        with session_scope(runtime.engine) as session:
            forgotten = forget(session, kinds=REQUEST_KINDS, before=before)
        report.forgotten += forgotten
        if forgotten < FORGET_PER_STATEMENT:
            break
    return report
