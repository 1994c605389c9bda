"""Prometheus metrics: requests handled or refused, deliveries, failures, Slack retries, sweep
durations.

They live in prometheus_client's default registry (with its process and Python metrics) and
are served at GET /metrics by bot/server.py. No label value comes from a request as sent: the
names are those the bot listens for (others are counted as "other"), and the reasons a fixed
set, so nobody can make the bot grow a new series.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from contextvars import ContextVar

from prometheus_client import Counter, Histogram
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

REQUESTS = Counter(
    "milestone_bot_requests",
    "Slack requests handled: slash commands (by subcommand), button presses (by action), "
    "form submissions (by callback id) and events (by type), by outcome: ok, refused (a "
    "command or press the bot declined, with the reason), error (failed, or answered with "
    "another 4xx or 5xx), unhandled, unauthorized",
    ["kind", "name", "outcome"],
)
HTTP_REFUSED = Counter(
    "milestone_bot_http_refused",
    "Requests to /slack/events refused before Slack's app saw them, by reason: unsigned "
    "(signature missing, malformed, stale or wrong), too_large (over 1 MiB), malformed (not "
    "form-encoded or JSON, not UTF-8, a payload that is not a JSON object)",
    ["reason"],
)
REFUSAL_REASONS = ("unsigned", "too_large", "malformed")
for _reason in REFUSAL_REASONS:
    # Present from the start, so that a scrape shows them at 0 and a refusal adds no series.
    HTTP_REFUSED.labels(_reason)
REQUEST_SECONDS = Histogram(
    "milestone_bot_request_duration_seconds",
    "Time from a Slack request's arrival at the Bolt app to its answer, by kind",
    ["kind"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 3.0, 5.0),
)
DELIVERIES = Counter(
    "milestone_bot_deliveries",
    "Claimed deliveries (weekly status, nudges, reminders, escalations, dependency notes), "
    "by kind and outcome: sent, retry (given back for a later sweep), dropped (undeliverable)",
    ["kind", "outcome"],
)
FAILURES = Counter(
    "milestone_bot_failures",
    "Work that ended in an exception, by where: request (a listener), background (Slack "
    "calls after the answer), delivery (a claimed send), sweep (a whole sweep), status_chart "
    "(the timeline in a status's thread)",
    ["where"],
)
SLACK_RETRIES = Counter(
    "milestone_bot_slack_retries",
    "Web API calls retried by the client, by cause: rate_limit (HTTP 429), server_error "
    "(HTTP 500/503), connection",
    ["cause"],
)
SWEEP_SECONDS = Histogram(
    "milestone_bot_sweep_duration_seconds",
    "How long a scheduled sweep took, by sweep (digest, nudges)",
    ["sweep"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0),
)

_refused: ContextVar[bool] = ContextVar("request_refused", default=False)
_failed: ContextVar[bool] = ContextVar("request_failed", default=False)


def note_refused() -> None:
    """The request at hand was declined with a reason (a domain error told to the user)."""
    _refused.set(True)


def was_refused() -> bool:
    return _refused.get()


def note_failed() -> None:
    """The request at hand failed (the error handler answered it): counted as an error, even
    though the person was answered with a 200."""
    _failed.set(True)


def has_failed() -> bool:
    return _failed.get()


class _CountedRetries:
    """Counts each retry the slack_sdk handler it is mixed into decides to make, and waits
    before it with `sleep` (the bot's pacer's, so that tests pass time instead of sleeping)."""

    cause: str

    def __init__(self, *args, sleep: Callable[[float], None] = time.sleep, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._sleep = sleep

    def prepare_for_next_attempt(self, *, state, request, response=None, error=None) -> None:
        SLACK_RETRIES.labels(self.cause).inc()
        state.next_attempt_requested = True
        self._sleep(self.seconds_before_retry(state=state, response=response, error=error))
        state.increment_current_attempt()

    def seconds_before_retry(self, *, state, response, error) -> float:
        return self.interval_calculator.calculate_sleep_duration(state.current_attempt)  # type: ignore[attr-defined]


class CountedConnectionErrorRetries(_CountedRetries, ConnectionErrorRetryHandler):
    cause = "connection"


class CountedRateLimitRetries(_CountedRetries, RateLimitErrorRetryHandler):
    cause = "rate_limit"

    def seconds_before_retry(self, *, state, response, error) -> float:
        """As long as the 429's Retry-After says, plus up to a second of jitter (slack_sdk's
        own rule), so that clients refused together do not all come back at once."""
        if response is None:
            raise error
        headers = {name.lower(): values for name, values in response.headers.items()}
        wait = (headers.get("retry-after") or [""])[0]
        return (int(wait) if wait.isdigit() else 1) + random.random()


class CountedServerErrorRetries(_CountedRetries, ServerErrorRetryHandler):
    cause = "server_error"
