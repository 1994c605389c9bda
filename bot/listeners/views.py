"""Modal submissions: reschedule, and the approver's request for changes."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext

from bot.delivery.announce import announce
from bot.domain import milestones
from bot.domain.errors import MilestoneError
from bot.listeners.common import refuse_stale_form
from bot.listeners.context import runtime_of
from bot.listeners.payloads import StalePayload, milestone_of, read_milestone_form
from bot.render import answers, blocks
from bot.store.db import session_scope


def reschedule_submitted(ack: Ack, context: BoltContext, body: dict, view: dict) -> None:
    runtime = runtime_of(context)
    now = runtime.clock()
    try:
        form = read_milestone_form(body, view)
        if form.due_date is None:
            ack(response_action="errors", errors={blocks.DATE_BLOCK: "Pick the new due date."})
            return
        with session_scope(runtime.engine) as session:
            milestone = milestone_of(session, team_id=form.team_id, milestone_id=form.milestone_id)
            change = milestones.reschedule(
                session,
                milestone=milestone,
                user_id=form.user_id,
                new_due_date=form.due_date,
                reason=form.reason,
                today=runtime.timezones.today(form.team_id, form.user_id, now=now),
                now=now,
                revision=form.revision,
            )
    except StalePayload as error:
        refuse_stale_form(ack, error, block_id=blocks.DATE_BLOCK)
        return
    except MilestoneError as error:
        ack(response_action="errors", errors={blocks.DATE_BLOCK: answers.refusal(error)})
        return
    ack()
    announce(runtime, change)


def changes_submitted(ack: Ack, context: BoltContext, body: dict, view: dict) -> None:
    runtime = runtime_of(context)
    try:
        form = read_milestone_form(body, view)
        with session_scope(runtime.engine) as session:
            milestone = milestone_of(session, team_id=form.team_id, milestone_id=form.milestone_id)
            change = milestones.request_changes(
                session,
                milestone=milestone,
                user_id=form.user_id,
                reason=form.reason or "",
                now=runtime.clock(),
                revision=form.revision,
            )
    except StalePayload as error:
        refuse_stale_form(ack, error, block_id=blocks.REASON_BLOCK)
        return
    except MilestoneError as error:
        ack(response_action="errors", errors={blocks.REASON_BLOCK: answers.refusal(error)})
        return
    ack()
    announce(runtime, change)


def register(app: App) -> None:
    app.view(blocks.RESCHEDULE_VIEW)(reschedule_submitted)
    app.view(blocks.CHANGES_VIEW)(changes_submitted)
