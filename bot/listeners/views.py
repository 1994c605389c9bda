"""Modal submissions: reschedule, and the approver's request for changes."""

from __future__ import annotations

import json
from datetime import date

from slack_bolt import Ack, App

from bot import blocks, milestones
from bot.announce import announce
from bot.db import session_scope
from bot.errors import MilestoneError
from bot.listeners.common import team_of
from bot.runtime import Runtime


def _value(view: dict, block_id: str, action_id: str) -> dict:
    return view["state"]["values"].get(block_id, {}).get(action_id, {})


def register(app: App, runtime: Runtime) -> None:
    @app.view(blocks.RESCHEDULE_VIEW)
    def reschedule_submitted(ack: Ack, body: dict, view: dict) -> None:
        metadata = json.loads(view["private_metadata"])
        team_id, user_id, now = team_of(body), body["user"]["id"], runtime.clock()
        selected = _value(view, blocks.DATE_BLOCK, blocks.DATE_ACTION).get("selected_date")
        reason = _value(view, blocks.REASON_BLOCK, blocks.REASON_ACTION).get("value")
        if not selected:
            ack(response_action="errors", errors={blocks.DATE_BLOCK: "Pick the new due date."})
            return
        try:
            with session_scope(runtime.engine) as session:
                milestone = milestones.get(
                    session, team_id=team_id, milestone_id=metadata["milestone_id"]
                )
                change = milestones.reschedule(
                    session,
                    milestone=milestone,
                    user_id=user_id,
                    new_due_date=date.fromisoformat(selected),
                    reason=reason,
                    today=runtime.timezones.today(team_id, user_id, now=now),
                    now=now,
                    revision=metadata["revision"],
                )
        except MilestoneError as error:
            ack(response_action="errors", errors={blocks.DATE_BLOCK: error.message})
            return
        ack()
        announce(runtime, change)

    @app.view(blocks.CHANGES_VIEW)
    def changes_submitted(ack: Ack, body: dict, view: dict) -> None:
        metadata = json.loads(view["private_metadata"])
        team_id, user_id = team_of(body), body["user"]["id"]
        reason = _value(view, blocks.REASON_BLOCK, blocks.REASON_ACTION).get("value") or ""
        try:
            with session_scope(runtime.engine) as session:
                milestone = milestones.get(
                    session, team_id=team_id, milestone_id=metadata["milestone_id"]
                )
                change = milestones.request_changes(
                    session,
                    milestone=milestone,
                    user_id=user_id,
                    reason=reason,
                    now=runtime.clock(),
                    revision=metadata["revision"],
                )
        except MilestoneError as error:
            ack(response_action="errors", errors={blocks.REASON_BLOCK: error.message})
            return
        ack()
        announce(runtime, change)
