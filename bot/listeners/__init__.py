"""Slack listeners, one module per surface; each has register(app, runtime)."""

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
