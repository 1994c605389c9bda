"""Slack listeners: the slash command's grammar (parsing), the request context and the
middleware, reading Slack's payloads, and one module per surface (commands, actions, views,
forms, events, shortcuts, Workflow Builder steps), each a set of module-level functions that
take the runtime from Bolt's context, with register(app). They may import every layer below
them: bot.delivery, bot.render, bot.slack, bot.domain and bot.store."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import (
    actions,
    commands,
    events,
    failures,
    forms,
    shortcuts,
    steps,
    views,
)
from bot.runtime import Runtime


def register_all(app: App, runtime: Runtime) -> None:
    commands.register(app)
    actions.register(app)
    views.register(app)
    forms.register(app)
    events.register(app)
    shortcuts.register(app)
    steps.register(app)
    # The error handler also answers requests that failed before any middleware put the
    # runtime in their context (a signature not checked yet), so it is given the runtime.
    failures.register(app, runtime)
