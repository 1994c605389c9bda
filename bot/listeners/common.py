"""Small helpers the listeners share: reading Slack's payloads, answering a button's presser,
refusing a payload the bot cannot act on, opening a form."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Ack, Respond
from slack_bolt.request import BoltRequest

from bot.delivery.announce import publish_home
from bot.listeners.payloads import StalePayload, presser
from bot.metrics import note_refused
from bot.render import blocks
from bot.runtime import Runtime
from bot.slack.client import TriggerGone

log = logging.getLogger(__name__)

OUT_OF_DATE = (
    "That button is out of date, so nothing was changed. "
    "`/milestone list` shows where things stand now."
)
FORM_OUT_OF_DATE = "This form is out of date, so nothing was changed. Close it and start again."
FORM_TOO_SLOW = "That form took too long to open. Please try again."


def is_retry(request: BoltRequest) -> bool:
    """Slack resends a request it thinks went unanswered, with x-slack-retry-num set."""
    return bool(request.headers.get("x-slack-retry-num"))


def team_of(body: dict) -> str:
    team = body.get("team") or {}
    return team.get("id") or body.get("user", {}).get("team_id") or body.get("team_id", "")


def tell_presser(runtime: Runtime, body: dict, respond: Respond, text: str) -> None:
    """A private answer to whoever pressed a button, after the ack: under the message, through
    its response URL, or at the top of their App Home when the button was on it (a Home has no
    response URL, and no channel for an ephemeral message)."""
    if not body.get("response_url"):
        publish_home(runtime, team_id=team_of(body), user_id=body["user"]["id"], notice=text)
        return
    message = blocks.notice(text)
    runtime.background.submit(
        "respond",
        lambda: respond(
            text=message["text"],
            blocks=message["blocks"],
            response_type="ephemeral",
            replace_original=False,
        ),
    )


def refuse_stale_press(
    runtime: Runtime, body: dict, ack: Ack, respond: Respond, error: StalePayload
) -> None:
    """A press the bot cannot act on: one warning line, and the presser told privately when
    the payload says who they are."""
    log.warning("refused a button press: %s", error)
    note_refused()
    ack()
    if presser(body) is not None:
        tell_presser(runtime, body, respond, OUT_OF_DATE)


def refuse_stale_form(ack: Ack, error: StalePayload, *, block_id: str) -> None:
    """A form the bot cannot act on: one warning line, and the reason shown on `block_id`."""
    log.warning("refused a form: %s", error)
    note_refused()
    ack(response_action="errors", errors={block_id: FORM_OUT_OF_DATE})


def refuse_stale_options(ack: Ack, error: StalePayload) -> None:
    """A menu's search the bot cannot read: one warning line, and no options."""
    log.warning("refused a menu's search: %s", error)
    ack(options=[])


def open_form(
    runtime: Runtime,
    *,
    team_id: str,
    user_id: str,
    trigger_id: str,
    view: dict,
    tell: Callable[[str], None],
) -> None:
    """views.open right after the ack, in order with the person's other work; a trigger that
    expired meanwhile (Slack was slow, or the request waited) is logged and `tell` says so."""

    def open_it() -> None:
        try:
            runtime.messenger(team_id).open_view(trigger_id, view)
        except TriggerGone as gone:
            log.warning("the form was not opened: Slack says %s", gone.code)
            tell(FORM_TOO_SLOW)

    runtime.background.submit(user_id, open_it)
