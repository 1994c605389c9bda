"""The message shortcut "Make it a milestone": the New milestone form, prefilled from the
message (its first line the title, the rest the definition of done), whose card will link
back to the message."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext, Respond
from slack_bolt.request import BoltRequest
from slack_sdk.errors import SlackClientError

from bot.domain import public_view
from bot.domain.errors import MilestoneError
from bot.listeners import forms
from bot.listeners.common import is_retry
from bot.listeners.context import runtime_of
from bot.listeners.parsing import Add, unescape
from bot.listeners.payloads import StalePayload, read_message_shortcut
from bot.metrics import note_refused
from bot.render import answers, blocks, milestone_modal
from bot.render.text import readable
from bot.slack.client import WorkspaceGone
from bot.store.db import session_scope

log = logging.getLogger(__name__)

MAKE_MILESTONE = "make_milestone"


def make_milestone(
    ack: Ack, context: BoltContext, body: dict, respond: Respond, request: BoltRequest
) -> None:
    runtime = runtime_of(context)
    ack()
    if is_retry(request):
        # The first delivery opened the form; its trigger is spent.
        return
    try:
        shortcut = read_message_shortcut(body)
    except StalePayload as error:
        log.warning("refused a message shortcut: %s", error)
        note_refused()
        return
    now = runtime.clock()
    with session_scope(runtime.engine) as session:
        names = public_view.names(session, shortcut.team_id, public_view.mentioned(shortcut.text))
    title, definition = milestone_modal.draft_from_message(unescape(readable(shortcut.text, names)))

    def tell(text: str) -> None:
        message = blocks.notice(text)
        respond(text=message["text"], blocks=message["blocks"], response_type="ephemeral")

    def open_form() -> None:
        # Asked before the form opens, so the form carries it to the card.
        try:
            source = runtime.messenger(shortcut.team_id).permalink(
                shortcut.channel_id, shortcut.message_ts
            )
        except (SlackClientError, OSError, WorkspaceGone, KeyError) as error:
            log.warning("no permalink for the message a milestone is made from: %r", error)
            source = None
        try:
            forms.open_milestone_modal(
                runtime,
                trigger_id=shortcut.trigger_id,
                team_id=shortcut.team_id,
                channel_id=shortcut.channel_id,
                user_id=shortcut.user_id,
                draft=Add(title=title),
                now=now,
                tell=tell,
                definition_of_done=definition,
                source=source,
            )
        except MilestoneError as error:
            tell(answers.refusal(error))

    runtime.background.submit(shortcut.user_id, open_form)


def register(app: App) -> None:
    app.shortcut(MAKE_MILESTONE)(make_milestone)
