"""Workflow Builder steps: "Declare a milestone" and "Complete a milestone", Bolt function
listeners answering Slack's function_executed events.

Each step acts for the person its `user` input names (set it to "Person who used this
workflow"): they declare the milestone, and own it unless the `owner` input names someone else;
completing one follows the Mark complete button's rules for them. A step ends with
functions.completeSuccess and its outputs, or functions.completeError with the refusal the
slash command would give, once per function execution, however often Slack retries the event.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from slack_bolt import App, BoltContext, Complete, Fail
from slack_sdk.errors import SlackClientError

from bot.delivery.announce import announce
from bot.domain import channels, goals, milestones
from bot.domain.dates import parse_due_date
from bot.domain.errors import MilestoneError
from bot.listeners.context import runtime_of
from bot.logs import add_log_context
from bot.metrics import note_refused
from bot.render import answers
from bot.runtime import Runtime
from bot.slack.client import WorkspaceGone
from bot.store.claims import claim, mark_sent
from bot.store.db import session_scope
from bot.store.models import DeliveryKind, EventKind, Milestone

log = logging.getLogger(__name__)

# The steps' callback ids, as manifest.yml's `functions` names them.
DECLARE_STEP = "declare_milestone"
COMPLETE_STEP = "complete_milestone"


@dataclass
class Execution:
    """One run of a step: where, for whom, when, and how it ends."""

    runtime: Runtime
    team_id: str
    execution_id: str
    user_id: str
    inputs: dict
    now: datetime
    complete: Complete
    fail: Fail

    def text(self, name: str) -> str | None:
        """The input `name`, None when the workflow left it empty."""
        value = self.inputs.get(name)
        if value is None:
            return None
        return str(value).strip() or None

    def refuse(self, error: MilestoneError) -> None:
        note_refused()
        self.fail(answers.refusal(error))


def declare_milestone(context: BoltContext, event: dict, complete: Complete, fail: Fail) -> None:
    _run_once(context, event, complete, fail, _declare)


def complete_milestone(context: BoltContext, event: dict, complete: Complete, fail: Fail) -> None:
    _run_once(context, event, complete, fail, _complete)


def register(app: App) -> None:
    app.function(DECLARE_STEP)(declare_milestone)
    app.function(COMPLETE_STEP)(complete_milestone)


def _run_once(
    context: BoltContext,
    event: dict,
    complete: Complete,
    fail: Fail,
    work: Callable[[Execution], None],
) -> None:
    """Run `work` on the step's execution unless a retried event finds it claimed already;
    a refusal ends the step with completeError.

    The claim is committed on its own, before the work: a refused step is then not refused a
    second time by the retry, and a step that broke ends with completeError once.
    """
    runtime = runtime_of(context)
    now = runtime.clock()
    team_id = context.team_id or ""
    execution_id = event["function_execution_id"]
    with session_scope(runtime.engine) as session:
        won = claim(
            session,
            [
                {
                    "team_id": team_id,
                    "kind": DeliveryKind.WORKFLOW_STEP,
                    "key": execution_id,
                    "claimed_at": now,
                }
            ],
        )
    if not won:
        log.info("function execution %s retried: already run", execution_id)
        return
    [claim_id] = won.values()
    inputs = event.get("inputs") or {}
    execution = Execution(
        runtime=runtime,
        team_id=team_id,
        execution_id=execution_id,
        user_id=str(inputs.get("user") or ""),
        inputs=inputs,
        now=now,
        complete=complete,
        fail=fail,
    )
    try:
        work(execution)
    except MilestoneError as error:
        execution.refuse(error)
    except Exception:
        fail(answers.step_failed())
        raise
    finally:
        with session_scope(runtime.engine) as session:
            mark_sent(session, claim_id, now=now)


def _declare(execution: Execution) -> None:
    runtime = execution.runtime
    team_id, user_id = execution.team_id, execution.user_id
    channel_id = execution.text("channel") or ""
    goal_text = execution.text("goal")
    due_text = execution.text("due_date")
    today = runtime.timezones.today(team_id, user_id, now=execution.now)
    due_date = parse_due_date(due_text, today=today) if due_text else None
    with session_scope(runtime.engine) as session:
        goal = (
            goals.find_goal(session, team_id=team_id, channel_id=channel_id, text=goal_text)
            if goal_text
            else None
        )
        settings = channels.settings_for(session, team_id=team_id, channel_id=channel_id)
        change = milestones.declare(
            session,
            team_id=team_id,
            channel_id=channel_id,
            creator_id=user_id,
            title=execution.text("title") or "",
            due_date=due_date,
            owner_id=execution.text("owner"),
            approver_id=execution.text("approver"),
            today=today,
            now=execution.now,
            request_key=f"step:{execution.execution_id}",
            goal_id=goal.id if goal else None,
            separate_approvals=settings.separate_approvals,
        )
        add_log_context(milestone_id=change.milestone.id)
    gone: list[str] = []
    announce(runtime, change, on_channel_gone=gone.append, goal=goal)
    # The card is posted in the channel's lane of the background worker; this runs after it.
    runtime.background.submit(
        channel_id, lambda: _finish_declaring(execution, change.milestone.id, gone)
    )


def _finish_declaring(execution: Execution, milestone_id: int, gone: list[str]) -> None:
    """End the step with the card's permalink once the card is up, or say why it is not."""
    runtime = execution.runtime
    with session_scope(runtime.engine) as session:
        milestone = session.get(Milestone, milestone_id)
    if gone:
        execution.fail(answers.card_not_posted(milestone.reference, milestone.channel_id, gone[0]))
        return
    outputs = {"reference": milestone.reference}
    if milestone.announcement_ts:
        try:
            outputs["permalink"] = runtime.messenger(milestone.team_id).permalink(
                milestone.channel_id, milestone.announcement_ts
            )
        except (SlackClientError, OSError, WorkspaceGone, KeyError) as error:
            # The milestone and its card are there; only the link is missing from the outputs.
            log.warning("no permalink for a declared milestone's card: %r", error)
    execution.complete(outputs=outputs)


def _complete(execution: Execution) -> None:
    runtime = execution.runtime
    with session_scope(runtime.engine) as session:
        milestone = milestones.find_in_workspace(
            session, team_id=execution.team_id, reference=execution.text("reference") or ""
        )
        add_log_context(milestone_id=milestone.id)
        change = milestones.request_completion(
            session, milestone=milestone, user_id=execution.user_id, now=execution.now
        )
    announce(runtime, change)
    sent = change.kind == EventKind.COMPLETION_REQUESTED
    execution.complete(
        outputs={
            "reference": change.milestone.reference,
            "status": change.milestone.status,
            "sent_for_approval": sent,
        }
    )
