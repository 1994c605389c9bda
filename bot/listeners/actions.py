"""Buttons: Mark complete, Approve, Request changes, Reschedule."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from slack_bolt import Ack, App, Respond
from slack_bolt.request import BoltRequest
from sqlmodel import Session

from bot import blocks, coaching, milestones
from bot.announce import announce
from bot.db import session_scope
from bot.errors import MilestoneError
from bot.listeners.common import is_retry, team_of, tell_presser
from bot.logs import add_log_context
from bot.metrics import note_refused
from bot.milestones import AlreadyInState
from bot.models import Milestone
from bot.runtime import Runtime

Result = TypeVar("Result")
# What a button does in the database: (session, milestone, presser, revision) -> result.
Work = Callable[[Session, Milestone, str, int], Result]


def register(app: App, runtime: Runtime) -> None:
    def tell(body: dict, respond: Respond, text: str) -> None:
        tell_presser(runtime, body, respond, text)

    def press(ack: Ack, body: dict, respond: Respond, request: BoltRequest, work: Work):
        """Run `work` on the pressed milestone, then ack; a domain error is told privately.

        Returns what `work` returned, or None when it was refused.
        """
        milestone_id, revision = blocks.parse_button_value(body["actions"][0]["value"])
        add_log_context(milestone_id=milestone_id)
        try:
            with session_scope(runtime.engine) as session:
                milestone = milestones.get(
                    session, team_id=team_of(body), milestone_id=milestone_id
                )
                result = work(session, milestone, body["user"]["id"], revision)
        except MilestoneError as error:
            note_refused()
            ack()
            # A retried request finding its own earlier effect needs no second answer.
            if not (isinstance(error, AlreadyInState) and is_retry(request)):
                tell(body, respond, error.message)
            return None
        ack()
        return result

    @app.action(blocks.COMPLETE)
    def complete(ack: Ack, body: dict, respond: Respond, request: BoltRequest) -> None:
        change = press(
            ack,
            body,
            respond,
            request,
            lambda session, milestone, user_id, revision: milestones.request_completion(
                session,
                milestone=milestone,
                user_id=user_id,
                now=runtime.clock(),
                revision=revision,
            ),
        )
        if change is None:
            return
        announce(runtime, change)
        # On the Home, the refreshed Home shows it sent for approval.
        if change.kind == "completion_requested" and body.get("response_url"):
            tell(body, respond, blocks.sent_for_approval(change.milestone))
        if change.kind == "reached" and body.get("response_url"):
            with session_scope(runtime.engine) as session:
                today = runtime.timezones.known_today(
                    change.milestone.team_id, change.actor_id, now=runtime.clock()
                )
                advice = coaching.on_completion(session, milestone=change.milestone, today=today)
            if advice:
                tell(body, respond, blocks.coaching_text(change.milestone, advice))

    @app.action(blocks.APPROVE)
    def approve(ack: Ack, body: dict, respond: Respond, request: BoltRequest) -> None:
        change = press(
            ack,
            body,
            respond,
            request,
            lambda session, milestone, user_id, revision: milestones.approve(
                session,
                milestone=milestone,
                user_id=user_id,
                now=runtime.clock(),
                revision=revision,
            ),
        )
        if change is not None:
            announce(runtime, change)

    @app.action(blocks.REQUEST_CHANGES)
    def request_changes(ack: Ack, body: dict, respond: Respond, request: BoltRequest) -> None:
        def check(_session: Session, milestone: Milestone, user_id: str, revision: int):
            milestones.ensure_can_decide(milestone, user_id=user_id, revision=revision)
            return blocks.changes_modal(milestone)

        open_modal(body, press(ack, body, respond, request, check))

    @app.action(blocks.RESCHEDULE)
    def reschedule(ack: Ack, body: dict, respond: Respond, request: BoltRequest) -> None:
        def check(_session: Session, milestone: Milestone, user_id: str, revision: int):
            milestones.ensure_can_reschedule(milestone, user_id=user_id, revision=revision)
            return blocks.reschedule_modal(milestone)

        open_modal(body, press(ack, body, respond, request, check))

    def open_modal(body: dict, view: dict | None) -> None:
        if view is None:
            return
        # Opened right after the ack: the trigger expires three seconds after the press.
        runtime.background.submit(
            body["user"]["id"],
            lambda: runtime.messenger(team_of(body)).open_view(body["trigger_id"], view),
        )
