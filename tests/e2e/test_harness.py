"""The `bot` fixture hands its signed requests to the bot's WSGI app in this process: its answers
are the ones waitress gives the same bytes over a socket, so no test means less for it."""

from __future__ import annotations

import time

import pytest
import requests


def signature_headers(bot, signed_body: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": bot.verifier.generate_signature(timestamp=timestamp, body=signed_body),
    }


FORM = "application/x-www-form-urlencoded"
# Each: the body, its Content-Type, and what the signature is made for (None: unsigned).
REQUESTS = {
    "a signed command": lambda command: (command, FORM, command),
    "a forged signature": lambda command: (command, FORM, command + "&text=list"),
    "no signature": lambda command: (command, FORM, None),
    "a broken payload": lambda _command: ("payload=%7B", FORM, "payload=%7B"),
    "plain text": lambda _command: ("hello", "text/plain", "hello"),
    "an empty body": lambda _command: ("", FORM, ""),
}


@pytest.mark.parametrize("made", list(REQUESTS))
def test_in_process_answers_are_the_ones_waitress_gives(bot, made):
    body, content_type, signed_body = REQUESTS[made](bot.command_body("help"))
    headers = {"Content-Type": content_type}
    if signed_body is not None:
        headers |= signature_headers(bot, signed_body)

    direct = bot.post(body, content_type=content_type, signed=False, headers=headers)
    served = requests.post(
        f"{bot.url}/slack/events", data=body.encode(), headers=headers, timeout=10
    )

    assert (direct.status_code, direct.reason) == (served.status_code, served.reason)
    assert direct.text == served.text
    assert direct.headers["Content-Type"] == served.headers["Content-Type"]
    assert direct.headers["Content-Length"] == served.headers["Content-Length"]
    assert direct.encoding == served.encoding
