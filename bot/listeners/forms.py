"""The "New milestone" and "Edit milestone" modals."""

from __future__ import annotations

from datetime import datetime

from bot.parsing import Add
from bot.runtime import Runtime


def open_milestone_modal(
    runtime: Runtime,
    *,
    trigger_id: str | None,
    team_id: str,
    channel_id: str,
    user_id: str,
    draft: Add | None,
    now: datetime,
    milestone_id: int | None = None,
) -> None:
    raise NotImplementedError


def register(app, runtime: Runtime) -> None:
    """Registered by the modal work (issue 3)."""
