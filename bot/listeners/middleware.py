"""The middleware that runs before every listener: the runtime put in Bolt's context, each
workspace noted the first time this process hears from it, and a paused channel resumed when
someone uses /milestone in it. app.py registers them, with the rest of the app's middleware."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.domain import channels, workspaces
from bot.listeners import events
from bot.listeners.context import KNOWN_WORKSPACES, RUNTIME, runtime_of
from bot.runtime import Runtime
from bot.store.db import session_scope


class ProvideRuntime(Middleware):
    """Puts the runtime in each request's context, where every listener takes it from."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        req.context[RUNTIME] = self.runtime
        return next()


class KnownWorkspaces(Middleware):
    """Notes each workspace (and its organisation) the first time this process hears it; the
    listener of a workspace leaving makes it forget them (context.known_workspaces)."""

    def __init__(self) -> None:
        self._known: set[str] = set()
        self._lock = threading.Lock()

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        context, body = req.context, req.body
        context[KNOWN_WORKSPACES] = self
        runtime = runtime_of(context)
        team_id = context.team_id
        event_type = (body.get("event") or {}).get("type")
        with self._lock:
            new = bool(team_id) and team_id not in self._known and event_type not in events.LEAVING
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
            with self._lock:
                self._known.add(team_id)
        return next()

    def forget(self, team_ids: list[str]) -> None:
        with self._lock:
            self._known.difference_update(team_ids)


class ResumeChannels(Middleware):
    """Someone using /milestone in a paused channel shows the bot can post there again.

    The paused channels are read from the database at most every FRESH_FOR seconds, so that
    a command does not pay a query to learn what is almost always "not paused". A channel
    paused by another process just now is noticed at the next read."""

    FRESH_FOR = timedelta(seconds=30)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._read_at: datetime | None = None
        self._paused: set[tuple[str, str]] = set()

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        body = req.body
        if body.get("command") and body.get("channel_id"):
            runtime = runtime_of(req.context)
            key = (body.get("team_id", ""), body["channel_id"])
            if self._is_paused(runtime, key):
                events.resume(runtime, team_id=key[0], channel_id=key[1])
                with self._lock:
                    self._paused.discard(key)
        return next()

    def _is_paused(self, runtime: Runtime, key: tuple[str, str]) -> bool:
        now = runtime.clock()
        with self._lock:
            fresh = self._read_at is not None and now - self._read_at < self.FRESH_FOR
            if fresh:
                return key in self._paused
        with session_scope(runtime.engine) as session:
            found = channels.paused(session)
        with self._lock:
            self._paused, self._read_at = found, now
            return key in found
