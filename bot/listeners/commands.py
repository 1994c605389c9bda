"""The /milestone slash command: parse, call the service, answer, announce after the ack."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time

from slack_bolt import Ack, App, Respond

from bot import blocks, channels, digest, milestones, parsing
from bot.announce import announce
from bot.dates import parse_due_date
from bot.db import session_scope
from bot.errors import MilestoneError
from bot.people import local_date
from bot.runtime import Runtime
from bot.slack import CHANNEL_GONE, slack_error
from bot.status import WINDOW

log = logging.getLogger(__name__)

COMMAND = "/milestone"


def register(app: App, runtime: Runtime) -> None:
    @app.command(COMMAND)
    def milestone_command(ack: Ack, command: dict, respond: Respond) -> None:
        call = Call(
            runtime=runtime,
            ack=ack,
            respond=respond,
            team_id=command["team_id"],
            channel_id=command["channel_id"],
            user_id=command["user_id"],
            request_key=command.get("trigger_id"),
            now=runtime.clock(),
        )
        try:
            parsed = parsing.parse_command(command.get("text", ""))
            HANDLERS[type(parsed)](call, parsed)
        except MilestoneError as error:
            ack(**blocks.notice(error.message))


@dataclass
class Call:
    """One /milestone invocation: who, where, when, and how to answer."""

    runtime: Runtime
    ack: Ack
    respond: Respond
    team_id: str
    channel_id: str
    user_id: str
    request_key: str | None
    now: datetime

    def today(self):
        return self.runtime.timezones.today(self.team_id, self.user_id, now=self.now)

    def tell_later(self, message: blocks.Message) -> None:
        """A private answer after the ack, through the command's response URL."""
        self.respond(text=message["text"], blocks=message["blocks"], response_type="ephemeral")

    def channel_gone(self, reference: str) -> Callable[[str], None]:
        def tell(error: str) -> None:
            self.tell_later(
                blocks.notice(
                    f"{reference} is saved, but I can't post in this channel ({error}). "
                    "Invite me with `/invite @Milestones`, then try again."
                )
            )

        return tell


def _find(call: Call, session, reference: str):
    return milestones.find(
        session, team_id=call.team_id, channel_id=call.channel_id, reference=reference
    )


def handle_help(call: Call, command: parsing.Help) -> None:
    call.ack(**blocks.help_message(command.problem))


def handle_add(call: Call, command: parsing.Add) -> None:
    today = call.today()
    due_date = parse_due_date(command.due_text, today=today) if command.due_text else None
    with session_scope(call.runtime.engine) as session:
        change = milestones.declare(
            session,
            team_id=call.team_id,
            channel_id=call.channel_id,
            creator_id=call.user_id,
            title=command.title,
            due_date=due_date,
            owner_id=command.owner_id,
            approver_id=command.approver_id,
            today=today,
            now=call.now,
            request_key=call.request_key,
        )
    call.ack()
    announce(call.runtime, change, on_channel_gone=call.channel_gone(change.milestone.reference))


def handle_list(call: Call, command: parsing.ListMilestones) -> None:
    today = call.today()
    with session_scope(call.runtime.engine) as session:
        found = milestones.list_channel(
            session,
            team_id=call.team_id,
            channel_id=call.channel_id,
            scope=command.scope,
            user_id=call.user_id,
            today=today,
        )
    call.ack(**blocks.milestone_list(found, scope=command.scope, today=today))


def handle_done(call: Call, command: parsing.Done) -> None:
    with session_scope(call.runtime.engine) as session:
        milestone = _find(call, session, command.reference)
        change = milestones.request_completion(
            session, milestone=milestone, user_id=call.user_id, now=call.now
        )
    if change.kind == "completion_requested":
        call.ack(**blocks.notice(blocks.sent_for_approval(change.milestone)))
    else:
        call.ack()
    announce(call.runtime, change, on_channel_gone=call.channel_gone(change.milestone.reference))


def handle_reschedule(call: Call, command: parsing.Reschedule) -> None:
    today = call.today()
    new_due_date = parse_due_date(command.due_text, today=today)
    with session_scope(call.runtime.engine) as session:
        milestone = _find(call, session, command.reference)
        change = milestones.reschedule(
            session,
            milestone=milestone,
            user_id=call.user_id,
            new_due_date=new_due_date,
            reason=command.reason,
            today=today,
            now=call.now,
        )
    call.ack()
    announce(call.runtime, change, on_channel_gone=call.channel_gone(change.milestone.reference))


def handle_cancel(call: Call, command: parsing.Cancel) -> None:
    with session_scope(call.runtime.engine) as session:
        milestone = _find(call, session, command.reference)
        change = milestones.cancel(
            session, milestone=milestone, user_id=call.user_id, reason=command.reason, now=call.now
        )
    call.ack()
    announce(call.runtime, change, on_channel_gone=call.channel_gone(change.milestone.reference))


def handle_status(call: Call, command: parsing.Status) -> None:
    runtime = call.runtime
    with session_scope(runtime.engine) as session:
        settings = channels.settings_for(session, team_id=call.team_id, channel_id=call.channel_id)
        zone = digest.channel_zone(settings, runtime.settings.default_timezone)
        status = digest.compose(
            session,
            team_id=call.team_id,
            channel_id=call.channel_id,
            today=local_date(call.now, zone),
            zone=zone,
            reached_since=call.now - WINDOW,
        )
    call.ack()

    def post() -> None:
        try:
            for message in blocks.weekly_status(status):
                runtime.messenger.post(call.channel_id, message)
        except Exception as error:
            if slack_error(error) not in CHANNEL_GONE:
                raise
            call.tell_later(
                blocks.notice(
                    "I can't post in this channel yet. Invite me with `/invite @Milestones`, "
                    "then try `/milestone status` again."
                )
            )

    runtime.background.submit(call.channel_id, post)


def handle_settings(call: Call, command: parsing.DigestSettings) -> None:
    with session_scope(call.runtime.engine) as session:
        if command.show:
            settings = channels.settings_for(
                session, team_id=call.team_id, channel_id=call.channel_id
            )
        else:
            settings = channels.update_digest(
                session,
                team_id=call.team_id,
                channel_id=call.channel_id,
                enabled=command.enabled,
                weekday=command.weekday,
                at=command.at,
                timezone=command.timezone,
            )
    timezone = settings.digest_timezone or call.runtime.settings.default_timezone
    call.ack(
        **blocks.digest_settings(
            enabled=settings.digest_enabled,
            weekday=settings.digest_weekday,
            at=time.fromisoformat(settings.digest_time),
            timezone=timezone,
        )
    )


HANDLERS: dict[type, Callable] = {
    parsing.Help: handle_help,
    parsing.Add: handle_add,
    parsing.ListMilestones: handle_list,
    parsing.Done: handle_done,
    parsing.Reschedule: handle_reschedule,
    parsing.Cancel: handle_cancel,
    parsing.Status: handle_status,
    parsing.DigestSettings: handle_settings,
}
