"""build_app: the Bolt app with every listener registered."""

from __future__ import annotations

from threading import Thread
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.oauth_settings import OAuthSettings

from bot.domain import titles
from bot.listeners import register_all
from bot.listeners.context import observed, request_ids
from bot.listeners.middleware import KnownWorkspaces, ProvideRuntime, ResumeChannels
from bot.listeners.payloads import well_formed
from bot.runtime import Runtime
from bot.slack import signatures
from bot.slack.installations import BOT_SCOPES, INSTALL_PATH, REDIRECT_PATH
from bot.store.db import answering_request


class MilestoneApp(App):
    """Bolt's App, handling each request in a context of its own (the ids its log lines
    carry), counted, timed and logged, its transactions waiting briefly for locks; over HTTP
    and Socket Mode alike.

    It keeps its signature verifier for the web server, which checks each request before Bolt
    parses it, and the names its listeners listen for, the only ones counted by name.
    """

    def __init__(self, *, signing_secret: str, **kwargs: Any) -> None:
        self.listened_names: set[str] = set()
        self.verifier = signatures.verifier(signing_secret)
        # Bolt names an app after the file that made it, found by reading the whole call stack
        # (inspect.stack(), slow under a deep one); this file's name, given, is the same name.
        kwargs.setdefault("name", "app.py")
        super().__init__(signing_secret=signing_secret, **kwargs)

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        with answering_request():
            return observed(self._dispatch_well_formed, req, names=self.listened_names)

    def _dispatch_well_formed(self, req: BoltRequest) -> BoltResponse:
        return well_formed(super().dispatch, req)

    def action(self, constraints: Any, *args: Any, **kwargs: Any) -> Any:
        self._listens_for(constraints)
        return super().action(constraints, *args, **kwargs)

    def view(self, constraints: Any, *args: Any, **kwargs: Any) -> Any:
        self._listens_for(constraints)
        return super().view(constraints, *args, **kwargs)

    def options(self, constraints: Any, *args: Any, **kwargs: Any) -> Any:
        self._listens_for(constraints)
        return super().options(constraints, *args, **kwargs)

    def shortcut(self, constraints: Any, *args: Any, **kwargs: Any) -> Any:
        self._listens_for(constraints)
        return super().shortcut(constraints, *args, **kwargs)

    def function(self, callback_id: Any, *args: Any, **kwargs: Any) -> Any:
        self._listens_for(callback_id)
        return super().function(callback_id, *args, **kwargs)

    def event(self, event: Any, *args: Any, **kwargs: Any) -> Any:
        self._listens_for(event)
        return super().event(event, *args, **kwargs)

    def _listens_for(self, constraints: Any) -> None:
        # The bot listens by plain names; a pattern or a dict names no label value.
        if isinstance(constraints, str):
            self.listened_names.add(constraints)


def build_app(runtime: Runtime) -> MilestoneApp:
    settings = runtime.settings
    slack = runtime.slack
    oauth = {}
    if slack.multi_workspace:
        oauth = {
            "oauth_flow": OAuthFlow(
                client=slack.client,
                settings=OAuthSettings(
                    client_id=settings.slack_client_id,
                    client_secret=settings.slack_client_secret,
                    scopes=list(BOT_SCOPES),
                    installation_store=slack.installation_store,
                    installation_store_bot_only=True,
                    state_store=slack.state_store,
                    install_path=INSTALL_PATH,
                    redirect_uri_path=REDIRECT_PATH,
                ),
            ),
            # Tokens from the installation store, refreshed when expiring, with no auth.test
            # call in the way of each request's answer.
            "authorize": slack.authorize(),
        }
    app = MilestoneApp(
        client=slack.client,
        signing_secret=settings.slack_signing_secret or "",
        # Socket Mode needs no signatures: the connection itself is authenticated.
        request_verification_enabled=not settings.socket_mode,
        # Listeners ack in the request thread after their (fast) database work, and leave
        # Slack calls to the background worker: no polling for the ack, no Slack round trip
        # before the HTTP answer.
        process_before_response=True,
        **oauth,
    )
    # Every middleware of the app, in the order it runs (after Bolt's own checks; broken
    # frames were answered before them, in dispatch).
    app.use(request_ids)
    # The listeners take the runtime from the context.
    app.use(ProvideRuntime(runtime))
    app.use(KnownWorkspaces())
    app.use(ResumeChannels())
    register_all(app, runtime)
    # The coach's lexicon is read in the background now, not during the first `add`.
    Thread(target=titles.warm, name="coach-lexicon", daemon=True).start()
    return app
