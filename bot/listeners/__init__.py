"""Slack listeners: the slash command's grammar (parsing), the request context, reading
Slack's payloads, and one module per surface (commands, actions, views, forms, events,
failures), each with register(app, runtime). They may import every layer below them:
bot.delivery, bot.render, bot.slack, bot.domain and bot.store."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import actions, commands, events, failures, forms, views
from bot.runtime import Runtime


def register_all(app: App, runtime: Runtime) -> None:
    commands.register(app, runtime)
    actions.register(app, runtime)
    views.register(app, runtime)
    forms.register(app, runtime)
    events.register(app, runtime)
    failures.register(app, runtime)
