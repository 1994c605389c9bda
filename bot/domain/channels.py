"""Per-channel settings: when the weekly status posts, where nudges go, and who may change
them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time

from sqlmodel import Session, col, select

from bot.domain.coach import RULE_IDS
from bot.domain.errors import NotManager, UnknownCoachRule, UnknownTimeZone
from bot.domain.people import is_zone
from bot.store.models import ChannelSettings, NudgeRoute


def settings_for(session: Session, *, team_id: str, channel_id: str) -> ChannelSettings:
    existing = session.get(ChannelSettings, (team_id, channel_id))
    return existing or ChannelSettings(team_id=team_id, channel_id=channel_id)


def managers_of(settings: ChannelSettings) -> list[str]:
    """Who may change the channel's settings (besides workspace admins); empty: anyone."""
    return [user_id for user_id in settings.managers.split(",") if user_id]


def ensure_may_change(
    settings: ChannelSettings, *, user_id: str, is_admin: Callable[[], bool]
) -> None:
    """Raise NotManager unless `user_id` may change these settings; `is_admin` (a question to
    Slack) is asked only when the channel has managers and `user_id` is not one of them."""
    managers = managers_of(settings)
    if not managers or user_id in managers or is_admin():
        return
    raise NotManager(managers)


def set_managers(
    session: Session, *, team_id: str, channel_id: str, user_ids: tuple[str, ...]
) -> ChannelSettings:
    """Only `user_ids` (and workspace admins) may change the settings from now on; none: anyone."""
    return update(session, team_id=team_id, channel_id=channel_id, managers=",".join(user_ids))


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
        raise UnknownTimeZone(timezone)
    settings = settings_for(session, team_id=team_id, channel_id=channel_id)
    settings.digest_enabled = enabled
    if weekday is not None:
        settings.digest_weekday = weekday
    if at is not None:
        settings.digest_time = at.strftime("%H:%M")
    if timezone is not None:
        settings.digest_timezone = timezone
    return session.merge(settings)


def update(session: Session, *, team_id: str, channel_id: str, **values: object) -> ChannelSettings:
    """Set any of the channel's settings by field name (values already validated by parsing)."""
    settings = settings_for(session, team_id=team_id, channel_id=channel_id)
    for name, value in values.items():
        setattr(settings, name, value)
    return session.merge(settings)


def set_coach_rule(
    session: Session, *, team_id: str, channel_id: str, rule_id: str, enabled: bool
) -> ChannelSettings:
    if rule_id not in RULE_IDS:
        raise UnknownCoachRule(rule_id, RULE_IDS)
    settings = settings_for(session, team_id=team_id, channel_id=channel_id)
    disabled = {rule for rule in settings.coach_disabled.split(",") if rule}
    disabled = disabled - {rule_id} if enabled else disabled | {rule_id}
    settings.coach_disabled = ",".join(rule for rule in RULE_IDS if rule in disabled)
    return session.merge(settings)


def pause(session: Session, *, team_id: str, channel_id: str, reason: str, now: datetime) -> bool:
    """Slack said the bot cannot post in the channel: sweeps pass it by. True if newly paused."""
    settings = settings_for(session, team_id=team_id, channel_id=channel_id)
    if settings.paused_at is not None:
        return False
    settings.paused_at, settings.paused_reason = now, reason[:40]
    session.merge(settings)
    return True


def resume(session: Session, *, team_id: str, channel_id: str) -> bool:
    """The bot is back in the channel (added again, or someone used /milestone there)."""
    existing = session.get(ChannelSettings, (team_id, channel_id))
    if existing is None or existing.paused_at is None:
        return False
    existing.paused_at = existing.paused_reason = None
    session.add(existing)
    return True


def paused(session: Session) -> set[tuple[str, str]]:
    """(team_id, channel_id) of every paused channel."""
    return set(
        session.exec(
            select(ChannelSettings.team_id, ChannelSettings.channel_id).where(
                col(ChannelSettings.paused_at).is_not(None)
            )
        ).all()
    )


def silenced(session: Session) -> set[tuple[str, str]]:
    """(team_id, channel_id) of every channel that turned nudges off (due-soon reminders and
    escalations with them)."""
    return set(
        session.exec(
            select(ChannelSettings.team_id, ChannelSettings.channel_id).where(
                ChannelSettings.nudges == NudgeRoute.OFF
            )
        ).all()
    )
