"""Buttons: Mark complete, Approve, Request changes, Reschedule."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from slack_bolt import Ack, App, BoltContext, Respond
from slack_bolt.request import BoltRequest
from sqlmodel import Session

from bot.delivery.announce import announce
from bot.domain import milestones, suggestions
from bot.domain.errors import AlreadyInState, MilestoneError
from bot.domain.milestones import Change, ensure_can_decide, ensure_can_reschedule
from bot.listeners.common import is_retry, open_form, refuse_stale_press, tell_presser
from bot.listeners.context import runtime_of
from bot.listeners.payloads import Press, StalePayload, milestone_of, read_press
from bot.logs import add_log_context
from bot.metrics import note_refused
from bot.render import answers, blocks
from bot.runtime import Runtime
from bot.store.db import session_scope
from bot.store.models import EventKind, Milestone

Result = TypeVar("Result")
# What a button does in the database: (session, milestone, presser, revision) -> result.
Work = Callable[[Session, Milestone, str, int], Result]


def complete(
    ack: Ack, context: BoltContext, body: dict, respond: Respond, request: BoltRequest
) -> None:
    change = _change(ack, context, body, respond, request, milestones.request_completion)
    if change is None:
        return
    runtime = runtime_of(context)
    # On the Home, the refreshed Home shows it sent for approval.
    if change.kind == EventKind.COMPLETION_REQUESTED and body.get("response_url"):
        tell_presser(runtime, body, respond, blocks.sent_for_approval(change.milestone))
    if change.kind == EventKind.REACHED and body.get("response_url"):
        with session_scope(runtime.engine) as session:
            today = runtime.timezones.known_today(
                change.milestone.team_id, change.actor_id, now=runtime.clock()
            )
            advice = suggestions.on_completion(session, milestone=change.milestone, today=today)
        if advice:
            tell_presser(runtime, body, respond, blocks.coaching_text(change.milestone, advice))


def approve(
    ack: Ack, context: BoltContext, body: dict, respond: Respond, request: BoltRequest
) -> None:
    _change(ack, context, body, respond, request, milestones.approve)


def request_changes(
    ack: Ack, context: BoltContext, body: dict, respond: Respond, request: BoltRequest
) -> None:
    _open_form(ack, context, body, respond, request, ensure_can_decide, blocks.changes_modal)


def reschedule(
    ack: Ack, context: BoltContext, body: dict, respond: Respond, request: BoltRequest
) -> None:
    _open_form(ack, context, body, respond, request, ensure_can_reschedule, blocks.reschedule_modal)


def register(app: App) -> None:
    app.action(blocks.COMPLETE)(complete)
    app.action(blocks.APPROVE)(approve)
    app.action(blocks.REQUEST_CHANGES)(request_changes)
    app.action(blocks.RESCHEDULE)(reschedule)


def _change(
    ack: Ack,
    context: BoltContext,
    body: dict,
    respond: Respond,
    request: BoltRequest,
    service: Callable[..., Change],
) -> Change | None:
    """Make `service`'s change (it takes the press's milestone, presser and revision) to the
    pressed milestone and announce it; None when it was refused."""
    runtime = runtime_of(context)

    def work(session: Session, milestone: Milestone, user_id: str, revision: int) -> Change:
        return service(
            session, milestone=milestone, user_id=user_id, now=runtime.clock(), revision=revision
        )

    done = _press(runtime, ack, body, respond, request, work)
    if done is None:
        return None
    _, change = done
    announce(runtime, change)
    return change


def _press(
    runtime: Runtime, ack: Ack, body: dict, respond: Respond, request: BoltRequest, work: Work
):
    """Run `work` on the pressed milestone, then ack; a domain error is told privately,
    and so is a press the bot cannot read.

    Returns (the press, what `work` returned), or None when it was refused.
    """
    try:
        pressed = read_press(body)
        add_log_context(milestone_id=pressed.milestone_id)
        with session_scope(runtime.engine) as session:
            milestone = milestone_of(
                session, team_id=pressed.team_id, milestone_id=pressed.milestone_id
            )
            result = work(session, milestone, pressed.user_id, pressed.revision)
    except StalePayload as error:
        refuse_stale_press(runtime, body, ack, respond, error)
        return None
    except MilestoneError as error:
        note_refused()
        ack()
        # A retried request finding its own earlier effect needs no second answer.
        if not (isinstance(error, AlreadyInState) and is_retry(request)):
            tell_presser(runtime, body, respond, answers.refusal(error))
        return None
    ack()
    return pressed, result


def _open_form(
    ack: Ack,
    context: BoltContext,
    body: dict,
    respond: Respond,
    request: BoltRequest,
    may: Callable[..., None],
    form: Callable[[Milestone], dict],
) -> None:
    """Open `form(milestone)` for the pressed milestone once `may(milestone, user_id=,
    revision=)` found that the presser may act on it now."""

    def check(_session: Session, milestone: Milestone, user_id: str, revision: int) -> dict:
        may(milestone, user_id=user_id, revision=revision)
        return form(milestone)

    runtime = runtime_of(context)
    _open_modal(runtime, body, respond, _press(runtime, ack, body, respond, request, check))


def _open_modal(
    runtime: Runtime, body: dict, respond: Respond, done: tuple[Press, dict] | None
) -> None:
    if done is None:
        return
    pressed, view = done
    # Opened right after the ack: the trigger expires three seconds after the press.
    open_form(
        runtime,
        team_id=pressed.team_id,
        user_id=pressed.user_id,
        trigger_id=pressed.trigger_id,
        view=view,
        tell=lambda text: tell_presser(runtime, body, respond, text),
    )
