"""Settings, read from the environment (and .env) and validated once."""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.domain.errors import InvalidCommand
from bot.domain.working_time import WorkingWeek, check_holidays, parse_days, parse_hours

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///milestones.db"
LOG_FORMATS = ("text", "json")


class ConfigError(Exception):
    """A setting is missing or invalid; the message names it and says how to fix it."""


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str | None
    slack_signing_secret: str | None
    slack_app_token: str | None
    database_url: str
    slack_api_url: str
    port: int
    default_timezone: str
    log_level: str
    # Both set: the app can be installed in many workspaces through /slack/install.
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    # Messages a minute the bot posts in one workspace at most (Slack: "several hundred").
    slack_messages_per_minute: int = 600
    log_format: str = "text"
    # Fernet keys for the tokens kept in the database, newest first; empty: kept in clear.
    token_encryption_keys: tuple[str, ...] = field(default=(), repr=False)
    # Set: GET /metrics answers only with "Authorization: Bearer <token>".
    metrics_token: str | None = field(default=None, repr=False)
    # Set: /metrics is served only on this port (same host as PORT), not on PORT.
    metrics_port: int | None = None
    # Where people reach this bot's HTTP server, such as https://milestones.example.com: the
    # calendar feeds and stakeholder pages are served under it. Unset: no such links are made.
    public_url: str | None = None
    # Signs the tokens of those links; FEED_SECRET, else derived from the signing secret.
    feed_secret: str | None = field(default=None, repr=False)

    def link_key(self) -> bytes | None:
        """The key the public links' tokens are made with, or None when there is none."""
        if self.feed_secret:
            return self.feed_secret.encode()
        if self.slack_signing_secret:
            # A key of its own, so that the signing secret itself is never used for links.
            return hmac.new(
                self.slack_signing_secret.encode(), b"milestone-bot public links", "sha256"
            ).digest()
        return None

    # When reminders go out for people and channels that chose none of their own.
    working_week: WorkingWeek = field(default_factory=WorkingWeek)

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    @property
    def multi_workspace(self) -> bool:
        """Installed by OAuth in any number of workspaces, each with its own bot token."""
        return bool(self.slack_client_id and self.slack_client_secret)

    def require_credentials(self) -> None:
        """A bot token, or the OAuth client credentials to install in workspaces; and the
        signing secret for HTTP."""
        if self.multi_workspace:
            if self.socket_mode:
                raise ConfigError(
                    "SLACK_APP_TOKEN (Socket Mode) and SLACK_CLIENT_ID/SLACK_CLIENT_SECRET "
                    "(install in many workspaces) do not go together: unset one of them."
                )
            self.require_signing_secret()
            return
        self.require_bot_token()
        if not self.socket_mode:
            self.require_signing_secret()

    def require_bot_token(self) -> str:
        if not self.slack_bot_token:
            raise ConfigError(
                "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-...) from your "
                "Slack app's OAuth & Permissions page into .env (see .env.example)."
            )
        return self.slack_bot_token

    def require_signing_secret(self) -> str:
        if not self.slack_signing_secret:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set: copy the Signing Secret from your Slack app's "
                "Basic Information page into .env (see .env.example), or set SLACK_APP_TOKEN "
                "to use Socket Mode."
            )
        return self.slack_signing_secret


