"""Settings and the command line: clear one-line refusals, .env, and one-off sweeps."""

from __future__ import annotations

import gc
import re
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.runtime import set_start_up_aside
from tests.support.botprocess import (
    BotProcess,
    closed_port,
    declare_milestone,
    environment,
    free_port,
    refusal_line,
    run,
    run_installed,
    schedule_digest,
)
from tests.support.harness import CHANNEL, OWNER, TEAM

BOT_TOKEN = "xoxb-test-token"
ENV_EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'milestones.db'}"


# ---------------------------------------------------------------- load_settings


def test_settings_have_defaults_for_everything_but_the_tokens():
    settings = load_settings({"SLACK_BOT_TOKEN": BOT_TOKEN})

    assert settings.port == 3000
    assert settings.default_timezone == "UTC"
    assert settings.database_url == "sqlite:///milestones.db"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.log_level == "INFO"
    assert settings.slack_signing_secret is None
    assert not settings.socket_mode


def test_blank_settings_count_as_unset():
    settings = load_settings(
        {"SLACK_BOT_TOKEN": BOT_TOKEN, "PORT": " ", "DEFAULT_TIMEZONE": "", "SLACK_APP_TOKEN": ""}
    )

    assert settings.port == 3000
    assert settings.default_timezone == "UTC"
    assert not settings.socket_mode


@pytest.mark.parametrize(
    ("given", "used"),
    [
        (
            "postgresql://bot:secret@db:5432/milestones",
            "postgresql+psycopg://bot:secret@db:5432/milestones",
        ),
        ("postgres://bot@db/milestones", "postgresql+psycopg://bot@db/milestones"),
        ("postgresql+psycopg://bot@db/milestones", "postgresql+psycopg://bot@db/milestones"),
        ("sqlite:////var/lib/bot/milestones.db", "sqlite:////var/lib/bot/milestones.db"),
    ],
)
def test_plain_postgresql_urls_use_the_shipped_driver(given, used):
    assert load_settings({"DATABASE_URL": given}).database_url == used


