"""Telling Slack about a change: the channel card, celebrations, approval DMs.

Runs on the background worker, after the HTTP answer; it re-reads the milestone so the card
always shows the latest state, whatever order changes arrived in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot import blocks
from bot.db import session_scope
from bot.milestones import Change, record_announcement
from bot.models import Milestone
from bot.runtime import Runtime
from bot.slack import CHANNEL_GONE, slack_error

log = logging.getLogger(__name__)

ApprovalMessage = tuple[str, str]  # (DM channel, ts) of the approver's request message


def announce(
    runtime: Runtime,
    change: Change,
    *,
    approval_message: ApprovalMessage | None = None,
    on_channel_gone: Callable[[str], None] | None = None,
) -> None:
    """Queue the Slack side of `change`; `on_channel_gone` hears if the channel is out of reach."""
    if change.repeated:
        return

    def deliver() -> None:
        try:
            _deliver(runtime, change, approval_message)
        except Exception as error:
            if slack_error(error) in CHANNEL_GONE and on_channel_gone is not None:
                on_channel_gone(slack_error(error))
            else:
                raise

    runtime.background.submit(change.milestone.channel_id, deliver)


def _current(runtime: Runtime, milestone_id: int) -> Milestone:
    with session_scope(runtime.engine) as session:
        return session.get(Milestone, milestone_id)


def _deliver(runtime: Runtime, change: Change, approval_message: ApprovalMessage | None) -> None:
    messenger = runtime.messenger
    milestone = _current(runtime, change.milestone.id)
    channel = milestone.channel_id
    if change.kind == "declared":
        ts = messenger.post(channel, blocks.announcement(milestone))
        with session_scope(runtime.engine) as session:
            record_announcement(session, milestone_id=milestone.id, ts=ts)
        return
    if milestone.announcement_ts:
        messenger.update(channel, milestone.announcement_ts, blocks.announcement(milestone))
    # The change as it happened, for the messages below (the card shows the latest state).
    changed = change.milestone
    if change.kind == "completion_requested":
        messenger.direct_message(changed.approver_id, blocks.approval_request(changed))
    elif change.kind == "reached":
        messenger.post(channel, blocks.celebration(changed), thread_ts=milestone.announcement_ts)
        if approval_message:
            messenger.update(
                *approval_message, blocks.approval_decided(changed, decision="approved")
            )
    elif change.kind == "changes_requested":
        messenger.direct_message(
            changed.owner_id,
            blocks.changes_requested(changed, approver_id=change.actor_id, reason=change.reason),
        )
        if approval_message:
            messenger.update(
                *approval_message,
                blocks.approval_decided(
                    changed, decision="changes requested", reason=change.reason
                ),
            )
    elif change.kind == "rescheduled":
        messenger.post(
            channel,
            blocks.rescheduled(changed, old_due_date=change.old_due_date, reason=change.reason),
            thread_ts=milestone.announcement_ts,
            broadcast=True,
        )
    elif change.kind == "cancelled":
        messenger.post(
            channel,
            blocks.cancelled(changed, actor_id=change.actor_id, reason=change.reason),
            thread_ts=milestone.announcement_ts,
            broadcast=True,
        )
