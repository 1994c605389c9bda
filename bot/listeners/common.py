"""Small helpers the listeners share: reading Slack's payloads, answering a button's presser."""

from __future__ import annotations

from slack_bolt import Respond
from slack_bolt.request import BoltRequest

from bot import blocks
from bot.announce import publish_home
from bot.runtime import Runtime


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
