"""Each Slack request in a context of its own: its ids for the logs, then counted and timed."""

from __future__ import annotations

import contextvars
import json
import logging
import time
import uuid
from collections.abc import Callable, Collection

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.request.payload_utils import (
    is_action,
    is_event,
    is_function,
    is_options,
    is_slash_command,
    is_view_closed,
    is_view_submission,
    to_action,
    to_event,
    to_options,
    to_view,
)

from bot.listeners.parsing import subcommand_of
from bot.listeners.payloads import frame_problem
from bot.logs import add_log_context
from bot.metrics import FAILURES, REQUEST_SECONDS, REQUESTS, has_failed, was_refused
from bot.runtime import Runtime

log = logging.getLogger("bot.requests")

# What the middleware puts in Bolt's context for the listeners (bot/listeners/middleware.py).
RUNTIME = "runtime"
KNOWN_WORKSPACES = "known_workspaces"


def runtime_of(context: BoltContext) -> Runtime:
    """The runtime the ProvideRuntime middleware put in the request's context."""
    return context[RUNTIME]


def request_ids(context: BoltContext, body: dict, next: Callable[[], None]) -> None:
    """Global middleware: the ids every line logged for this request carries.

    The request id is Slack's own where it gives one: the event id of an Events API event, the
    trigger id of a command, button press or form; otherwise (a view closed) a generated one.
    """
    add_log_context(
        request_id=body.get("event_id") or body.get("trigger_id") or uuid.uuid4().hex,
        team_id=context.team_id,
        channel_id=context.channel_id,
        user_id=context.user_id,
    )
    next()


# The name counted for a request whose action, form or event the bot does not listen for.
OTHER = "other"


def observed(
    dispatch: Callable[[BoltRequest], BoltResponse],
    request: BoltRequest,
    *,
    names: Collection[str],
) -> BoltResponse:
    """Run Bolt's `dispatch` of `request` in a fresh context, so that the ids set for it stay
    with it (a server thread serves many requests); count it, time it and log one line.

    `names` are the action ids, callback ids and event types the app listens for: the only
    names that become metric labels.
    """
    return contextvars.Context().run(_dispatch_and_record, dispatch, request, names)


def _dispatch_and_record(
    dispatch: Callable[[BoltRequest], BoltResponse],
    request: BoltRequest,
    names: Collection[str],
) -> BoltResponse:
    started = time.perf_counter()
    response = dispatch(request)
    elapsed = time.perf_counter() - started
    kind, name = describe(request.body)
    outcome = _outcome(response)
    if outcome in ("unauthorized", "unhandled"):
        # Not a request of ours: its names must not become label values.
        name = "-"
    elif kind != "command" and name not in names:
        # Whoever sends the request chooses these; a label per name would let them grow the
        # metrics without end. (A command's name is already one of its subcommands.)
        name = OTHER
    REQUESTS.labels(kind, name, outcome).inc()
    REQUEST_SECONDS.labels(kind).observe(elapsed)
    if outcome == "error":
        FAILURES.labels("request").inc()
    log.log(
        logging.WARNING if outcome == "error" else logging.INFO,
        "%s %s: %s (HTTP %d) in %.0f ms",
        kind,
        name,
        outcome,
        response.status,
        elapsed * 1000,
    )
    return response


def _outcome(response: BoltResponse) -> str:
    if response.status == 401:
        return "unauthorized"
    if response.status == 404:
        return "unhandled"
    # The error handler answers with a 200 (the person is told to try again): still a failure.
    if response.status >= 400 or has_failed():
        return "error"
    # A listener that declined tells so (note_refused); a form shows its refusal on its fields.
    return "refused" if was_refused() or _shows_field_errors(response) else "ok"


def _shows_field_errors(response: BoltResponse) -> bool:
    if not response.body.startswith("{"):
        return False
    try:
        return json.loads(response.body).get("response_action") == "errors"
    except ValueError:
        return False


def describe(body: dict) -> tuple[str, str]:
    """(kind, name) of a request: ("command", "add"), ("action", "complete"), ..."""
    if frame_problem(body) is not None:
        return "other", "-"  # refused by well_formed; Bolt's readers below would fail on it
    if is_slash_command(body):
        return "command", subcommand_of(body.get("text") or "")
    if is_action(body):
        return "action", (to_action(body) or {}).get("action_id") or "-"
    if is_view_submission(body):
        return "view_submission", (to_view(body) or {}).get("callback_id") or "-"
    if is_view_closed(body):
        return "view_closed", (to_view(body) or {}).get("callback_id") or "-"
    if is_options(body):
        return "options", (to_options(body) or {}).get("action_id") or "-"
    if is_function(body):
        # A Workflow Builder step: named by its callback id, not by function_executed.
        return "function", body["event"].get("function", {}).get("callback_id") or "-"
    if is_event(body):
        return "event", (to_event(body) or {}).get("type") or "-"
    return "other", str(body.get("type") or "-")
