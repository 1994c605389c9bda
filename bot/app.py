"""build_app: the Bolt app with every listener registered."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import register_all
from bot.runtime import Runtime


def build_app(runtime: Runtime) -> App:
    settings = runtime.settings
    app = App(
        client=runtime.messenger.client,
        signing_secret=settings.slack_signing_secret or "",
        # Socket Mode needs no signatures: the connection itself is authenticated.
        request_verification_enabled=not settings.socket_mode,
        # Listeners ack in the request thread after their (fast) database work, and leave
        # Slack calls to the background worker: no polling for the ack, no Slack round trip
        # before the HTTP answer.
        process_before_response=True,
    )
    register_all(app, runtime)
    return app
