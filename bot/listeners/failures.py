"""Requests that fail unexpectedly (the database is unreachable, a write is refused): the
person is told privately that nothing was changed and to try again, in one place.

Listeners write in one transaction and answer after it commits, so a failure before the answer
left nothing behind: session_scope rolled it back.

Only a request Slack signed (or one that came over the Socket Mode connection) is answered: the
handler also sees requests that failed before their signature was checked, and answering one
would post to whatever response_url its sender chose.
"""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltResponse, Respond
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.listeners.common import tell_presser
from bot.metrics import note_failed
from bot.render import blocks
from bot.runtime import Runtime
from bot.slack import signatures
from bot.store.db import waited_too_long

log = logging.getLogger(__name__)

TRY_AGAIN = "Something went wrong on my side, so nothing was changed. Please try again in a moment."


def register(app: App, runtime: Runtime) -> None:
    verifier = signatures.verifier(runtime.settings.slack_signing_secret)

    @app.error
    def request_failed(
        error: Exception, body: dict, request: BoltRequest, ack: Ack, respond: Respond
    ) -> BoltResponse | None:
        problem = _unverified(verifier, request)
        if problem is not None:
            log.warning("refused a request with %s (%s)", problem, type(error).__name__)
            return BoltResponse(status=401, body="")
        note_failed()
        answered = request.context.ack.response
        if answered is not None:
            # The change was saved and answered; what failed came after (and is logged).
            log.error("request failed after its answer", exc_info=error)
            return answered
        if waited_too_long(error):
            # A busy database, not a broken one: the person tries again in a moment.
            log.warning("the database was busy (%s); nothing was changed", _first_line(error))
        else:
            log.error("request failed; nothing was changed", exc_info=error)
        if body.get("command"):
            ack(**blocks.notice(TRY_AGAIN))
        elif body.get("type") == "block_actions":
            ack()
            tell_presser(runtime, body, respond, TRY_AGAIN)
        elif body.get("type") == "view_submission":
            field = _first_input(body["view"])
            if field is None:
                return None
            # Shown on the form, which stays open with what they typed.
            ack(response_action="errors", errors={field: TRY_AGAIN})
        else:
            # Events and option lists: Slack retries the event, or shows the menu failed.
            return None
        return request.context.ack.response


def _unverified(verifier: SignatureVerifier | None, request: BoltRequest) -> str | None:
    if request.mode == "socket_mode":
        return None
    return signatures.signature_problem(
        verifier,
        body=request.raw_body,
        timestamp=_header(request, "x-slack-request-timestamp"),
        signature=_header(request, "x-slack-signature"),
    )


def _header(request: BoltRequest, name: str) -> str | None:
    values = request.headers.get(name) or [None]
    return values[0]


def _first_input(view: dict) -> str | None:
    for block in view.get("blocks", []):
        if block.get("type") == "input" and block.get("block_id"):
            return block["block_id"]
    return None


def _first_line(error: BaseException) -> str:
    cause = getattr(error, "orig", None) or error
    return str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
