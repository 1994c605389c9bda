"""Per-channel settings: when the weekly status posts."""

from __future__ import annotations

from datetime import time

from sqlmodel import Session

from bot.errors import InvalidCommand
from bot.models import ChannelSettings
from bot.people import is_zone
from bot.text import quote


def settings_for(session: Session, *, team_id: str, channel_id: str) -> ChannelSettings:
    existing = session.get(ChannelSettings, (team_id, channel_id))
    return existing or ChannelSettings(team_id=team_id, channel_id=channel_id)


def update_digest(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    enabled: bool,
    weekday: int | None = None,
    at: time | None = None,
    timezone: str | None = None,
) -> ChannelSettings:
    if timezone is not None and not is_zone(timezone):
        raise InvalidCommand(
            f"{quote(timezone)} is not a time zone I know. Use an IANA name such as "
            "Europe/Paris, America/New_York or UTC."
        )
    settings = settings_for(session, team_id=team_id, channel_id=channel_id)
    settings.digest_enabled = enabled
    if weekday is not None:
        settings.digest_weekday = weekday
    if at is not None:
        settings.digest_time = at.strftime("%H:%M")
    if timezone is not None:
        settings.digest_timezone = timezone
    return session.merge(settings)
