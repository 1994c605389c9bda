"""Slack tokens at rest: encrypted with TOKEN_ENCRYPTION_KEY (Fernet, newest key first), tokens
kept in clear text before it was set encrypted at the next start, keys rotated with
`milestone-bot rotate-token-key`, and a missing key said in one line; expired OAuth states are
deleted."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
import requests
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import text

from bot.cli import main
from bot.config import ConfigError, load_settings
from bot.slack.installations import InstallationStore
from bot.slack.tokens import TokenCipher, TokenKeyError
from bot.store.db import make_engine
from tests.support.harness import running_bot
from tests.support.installing import install, oauth_settings

TEAM_A = "T0AAA"
TOKEN_A = "xoxb-team-a"
REFRESH_A = f"xoxe-1-refresh-{TOKEN_A}"
OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()
TOKEN_COLUMNS = {
    "slack_bots": ("bot_token", "bot_refresh_token"),
    "slack_installations": ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token"),
}


def stored_tokens(database_url: str) -> list[str]:
    """Every token value in the installation tables, as the database holds it."""
    engine = make_engine(database_url)
    values = []
    with engine.connect() as connection:
        for table, columns in TOKEN_COLUMNS.items():
            for row in connection.execute(text(f"SELECT {', '.join(columns)} FROM {table}")):
                values += [value for value in row if value is not None]
    engine.dispose()
    return values


def decrypted(values: list[str], key: str) -> list[str]:
    return [Fernet(key).decrypt(value.encode()).decode() for value in values]


def posted_tokens(slack) -> list[str]:
    return [call.token for call in slack.calls_to("chat.postMessage")]


def declare(bot) -> None:
    bot.add('"Beta shipped" due 2026-12-18', team=TEAM_A)


def installed_with(database_url, slack, clock, key: str) -> None:
    """Install workspace A with its token (one that rotates: a refresh token too) kept under
    `key` ("" for none)."""
    settings = oauth_settings(database_url, slack, TOKEN_ENCRYPTION_KEY=key)
    with running_bot(settings, slack, clock) as bot:
        done = install(bot, "code-a", team_id=TEAM_A, token=TOKEN_A, expires_in=3 * 3600)
        assert done.status_code == 200, done.text


def rotate_token_key(monkeypatch, tmp_path, database_url, keys: str) -> int:
    monkeypatch.chdir(tmp_path)
    environ = {
        "DATABASE_URL": database_url,
        "SLACK_CLIENT_ID": "1111.2222",
        "SLACK_CLIENT_SECRET": "client-secret",
        "SLACK_SIGNING_SECRET": "secret",
        "TOKEN_ENCRYPTION_KEY": keys,
    }
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return main(["rotate-token-key"])


def test_installed_tokens_are_stored_encrypted_and_the_bot_speaks_with_them(
    database_url, slack, clock
):
    installed_with(database_url, slack, clock, OLD_KEY)

    stored = stored_tokens(database_url)
    assert len(stored) == 4  # the bot token and its refresh token, in both tables
    assert not any("xox" in value for value in stored)
    assert sorted(decrypted(stored, OLD_KEY)) == sorted([TOKEN_A, REFRESH_A] * 2)

    with running_bot(
        oauth_settings(database_url, slack, TOKEN_ENCRYPTION_KEY=OLD_KEY), slack, clock
    ) as bot:
        declare(bot)
    assert posted_tokens(slack) == [TOKEN_A]


def test_a_refreshed_token_is_stored_encrypted_too(database_url, slack, clock):
    settings = oauth_settings(database_url, slack, TOKEN_ENCRYPTION_KEY=OLD_KEY)
    with running_bot(settings, slack, clock) as bot:
        install(bot, "code-a", team_id=TEAM_A, token=TOKEN_A, expires_in=60)
        declare(bot)

    assert posted_tokens(slack) == ["xoxe.xoxb-refreshed-1"]
    stored = stored_tokens(database_url)
    assert not any("xox" in value for value in stored)
    assert {"xoxe.xoxb-refreshed-1", "xoxe-1-refresh-1"} <= set(decrypted(stored, OLD_KEY))


def test_tokens_kept_in_clear_text_are_encrypted_when_a_key_is_first_set(
    database_url, slack, clock, caplog
):
    installed_with(database_url, slack, clock, "")
    assert sorted(stored_tokens(database_url)) == sorted([TOKEN_A, REFRESH_A] * 2)

    with caplog.at_level(logging.INFO, logger="bot.installations"):
        settings = oauth_settings(database_url, slack, TOKEN_ENCRYPTION_KEY=OLD_KEY)
        with running_bot(settings, slack, clock) as bot:
            declare(bot)

    assert sorted(decrypted(stored_tokens(database_url), OLD_KEY)) == sorted(
        [TOKEN_A, REFRESH_A] * 2
    )
    assert posted_tokens(slack) == [TOKEN_A]
    assert "encrypted the Slack tokens of 2 installation rows kept in clear" in caplog.text


def test_rotating_to_a_new_key_keeps_the_bot_speaking_and_the_old_key_alone_is_refused(
    database_url, slack, clock, monkeypatch, tmp_path, capsys
):
    installed_with(database_url, slack, clock, OLD_KEY)

    assert rotate_token_key(monkeypatch, tmp_path, database_url, f"{NEW_KEY},{OLD_KEY}") == 0

    assert "encrypted the Slack tokens of 2 installation rows" in capsys.readouterr().out
    stored = stored_tokens(database_url)
    assert sorted(decrypted(stored, NEW_KEY)) == sorted([TOKEN_A, REFRESH_A] * 2)
    with pytest.raises(InvalidToken):
        decrypted(stored[:1], OLD_KEY)
    with running_bot(
        oauth_settings(database_url, slack, TOKEN_ENCRYPTION_KEY=NEW_KEY), slack, clock
    ) as bot:
        declare(bot)
    assert posted_tokens(slack) == [TOKEN_A]
    with (
        pytest.raises(TokenKeyError, match="TOKEN_ENCRYPTION_KEY cannot decrypt"),
        running_bot(
            oauth_settings(database_url, slack, TOKEN_ENCRYPTION_KEY=OLD_KEY), slack, clock
        ),
    ):
        pass


@pytest.mark.parametrize("key", [OLD_KEY, ""], ids=["old-key", "no-key"])
def test_a_process_that_cannot_read_the_tokens_refuses_to_start_in_one_line(
    database_url, slack, clock, monkeypatch, tmp_path, capsys, key
):
    installed_with(database_url, slack, clock, NEW_KEY)
    monkeypatch.chdir(tmp_path)
    environ = {
        "DATABASE_URL": database_url,
        "SLACK_CLIENT_ID": "1111.2222",
        "SLACK_CLIENT_SECRET": "client-secret",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": slack.base_url,
        "TOKEN_ENCRYPTION_KEY": key,
    }
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    # What the install's server logged before (through a handler an earlier main() left on
    # the root logger) is not this process's answer.
    capsys.readouterr()

    assert main(["run-job", "digest"]) == 2

    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "TOKEN_ENCRYPTION_KEY" in line
    assert NEW_KEY not in line and OLD_KEY not in line
    assert slack.calls_to("chat.postMessage") == []


def test_a_key_rotated_away_under_a_running_process_is_one_line_and_no_change(
    database_url, slack, clock, caplog
):
    settings = oauth_settings(database_url, slack, TOKEN_ENCRYPTION_KEY=OLD_KEY)
    with running_bot(settings, slack, clock) as bot:
        install(bot, "code-a", team_id=TEAM_A, token=TOKEN_A)
        # Another process rotates the keys; this one was started with the old key alone.
        InstallationStore(
            "1111.2222", bot.engine, clock=clock, cipher=TokenCipher([NEW_KEY, OLD_KEY])
        ).rotate_stored_tokens()
        caplog.clear()

        response = bot.command('add "Beta shipped" due 2026-12-18', team=TEAM_A)

        assert response.status_code == 200
        assert bot.milestones() == []
    assert posted_tokens(slack) == []
    assert "Traceback" not in caplog.text
    (line,) = [r for r in caplog.records if r.name == "bot.installations"]
    assert "TOKEN_ENCRYPTION_KEY cannot decrypt" in line.getMessage()


def test_without_a_key_the_start_says_tokens_are_stored_in_clear_text(
    database_url, slack, clock, caplog
):
    with (
        caplog.at_level(logging.INFO, logger="bot.installations"),
        running_bot(oauth_settings(database_url, slack), slack, clock),
    ):
        pass

    (line,) = [r.getMessage() for r in caplog.records if r.name == "bot.installations"]
    assert "Slack tokens are stored in clear text" in line


@pytest.mark.parametrize(
    "value, which",
    [("not-a-key", "key 1 of 1"), (f"{NEW_KEY}, {NEW_KEY[:-4]}", "key 2 of 2")],
    ids=["not-a-key", "second-key-cut-short"],  # the same on every xdist worker
)
def test_a_malformed_key_is_refused_without_quoting_it(value, which):
    with pytest.raises(ConfigError) as refused:
        load_settings({"SLACK_BOT_TOKEN": "xoxb-1", "TOKEN_ENCRYPTION_KEY": value})

    assert which in str(refused.value)
    assert "Fernet.generate_key()" in str(refused.value)
    assert value.split(",")[-1].strip() not in str(refused.value)


def test_keys_are_read_newest_first_and_never_shown_in_the_settings():
    settings = load_settings(
        {"SLACK_BOT_TOKEN": "xoxb-1", "TOKEN_ENCRYPTION_KEY": f" {NEW_KEY} ,{OLD_KEY}"}
    )

    assert settings.token_encryption_keys == (NEW_KEY, OLD_KEY)
    assert NEW_KEY not in repr(settings)


# ------------------------------------------------------------------ OAuth states


def oauth_states(database_url: str) -> list[tuple[str, datetime]]:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT state, expire_at FROM slack_oauth_states ORDER BY id")
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def test_a_new_install_page_deletes_expired_oauth_states_and_keeps_live_ones(
    database_url, slack, clock
):
    with running_bot(oauth_settings(database_url, slack), slack, clock) as bot:
        for _ in range(2):
            assert requests.get(f"{bot.url}/slack/install").status_code == 200
        (expired, _), (live, _) = oauth_states(database_url)
        # Nobody came back with the first: it expired a second ago (naive UTC, as slack_sdk
        # keeps it).
        with bot.engine.begin() as connection:
            connection.execute(
                text("UPDATE slack_oauth_states SET expire_at = :past WHERE state = :state"),
                {"past": _utc_naive(seconds=-1), "state": expired},
            )

        assert requests.get(f"{bot.url}/slack/install").status_code == 200

    states = [state for state, _ in oauth_states(database_url)]
    assert expired not in states
    assert states[0] == live
    assert len(states) == 2


def _utc_naive(*, seconds: int) -> datetime:
    return datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=seconds)