def normalize_database_url(url: str) -> str:
    """Accept plain postgresql:// URLs and point them at psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from `environ` (default: os.environ); raise ConfigError naming a bad one."""
    env = os.environ if environ is None else environ

    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    bot_token = get("SLACK_BOT_TOKEN")
    if bot_token and not bot_token.startswith("xoxb-"):
        raise ConfigError(
            "SLACK_BOT_TOKEN must be a bot token starting with xoxb- "
            "(OAuth & Permissions > Bot User OAuth Token)."
        )
    app_token = get("SLACK_APP_TOKEN")
    if app_token and not app_token.startswith("xapp-"):
        raise ConfigError(
            "SLACK_APP_TOKEN must be an app-level token starting with xapp- "
            "(Basic Information > App-Level Tokens, scope connections:write), or be left unset."
        )

    database_url = normalize_database_url(get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    try:
        backend = make_url(database_url).get_backend_name()
    except ArgumentError:
        backend = None
    # The bot ships the drivers for these two only; any other would fail on first use.
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(
            "DATABASE_URL must be a SQLite or PostgreSQL URL: use sqlite:///milestones.db or "
            "postgresql://user:password@host:5432/dbname."
        )

    api_url = get("SLACK_API_URL") or DEFAULT_SLACK_API_URL
    parsed = urlparse(api_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(
            "SLACK_API_URL must be an http(s) URL such as https://slack.com/api/, or be left unset."
        )
    if not api_url.endswith("/"):
        api_url += "/"

    port_text = get("PORT") or "3000"
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError("PORT must be a number between 1 and 65535, for example 3000.")

    timezone = get("DEFAULT_TIMEZONE") or "UTC"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"DEFAULT_TIMEZONE={timezone} is not an IANA time zone: use a name such as "
            "UTC, Europe/Paris or America/New_York."
        ) from None

    per_minute = get("SLACK_MESSAGES_PER_MINUTE") or "600"
    if not per_minute.isdigit() or not 1 <= int(per_minute) <= 10_000:
        raise ConfigError(
            "SLACK_MESSAGES_PER_MINUTE must be a number of messages between 1 and 10000, "
            "for example 600."
        )

    log_level = (get("LOG_LEVEL") or "INFO").upper()
    if log_level not in logging.getLevelNamesMapping():
        raise ConfigError("LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR.")

    client_id, client_secret = get("SLACK_CLIENT_ID"), get("SLACK_CLIENT_SECRET")
    if bool(client_id) != bool(client_secret):
        missing = "SLACK_CLIENT_SECRET" if client_id else "SLACK_CLIENT_ID"
        raise ConfigError(
            f"{missing} is not set: to install the app in many workspaces set both "
            "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (Basic Information > App Credentials), "
            "or neither to use one workspace's SLACK_BOT_TOKEN."
        )
    log_format = (get("LOG_FORMAT") or "text").lower()
    if log_format not in LOG_FORMATS:
        raise ConfigError("LOG_FORMAT must be text or json.")

    token_keys = _token_encryption_keys(get("TOKEN_ENCRYPTION_KEY"))
    metrics_token = get("METRICS_TOKEN")
    if metrics_token is not None and len(metrics_token) < 16:
        raise ConfigError(
            "METRICS_TOKEN must be at least 16 characters, such as the output of "
            "`openssl rand -hex 32`, or be left unset."
        )
    metrics_port = get("METRICS_PORT")
    if metrics_port is not None and (
        not metrics_port.isdigit()
        or not 0 < int(metrics_port) < 65536
        or int(metrics_port) == int(port_text)
    ):
        raise ConfigError(
            "METRICS_PORT must be a number between 1 and 65535 other than PORT, for example "
            "9100, or be left unset."
        )

    public_url = get("PUBLIC_URL")
    if public_url is not None:
        parsed_public = urlparse(public_url)
        if (
            parsed_public.scheme not in ("http", "https")
            or not parsed_public.netloc
            or parsed_public.query
            or parsed_public.fragment
        ):
            raise ConfigError(
                "PUBLIC_URL must be the http(s) address people reach this bot at, such as "
                "https://milestones.example.com, or be left unset."
            )
        public_url = public_url.rstrip("/")
    feed_secret = get("FEED_SECRET")
    if feed_secret is not None and len(feed_secret) < 32:
        raise ConfigError(
            "FEED_SECRET must be at least 32 characters, such as the output of "
            "`openssl rand -hex 32`, or be left unset."
        )

    return Settings(
        public_url=public_url,
        feed_secret=feed_secret,
        working_week=_working_week(get("WORKING_HOURS"), get("WORKING_DAYS"), get("HOLIDAYS")),
        metrics_token=metrics_token,
        metrics_port=int(metrics_port) if metrics_port else None,
        slack_client_id=client_id,
        slack_client_secret=client_secret,
        slack_messages_per_minute=int(per_minute),
        slack_bot_token=bot_token,
        slack_signing_secret=get("SLACK_SIGNING_SECRET"),
        slack_app_token=app_token,
        database_url=database_url,
        slack_api_url=api_url,
        port=int(port_text),
        default_timezone=timezone,
        log_level=log_level,
        log_format=log_format,
        token_encryption_keys=token_keys,
    )


def _working_week(hours: str | None, days: str | None, holidays: str | None) -> WorkingWeek:
    """WORKING_HOURS, WORKING_DAYS and HOLIDAYS, each defaulting to 09:00-18:00, mon-fri and
    no public holidays."""
    checks = (
        ("WORKING_HOURS", hours, parse_hours, "09:00-18:00"),
        ("WORKING_DAYS", days, parse_days, "mon-fri"),
        ("HOLIDAYS", holidays, check_holidays, "GB, FR or US-CA"),
    )
    for name, value, check, example in checks:
        if value is None:
            continue
        try:
            check(value)
        except InvalidCommand as error:
            raise ConfigError(
                f"{name}={value} is not valid ({error.message}) Use a value such as {example}, "
                "or leave it unset."
            ) from None
    return WorkingWeek().overridden(
        hours=hours, days=days, holidays=check_holidays(holidays) if holidays else None
    )


def _token_encryption_keys(value: str | None) -> tuple[str, ...]:
    """TOKEN_ENCRYPTION_KEY's Fernet keys, newest first; never quoted back, being secrets."""
    keys = tuple(key.strip() for key in (value or "").split(",") if key.strip())
    for number, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            raise ConfigError(
                f"TOKEN_ENCRYPTION_KEY must be Fernet keys separated by commas, newest first, "
                f"and key {number} of {len(keys)} is not one (32 url-safe base64-encoded bytes). "
                "Make one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'"
            ) from None
    return keys


def requested_log_format(environ: Mapping[str, str] | None = None) -> str:
    """LOG_FORMAT as asked for, "text" when unset or invalid: for the lines a refused start
    prints, which cannot wait for the settings to be valid."""
    env = os.environ if environ is None else environ
    asked = env.get("LOG_FORMAT", "").strip().lower()
    return asked if asked in LOG_FORMATS else "text"
