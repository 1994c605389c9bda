"""Events API listeners: the App Home, the bot added back to a channel, and the app leaving a
workspace."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext
from sqlalchemy.exc import IntegrityError

from bot.delivery.announce import publish_home
from bot.domain import channels, dashboard, workspaces
from bot.listeners.context import KNOWN_WORKSPACES, runtime_of
from bot.listeners.payloads import StalePayload, event_field, team_id_of
from bot.runtime import Runtime
from bot.store.db import session_scope

log = logging.getLogger(__name__)

HOME_TAB = "home"
# Events that say the bot may no longer speak in a workspace: the middleware does not note the
# workspace as known on them.
LEAVING = ("app_uninstalled", "tokens_revoked")


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
        resume(runtime_of(context), team_id=team_id, channel_id=channel_id)


def home_opened(ack: Ack, context: BoltContext, body: dict, event: dict) -> None:
    ack()
    # The Messages tab fires this event too; it has nothing of ours to show.
    if event.get("tab") != HOME_TAB:
        return
    try:
        team_id, user_id = team_id_of(body), event_field(event, "user")
    except StalePayload as error:
        _ignore(event, error)
        return
    runtime = runtime_of(context)
    try:
        with session_scope(runtime.engine) as session:
            dashboard.record_opened(session, team_id=team_id, user_id=user_id, now=runtime.clock())
    except IntegrityError:
        pass  # a retry of this event, handled elsewhere at the same moment, noted it first
    publish_home(runtime, team_id=team_id, user_id=user_id)


def app_uninstalled(ack: Ack, context: BoltContext, body: dict) -> None:
    ack()
    _stop_serving(context, body)


def tokens_revoked(ack: Ack, context: BoltContext, body: dict, event: dict) -> None:
    ack()
    try:
        tokens = event_field(event, "tokens", dict)
    except StalePayload as error:
        _ignore(event, error)
        return
    # User tokens are not the bot's; only a revoked bot token silences it.
    if tokens.get("bot"):
        _stop_serving(context, body)


def register(app: App) -> None:
    app.event("member_joined_channel")(member_joined)
    app.event("app_home_opened")(home_opened)
    app.event("app_uninstalled")(app_uninstalled)
    app.event("tokens_revoked")(tokens_revoked)


def _stop_serving(context: BoltContext, body: dict) -> None:
    runtime = runtime_of(context)
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
    context[KNOWN_WORKSPACES].forget(teams)
    log.info("stopped serving %s: the app was removed", ", ".join(teams) or enterprise_id)


def _ignore(event: dict, error: StalePayload) -> None:
    log.warning("ignored a %s event: %s", event.get("type"), error)


def resume(runtime: Runtime, *, team_id: str, channel_id: str) -> None:
    with session_scope(runtime.engine) as session:
        resumed = channels.resume(session, team_id=team_id, channel_id=channel_id)
    if resumed:
        log.info("channel %s resumed: the bot can post there again", channel_id)
