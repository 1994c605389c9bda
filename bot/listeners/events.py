"""Events API listeners: the App Home."""

from __future__ import annotations

from slack_bolt import App

from bot.runtime import Runtime


def register(app: App, runtime: Runtime) -> None:
    """Registered by the App Home work (issue 3)."""