def test_settings_read_every_variable():
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": "shh",
            "SLACK_APP_TOKEN": "xapp-1-A111-1-abc",
            "DATABASE_URL": "sqlite:///other.db",
            "SLACK_API_URL": "http://127.0.0.1:9999/api",
            "PORT": "8080",
            "DEFAULT_TIMEZONE": "Europe/Paris",
            "LOG_LEVEL": "debug",
        }
    )

    assert settings.slack_bot_token == BOT_TOKEN
    assert settings.slack_signing_secret == "shh"
    assert settings.socket_mode
    assert settings.database_url == "sqlite:///other.db"
    assert settings.slack_api_url == "http://127.0.0.1:9999/api/"
    assert settings.port == 8080
    assert settings.default_timezone == "Europe/Paris"
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SLACK_BOT_TOKEN", "xoxp-a-user-token"),
        ("SLACK_APP_TOKEN", "xoxb-a-bot-token"),
        ("PORT", "http"),
        ("PORT", "0"),
        ("PORT", "65536"),
        ("DEFAULT_TIMEZONE", "Mars/Olympus_Mons"),
        ("LOG_LEVEL", "LOUD"),
        ("SLACK_API_URL", "slack.com/api"),
        ("SLACK_API_URL", "ftp://slack.com/api/"),
        ("DATABASE_URL", "milestones.db"),
        ("DATABASE_URL", "mysql://bot@db/milestones"),
    ],
)
def test_an_invalid_setting_is_refused_by_name(name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings({"SLACK_BOT_TOKEN": BOT_TOKEN, name: value})


class RecordingEnvironment(dict):
    """An environment that remembers which variables were asked for."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.asked: set[str] = set()

    def get(self, name, default=None):
        self.asked.add(name)
        return super().get(name, default)

    def __getitem__(self, name):
        self.asked.add(name)
        return super().__getitem__(name)


def test_env_example_documents_every_setting():
    environ = RecordingEnvironment(SLACK_BOT_TOKEN=BOT_TOKEN)
    load_settings(environ)
    documented = set(
        re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), flags=re.MULTILINE)
    )

    assert "SLACK_SIGNING_SECRET" in environ.asked
    assert environ.asked - documented == set()


# ---------------------------------------------------------------- the command line


def one_line_refusal(result: subprocess.CompletedProcess) -> str:
    """The single line a refused start prints, after checking it is all that was printed."""
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert result.stdout == ""
    return lines[0]


@pytest.mark.parametrize(
    ("command", "settings", "names", "fix"),
    [
        pytest.param("serve", {}, "SLACK_BOT_TOKEN", "OAuth & Permissions", id="missing-bot-token"),
        pytest.param(
            "serve",
            {"SLACK_BOT_TOKEN": BOT_TOKEN},
            "SLACK_SIGNING_SECRET",
            "Basic Information",
            id="missing-signing-secret",
        ),
        pytest.param(
            "run-job digest",
            {"SLACK_BOT_TOKEN": "xoxp-a-user-token"},
            "SLACK_BOT_TOKEN",
            "xoxb-",
            id="user-token-for-bot-token",
        ),
        pytest.param(
            "serve",
            {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": BOT_TOKEN},
            "SLACK_APP_TOKEN",
            "xapp-",
            id="bot-token-for-app-token",
        ),
        pytest.param(
            "serve",
            {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": "shh", "PORT": "eighty"},
            "PORT",
            "between 1 and 65535",
            id="port",
        ),
        pytest.param(
            "run-job nudges",
            {"SLACK_BOT_TOKEN": BOT_TOKEN, "DEFAULT_TIMEZONE": "Mars/Olympus_Mons"},
            "DEFAULT_TIMEZONE",
            "Europe/Paris",
            id="timezone",
        ),
        pytest.param(
            "run-job nudges",
            {"SLACK_BOT_TOKEN": BOT_TOKEN, "LOG_LEVEL": "LOUD"},
            "LOG_LEVEL",
            "DEBUG, INFO",
            id="log-level",
        ),
        pytest.param(
            "run-job nudges",
            {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": "slack.com/api"},
            "SLACK_API_URL",
            "https://slack.com/api/",
            id="slack-api-url",
        ),
        pytest.param(
            "run-job digest",
            {"SLACK_BOT_TOKEN": BOT_TOKEN, "DATABASE_URL": "mysql://bot@db/milestones"},
            "DATABASE_URL",
            "postgresql://",
            id="unsupported-database",
        ),
        pytest.param(
            "run-job digest",
            {"SLACK_BOT_TOKEN": BOT_TOKEN, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x"},
            "DATABASE_URL",
            "database server is running",
            id="unreachable-postgresql",
        ),
    ],
)
def test_a_bad_setting_stops_the_bot_with_one_line_naming_it(
    tmp_path, command, settings, names, fix
):
    result = run(*command.split(), cwd=tmp_path, env=environment(tmp_path, **settings))

    line = one_line_refusal(result)
    assert names in line
    assert fix in line


def test_a_port_in_use_stops_the_bot_with_one_line(tmp_path, slack):
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(
            "serve",
            "--no-scheduler",
            cwd=tmp_path,
            env=environment(
                tmp_path,
                SLACK_BOT_TOKEN=BOT_TOKEN,
                SLACK_SIGNING_SECRET="shh",
                SLACK_API_URL=slack.base_url,
                DATABASE_URL=sqlite_url(tmp_path),
                PORT=str(port),
            ),
        )

    line = one_line_refusal(result)
    assert "PORT" in line
    assert str(port) in line


def test_an_unreachable_slack_api_stops_the_bot_with_one_line(tmp_path):
    with closed_port() as port:
        closed = f"http://127.0.0.1:{port}/api/"
        result = run(
            "serve",
            "--no-scheduler",
            cwd=tmp_path,
            env=environment(
                tmp_path,
                SLACK_BOT_TOKEN=BOT_TOKEN,
                SLACK_SIGNING_SECRET="shh",
                SLACK_API_URL=closed,
                DATABASE_URL=sqlite_url(tmp_path),
                PORT=str(free_port()),
            ),
        )

    # The client's retries are logged as they happen; the refusal is the last line.
    line = refusal_line(result)
    assert "SLACK_API_URL" in line
    assert closed in line


def test_tokens_that_slack_refuses_stop_the_bot_with_one_line(tmp_path, slack):
    slack.answer("auth.test", {"ok": False, "error": "invalid_auth"})

    result = run(
        "serve",
        "--no-scheduler",
        cwd=tmp_path,
        env=environment(
            tmp_path,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET="shh",
            SLACK_API_URL=slack.base_url,
            DATABASE_URL=sqlite_url(tmp_path),
            PORT=str(free_port()),
        ),
    )

    line = one_line_refusal(result)
    assert "SLACK_BOT_TOKEN" in line
    assert "invalid_auth" in line
    assert [call.method for call in slack.calls] == ["auth.test"]


def test_the_installed_script_answers_as_the_bot_the_tests_start(tmp_path):
    """The tests start milestone-bot forked from a process that imported the bot
    (tests/support/launcher.py); the script an operator runs gives the same output and status."""
    env = environment(tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN, PORT="eighty")

    for args in (["serve"], ["--version"], ["run-job", "--help"]):
        installed = run_installed(*args, cwd=tmp_path, env=env)
        forked = run(*args, cwd=tmp_path, env=env)

        assert (forked.returncode, forked.stdout, forked.stderr) == (
            installed.returncode,
            installed.stdout,
            installed.stderr,
        )
    assert "PORT" in one_line_refusal(run("serve", cwd=tmp_path, env=env))


def test_python_m_bot_shows_the_commands(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--help"],
        cwd=tmp_path,
        env=environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 0, result.stderr
    for command in ("serve", "scheduler", "run-job", "migrate"):
        assert command in result.stdout


def test_version_is_the_installed_package_version(tmp_path):
    result = run("--version", cwd=tmp_path, env=environment(tmp_path))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"milestone-bot {metadata.version('milestone-bot')}"


SUBCOMMANDS = [
    "serve",
    "scheduler",
    "run-job",
    "migrate",
    "purge-team",
    "rotate-token-key",
    "sandbox",
]


def test_help_lists_every_subcommand_and_where_settings_come_from(tmp_path):
    result = run("--help", cwd=tmp_path, env=environment(tmp_path))

    assert result.returncode == 0, result.stderr
    for command in SUBCOMMANDS:
        assert command in result.stdout
    assert ".env" in result.stdout
    assert "--version" in result.stdout


@pytest.mark.parametrize(
    ("command", "variables", "statuses"),
    [
        ("serve", ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "PORT"], "02"),
        ("scheduler", ["SLACK_BOT_TOKEN", "DATABASE_URL", "PORT"], "02"),
        ("run-job", ["SLACK_BOT_TOKEN", "DATABASE_URL"], "012"),
        ("migrate", ["DATABASE_URL"], "02"),
        ("purge-team", ["DATABASE_URL"], "012"),
        ("rotate-token-key", ["TOKEN_ENCRYPTION_KEY", "DATABASE_URL"], "02"),
    ],
)
def test_each_subcommand_describes_itself_its_environment_and_exit_statuses(
    tmp_path, command, variables, statuses
):
    result = run(command, "--help", cwd=tmp_path, env=environment(tmp_path))

    assert result.returncode == 0, result.stderr
    usage, description, *_ = result.stdout.split("\n\n")
    assert usage.startswith(f"usage: milestone-bot {command}")
    assert len(description.split()) > 10  # a description, not only the usage
    environment_part = result.stdout.split("environment:")[1].split("exit status:")[0]
    for name in variables:
        assert name in environment_part
    listed = re.findall(r"^  ([0-9])  ", result.stdout.split("exit status:")[1], re.MULTILINE)
    assert "".join(listed) == statuses


def test_purge_team_of_an_unknown_workspace_exits_1_with_one_line(tmp_path):
    env = environment(tmp_path, DATABASE_URL=sqlite_url(tmp_path))
    assert run("migrate", cwd=tmp_path, env=env).returncode == 0

    result = run("purge-team", "T0NOBODY", cwd=tmp_path, env=env)

    assert result.returncode == 1, result
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("milestone-bot: ")
    assert "T0NOBODY" in line
    assert "Nothing was deleted" in line


def test_run_job_digest_posts_the_weekly_status_through_slack_api_url(tmp_path, slack):
    database_url = sqlite_url(tmp_path)
    today = datetime.now(UTC).date()
    reference = declare_milestone(
        database_url,
        team_id=TEAM,
        channel_id=CHANNEL,
        owner_id=OWNER,
        title="Beta shipped",
        due_date=today + timedelta(days=3),
    )
    schedule_digest(
        database_url, team_id=TEAM, channel_id=CHANNEL, at=datetime.now(UTC) - timedelta(hours=1)
    )
    env = environment(
        tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=slack.base_url, DATABASE_URL=database_url
    )

    result = run("run-job", "digest", cwd=tmp_path, env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "digest: 1 sent, 0 to retry, 0 undeliverable"
    [status] = slack.calls_to("chat.postMessage")
    assert status.params["channel"] == CHANNEL
    assert reference in str(status.params["blocks"])
    assert {call.token for call in slack.calls} == {BOT_TOKEN}

    again = run("run-job", "digest", cwd=tmp_path, env=env)

    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "digest: 0 sent, 0 to retry, 0 undeliverable"
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_run_job_exits_1_when_a_delivery_must_be_retried(tmp_path, slack):
    database_url = sqlite_url(tmp_path)
    declare_milestone(
        database_url,
        team_id=TEAM,
        channel_id=CHANNEL,
        owner_id=OWNER,
        title="Contract signed",
        due_date=datetime.now(UTC).date() - timedelta(days=3),
    )
    slack.fail("conversations.open", status=500, times=3)  # the first try and both retries
    env = environment(
        tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=slack.base_url, DATABASE_URL=database_url
    )

    result = run("run-job", "nudges", cwd=tmp_path, env=env)

    assert result.returncode == 1
    assert result.stdout.strip() == "nudges: 0 sent, 1 to retry, 0 undeliverable"
    assert slack.calls_to("chat.postMessage") == []

    again = run("run-job", "nudges", cwd=tmp_path, env=env)

    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "nudges: 1 sent, 0 to retry, 0 undeliverable"


def test_run_job_nudges_sends_the_owner_a_direct_message_through_slack_api_url(tmp_path, slack):
    database_url = sqlite_url(tmp_path)
    reference = declare_milestone(
        database_url,
        team_id=TEAM,
        channel_id=CHANNEL,
        owner_id=OWNER,
        title="Contract signed",
        due_date=datetime.now(UTC).date() - timedelta(days=3),
    )

    result = run(
        "run-job",
        "nudges",
        cwd=tmp_path,
        env=environment(
            tmp_path,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_API_URL=slack.base_url,
            DATABASE_URL=database_url,
        ),
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "nudges: 1 sent, 0 to retry, 0 undeliverable"
    [opened] = slack.calls_to("conversations.open")
    assert opened.params["users"] == OWNER
    [nudge] = slack.calls_to("chat.postMessage")
    assert nudge.params["channel"] == f"D{OWNER}"
    assert reference in str(nudge.params["blocks"])
    assert {call.token for call in slack.calls} == {BOT_TOKEN}


def test_a_dotenv_file_in_the_working_folder_is_read(tmp_path, slack):
    database_url = sqlite_url(tmp_path)
    declare_milestone(
        database_url,
        team_id=TEAM,
        channel_id=CHANNEL,
        owner_id=OWNER,
        title="Contract signed",
        due_date=datetime.now(UTC).date() - timedelta(days=3),
    )
    (tmp_path / ".env").write_text(
        "# settings for the test\n"
        "SLACK_BOT_TOKEN=xoxb-from-dotenv\n"
        f"SLACK_API_URL={slack.base_url}\n"
        f"DATABASE_URL={database_url}\n"
    )

    result = run("run-job", "nudges", cwd=tmp_path, env=environment(tmp_path))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "nudges: 1 sent, 0 to retry, 0 undeliverable"
    assert slack.calls_to("chat.postMessage")
    assert {call.token for call in slack.calls} == {"xoxb-from-dotenv"}


def test_the_environment_wins_over_the_dotenv_file(tmp_path):
    (tmp_path / ".env").write_text("DEFAULT_TIMEZONE=Mars/Olympus_Mons\n")

    refused = run(
        "run-job",
        "digest",
        cwd=tmp_path,
        env=environment(tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN, DATABASE_URL=sqlite_url(tmp_path)),
    )
    accepted = run(
        "run-job",
        "digest",
        cwd=tmp_path,
        env=environment(
            tmp_path,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            DATABASE_URL=sqlite_url(tmp_path),
            DEFAULT_TIMEZONE="Europe/Paris",
        ),
    )

    assert "DEFAULT_TIMEZONE=Mars/Olympus_Mons" in one_line_refusal(refused)
    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stdout.strip() == "digest: 0 sent, 0 to retry, 0 undeliverable"


def test_scheduler_runs_the_sweeps_alone_until_sigterm(tmp_path, slack):
    database_url = sqlite_url(tmp_path)
    reference = declare_milestone(
        database_url,
        team_id=TEAM,
        channel_id=CHANNEL,
        owner_id=OWNER,
        title="Contract signed",
        due_date=datetime.now(UTC).date() - timedelta(days=3),
    )
    env = environment(
        tmp_path,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=slack.base_url,
        DATABASE_URL=database_url,
        # It serves the health check and the metrics there.
        PORT=str(free_port()),
    )

    with BotProcess("scheduler", cwd=tmp_path, env=env) as scheduler:
        # The sweeps run once at start, then on their intervals.
        [nudge] = slack.wait_for("chat.postMessage", timeout=10)

        assert nudge.params["channel"] == f"D{OWNER}"
        assert reference in str(nudge.params["blocks"])
        assert scheduler.terminate() == 0, scheduler.output()
        assert "Traceback" not in scheduler.output()


def test_what_start_up_made_is_left_out_of_later_garbage_collections():
    made_at_start_up = {"channels": ["C1"]}
    try:
        set_start_up_aside()

        assert not any(tracked is made_at_start_up for tracked in gc.get_objects())
    finally:
        gc.unfreeze()
