"""Buttons: Mark complete, Approve, Request changes, Reschedule."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond
from slack_bolt.request import BoltRequest

from bot import blocks, milestones
from bot.announce import announce
from bot.db import session_scope
from bot.errors import MilestoneError
from bot.listeners.common import is_retry, team_of
from bot.milestones import AlreadyInState
from bot.runtime import Runtime


def register(app: App, runtime: Runtime) -> None:
    def answer_error(error: MilestoneError, respond: Respond, request: BoltRequest) -> None:
        # A retried request finding its own earlier effect needs no second answer.
        if isinstance(error, AlreadyInState) and is_retry(request):
            return
        message = blocks.notice(error.message)
        runtime.background.submit(
            "respond",
            lambda: respond(
                text=message["text"],
                blocks=message["blocks"],
                response_type="ephemeral",
                replace_original=False,
            ),
        )

    def pressed(body: dict, action: dict) -> tuple[str, str, int, int]:
        milestone_id, revision = blocks.parse_button_value(action["value"])
        return team_of(body), body["user"]["id"], milestone_id, revision

    def message_of(body: dict) -> tuple[str, str]:
        container = body.get("container") or {}
        return container.get("channel_id", ""), container.get("message_ts", "")

    @app.action(blocks.COMPLETE)
    def complete(ack: Ack, body: dict, action: dict, respond: Respond, request: BoltRequest):
        team_id, user_id, milestone_id, revision = pressed(body, action)
        try:
            with session_scope(runtime.engine) as session:
                milestone = milestones.get(session, team_id=team_id, milestone_id=milestone_id)
                change = milestones.request_completion(
                    session,
                    milestone=milestone,
                    user_id=user_id,
                    now=runtime.clock(),
                    revision=revision,
                )
        except MilestoneError as error:
            ack()
            answer_error(error, respond, request)
            return
        ack()
        announce(runtime, change)
        if change.kind == "completion_requested":
            answer_error(
                MilestoneError(blocks.sent_for_approval(change.milestone)), respond, request
            )

    @app.action(blocks.APPROVE)
    def approve(ack: Ack, body: dict, action: dict, respond: Respond, request: BoltRequest):
        team_id, user_id, milestone_id, revision = pressed(body, action)
        try:
            with session_scope(runtime.engine) as session:
                milestone = milestones.get(session, team_id=team_id, milestone_id=milestone_id)
                change = milestones.approve(
                    session,
                    milestone=milestone,
                    user_id=user_id,
                    now=runtime.clock(),
                    revision=revision,
                )
        except MilestoneError as error:
            ack()
            answer_error(error, respond, request)
            return
        ack()
        announce(runtime, change, approval_message=message_of(body))

    @app.action(blocks.REQUEST_CHANGES)
    def request_changes(ack: Ack, body: dict, action: dict, respond: Respond, request: BoltRequest):
        team_id, user_id, milestone_id, revision = pressed(body, action)
        try:
            with session_scope(runtime.engine) as session:
                milestone = milestones.get(session, team_id=team_id, milestone_id=milestone_id)
                milestones.ensure_can_decide(milestone, user_id=user_id, revision=revision)
        except MilestoneError as error:
            ack()
            answer_error(error, respond, request)
            return
        ack()
        channel, ts = message_of(body)
        view = blocks.changes_modal(milestone, message_channel=channel, message_ts=ts)
        # Opened right after the ack: the trigger expires three seconds after the press.
        runtime.background.submit(
            user_id, lambda: runtime.messenger.open_view(body["trigger_id"], view)
        )

    @app.action(blocks.RESCHEDULE)
    def reschedule(ack: Ack, body: dict, action: dict, respond: Respond, request: BoltRequest):
        team_id, user_id, milestone_id, revision = pressed(body, action)
        try:
            with session_scope(runtime.engine) as session:
                milestone = milestones.get(session, team_id=team_id, milestone_id=milestone_id)
                milestones.ensure_can_reschedule(milestone, user_id=user_id, revision=revision)
        except MilestoneError as error:
            ack()
            answer_error(error, respond, request)
            return
        ack()
        view = blocks.reschedule_modal(milestone)
        runtime.background.submit(
            user_id, lambda: runtime.messenger.open_view(body["trigger_id"], view)
        )
