"""What every listener and sweep works with: settings, database, Slack, clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.db import make_engine
from bot.people import Timezones
from bot.schema import prepare
from bot.slack import Background, Messenger, make_client

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Now, as an aware UTC datetime: the form stored in the database."""
    return datetime.now(UTC)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    messenger: Messenger
    background: Background
    timezones: Timezones
    clock: Clock = utc_now


def build_runtime(settings: Settings, *, clock: Clock = utc_now) -> Runtime:
    # An empty database gets the schema now; any other than this code's is refused.
    prepare(settings.database_url)
    engine = make_engine(settings.database_url)
    messenger = Messenger(make_client(settings))
    background = Background()
    timezones = Timezones(
        engine,
        lookup=lambda _team_id, user_id: messenger.profile_of(user_id),
        default=settings.default_timezone,
        refresh_later=lambda work: background.submit("timezones", work),
    )
    return Runtime(settings, engine, messenger, background, timezones, clock)
