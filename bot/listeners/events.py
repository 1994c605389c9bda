"""Events API listeners: the App Home, and the app leaving a workspace."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from slack_bolt import Ack, App, BoltContext
from sqlalchemy.exc import IntegrityError

from bot.delivery.announce import publish_home
from bot.domain import channels, dashboard, workspaces
from bot.listeners.payloads import StalePayload, event_field, team_id_of
from bot.runtime import Runtime
from bot.store.db import session_scope

log = logging.getLogger(__name__)

HOME_TAB = "home"
# Events that say the bot may no longer speak in a workspace.
LEAVING = ("app_uninstalled", "tokens_revoked")


def register(app: App, runtime: Runtime) -> None:
    known: set[str] = set()
    known_lock = threading.Lock()

    @app.middleware
    def remember_workspace(context: BoltContext, body: dict, next) -> None:  # noqa: A002
        """Note each workspace (and its organisation) the first time this process hears it."""
        team_id = context.team_id
        event_type = (body.get("event") or {}).get("type")
        with known_lock:
            new = bool(team_id) and team_id not in known and event_type not in LEAVING
        if new:
            with session_scope(runtime.engine) as session:
                # With one bot token, a request proves the app is installed (again): Slack sends
                # none from a workspace that removed it. With OAuth, installing says so.
                note = workspaces.seen if runtime.slack.multi_workspace else workspaces.installed
                note(
                    session,
                    team_id=team_id,
                    enterprise_id=context.enterprise_id,
                    org_install=bool(context.is_enterprise_install),
                    now=runtime.clock(),
                )
            runtime.slack.forget_workspace(team_id)
            with known_lock:
                known.add(team_id)
        next()

    paused = PausedChannels(runtime)

    @app.middleware
    def resume_channel(body: dict, next) -> None:  # noqa: A002
        """Someone using /milestone in a paused channel shows the bot can post there again."""
        if body.get("command") and body.get("channel_id"):
            key = (body.get("team_id", ""), body["channel_id"])
            if key in paused:
                _resume(runtime, team_id=key[0], channel_id=key[1])
                paused.forget(key)
        next()

    @app.event("member_joined_channel")
    def member_joined(ack: Ack, context: BoltContext, event: dict) -> None:
        ack()
        try:
            channel_id = event_field(event, "channel")
            team_id = event_field(event, "team") if "team" in event else context.team_id
        except StalePayload as error:
            _ignore(event, error)
            return
        # Added back to a channel it was removed from: its sweeps go on there.
        if event.get("user") == context.bot_user_id:
            _resume(runtime, team_id=team_id, channel_id=channel_id)

    @app.event("app_home_opened")
    def home_opened(ack: Ack, body: dict, event: dict) -> None:
        ack()
        # The Messages tab fires this event too; it has nothing of ours to show.
        if event.get("tab") != HOME_TAB:
            return
        try:
            team_id, user_id = team_id_of(body), event_field(event, "user")
        except StalePayload as error:
            _ignore(event, error)
            return
        try:
            with session_scope(runtime.engine) as session:
                dashboard.record_opened(
                    session, team_id=team_id, user_id=user_id, now=runtime.clock()
                )
        except IntegrityError:
            pass  # a retry of this event, handled elsewhere at the same moment, noted it first
        publish_home(runtime, team_id=team_id, user_id=user_id)

    def stop_serving(context: BoltContext, body: dict) -> None:
        enterprise_id = context.enterprise_id or body.get("enterprise_id")
        team_id = context.team_id or body.get("team_id")
        org_wide = bool(context.is_enterprise_install or body.get("is_enterprise_install"))
        with session_scope(runtime.engine) as session:
            if org_wide and enterprise_id:
                teams = workspaces.in_organisation(session, enterprise_id=enterprise_id)
            else:
                teams = [team_id] if team_id else []
            workspaces.uninstalled(session, team_ids=teams, now=runtime.clock())
        runtime.slack.forget(enterprise_id=enterprise_id, team_id=None if org_wide else team_id)
        for team in teams:
            runtime.slack.forget_workspace(team)
        with known_lock:
            known.difference_update(teams)
        log.info("stopped serving %s: the app was removed", ", ".join(teams) or enterprise_id)

    @app.event("app_uninstalled")
    def app_uninstalled(ack: Ack, context: BoltContext, body: dict) -> None:
        ack()
        stop_serving(context, body)

    @app.event("tokens_revoked")
    def tokens_revoked(ack: Ack, context: BoltContext, body: dict, event: dict) -> None:
        ack()
        try:
            tokens = event_field(event, "tokens", dict)
        except StalePayload as error:
            _ignore(event, error)
            return
        # User tokens are not the bot's; only a revoked bot token silences it.
        if tokens.get("bot"):
            stop_serving(context, body)


class PausedChannels:
    """The paused channels, read from the database at most every FRESH_FOR seconds, so that
    a command does not pay a query to learn what is almost always "not paused". A channel
    paused by another process just now is noticed at the next read."""

    FRESH_FOR = timedelta(seconds=30)

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._lock = threading.Lock()
        self._read_at: datetime | None = None
        self._paused: set[tuple[str, str]] = set()

    def __contains__(self, key: tuple[str, str]) -> bool:
        now = self._runtime.clock()
        with self._lock:
            fresh = self._read_at is not None and now - self._read_at < self.FRESH_FOR
            if fresh:
                return key in self._paused
        with session_scope(self._runtime.engine) as session:
            found = channels.paused(session)
        with self._lock:
            self._paused, self._read_at = found, now
            return key in found

    def forget(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._paused.discard(key)


def _ignore(event: dict, error: StalePayload) -> None:
    log.warning("ignored a %s event: %s", event.get("type"), error)


def _resume(runtime: Runtime, *, team_id: str, channel_id: str) -> None:
    with session_scope(runtime.engine) as session:
        resumed = channels.resume(session, team_id=team_id, channel_id=channel_id)
    if resumed:
        log.info("channel %s resumed: the bot can post there again", channel_id)
