"""`milestone-bot serve` in a process of its own: its environment, and requests signed with its
signing secret."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import requests
from slack_sdk.signature import SignatureVerifier

from tests.support.botprocess import environment, free_port
from tests.support.harness import slash_command_fields

SIGNING_SECRET = "serve-signing-secret"
BOT_TOKEN = "xoxb-serve-token"


def serve_environment(tmp_path, slack) -> dict[str, str]:
    return environment(
        tmp_path,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'milestones.db'}",
        PORT=str(free_port()),
    )


def post_signed(
    url: str, body: str, *, secret: str = SIGNING_SECRET, timeout: float = 10
) -> requests.Response:
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return requests.post(
        f"{url}/slack/events",
        data=body.encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature,
        },
        timeout=timeout,
    )


def slash_command(text: str, slack) -> str:
    """A /milestone command, form-encoded as Slack sends it."""
    return urlencode(slash_command_fields(text, response_url=slack.response_url("command")))
