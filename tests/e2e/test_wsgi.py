"""bot.wsgi under gunicorn: several worker processes answer Slack from one database, finish
their Slack calls on SIGTERM, and refuse a bad setting in the bot's one line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

from bot.wsgi import NOT_STARTED, create_app
from tests.support.botprocess import STARTUP_TIMEOUT, BotProcess, environment, free_port, run
from tests.support.harness import CHANNEL, OTHER, OWNER, slash_command_fields
from tests.support.served import post_signed as signed_post

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
SIGNING_SECRET = "wsgi-signing-secret"


def post_signed(url: str, body: str) -> requests.Response:
    return signed_post(url, body, secret=SIGNING_SECRET)


BOT_TOKEN = "xoxb-wsgi-token"
# gunicorn's access log, one line a request: the worker's pid (as <pid>), method, path, status.
ACCESS_LOG_FORMAT = "%(p)s %(m)s %(U)s %(s)s"


def web_environment(tmp_path, slack, database_url: str) -> dict[str, str]:
    return environment(
        tmp_path,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack.base_url,
        DATABASE_URL=database_url,
        PORT=str(free_port()),
    )


def gunicorn(tmp_path, env: dict[str, str], *, workers: int = 2) -> BotProcess:
    """gunicorn serving bot.wsgi on PORT, as the README says to run it."""
    return BotProcess(
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{env['PORT']}",
        "--access-logfile",
        str(tmp_path / "access.log"),
        "--access-logformat",
        ACCESS_LOG_FORMAT,
        "bot.wsgi:create_app()",
        cwd=tmp_path,
        env=env,
        program=GUNICORN,
    )


def ready_workers(server: BotProcess, count: int) -> set[int]:
    """The pids of the workers that have built the app, once `count` of them have."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        output = server.output()
        ready = {int(pid) for pid in re.findall(r"worker (\d+) ready", output)}
        if len(ready) >= count:
            return ready
        if server.process.poll() is not None:
            raise AssertionError(f"gunicorn exited with {server.process.returncode}: {output}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{count} workers were not ready in {STARTUP_TIMEOUT}s: {output}")
        time.sleep(0.05)


def wait_for_attempts(slack, method: str, count: int, timeout: float = 10.0) -> None:
    """Until the fake Slack has seen `count` attempts at `method`, failed ones included."""
    deadline = time.monotonic() + timeout
    while len(slack.attempts_to(method)) < count:
        assert time.monotonic() < deadline, f"no {method} attempt: {slack.calls}"
        time.sleep(0.02)


def command(text: str, slack, *, user: str = OWNER) -> str:
    """A /milestone command, form-encoded as Slack sends it."""
    return urlencode(
        slash_command_fields(text, response_url=slack.response_url("command"), user=user)
    )


def answered_by(access_log: Path) -> list[int]:
    """The pid of the worker that answered each POST /slack/events, in the log's order."""
    return [
        int(pid)
        for pid in re.findall(r"^<(\d+)> POST /slack/events 200$", access_log.read_text(), re.M)
    ]


def test_gunicorn_workers_answer_signed_commands_from_one_database(tmp_path, slack, database_url):
    env = web_environment(tmp_path, slack, database_url)

    with gunicorn(tmp_path, env) as server:
        workers = ready_workers(server, 2)
        # The first command of a person waits for Slack to give their time zone; asked to
        # retry in 3 seconds, the worker that took it stays busy with it that long.
        slack.fail("users.info", status=429, retry_after=3)
        with ThreadPoolExecutor(max_workers=1) as pool:
            adding = pool.submit(
                post_signed, server.url, command('add "Beta shipped" due 2099-01-15', slack)
            )
            wait_for_attempts(slack, "users.info", 1)
            # So the other worker answers this one.
            listed_meanwhile = post_signed(server.url, command("list", slack, user=OTHER))
            added = adding.result(timeout=15)
        [announcement] = slack.wait_for("chat.postMessage", timeout=10)
        lists = [post_signed(server.url, command("list", slack)) for _ in range(4)]
        forged = requests.post(
            f"{server.url}/slack/events", data=command("list", slack).encode(), timeout=5
        )
        health = requests.get(f"{server.url}/healthz", timeout=5)

        assert added.status_code == 200, added.text
        assert listed_meanwhile.status_code == 200, listed_meanwhile.text
        assert announcement.params["channel"] == CHANNEL
        assert "Beta shipped" in str(announcement.params["blocks"])
        # Whichever worker answers reads the milestone from the one database.
        for listed in lists:
            assert listed.status_code == 200, listed.text
            assert "Beta shipped" in listed.text
        assert forged.status_code == 401
        assert health.status_code == 200
        assert health.json() == {"ok": True}
        assert {call.token for call in slack.calls} == {BOT_TOKEN}
        assert server.terminate() == 0, server.output()
        output = server.output()

    assert set(answered_by(tmp_path / "access.log")) == workers
    assert "Traceback" not in output
    # No sweeps in web workers: the scheduler process runs them.
    assert "Scheduler started" not in output
    assert {int(pid) for pid in re.findall(r"worker (\d+) stopped", output)} == workers


def test_sigterm_lets_the_workers_finish_the_slack_calls_they_queued(tmp_path, slack, database_url):
    env = web_environment(tmp_path, slack, database_url)

    with gunicorn(tmp_path, env) as server:
        ready_workers(server, 2)
        # The announcement is made after the answer; Slack asks it to wait 2 seconds.
        slack.fail("chat.postMessage", status=429, retry_after=2)
        added = post_signed(server.url, command('add "Beta shipped" due 2099-01-15', slack))
        wait_for_attempts(slack, "chat.postMessage", 1)

        # SIGTERM while the worker waits to post it again.
        assert server.terminate() == 0, server.output()
        output = server.output()

    assert added.status_code == 200, added.text
    [refused, announcement] = slack.attempts_to("chat.postMessage")
    assert refused.status == 429
    assert announcement.ok
    assert "Beta shipped" in str(announcement.params["blocks"])
    assert "unfinished" not in output
    assert "Traceback" not in output


@pytest.fixture
def bare_environment(monkeypatch, tmp_path):
    """No setting at all but a SQLite DATABASE_URL, in a working folder without .env."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "LOG_", "DATABASE_", "DEFAULT_", "PORT")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    database_url = f"sqlite:///{tmp_path / 'milestones.db'}"
    monkeypatch.setenv("DATABASE_URL", database_url)
    return environment(tmp_path, DATABASE_URL=database_url)


@pytest.mark.parametrize(
    ("settings", "names"),
    [
        pytest.param({}, "SLACK_BOT_TOKEN is not set", id="no-bot-token"),
        pytest.param(
            {"SLACK_BOT_TOKEN": BOT_TOKEN}, "SLACK_SIGNING_SECRET is not set", id="no-secret"
        ),
    ],
)
def test_create_app_refuses_a_missing_setting_with_the_line_the_cli_says(
    bare_environment, monkeypatch, tmp_path, capsys, settings, names
):
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    said_by_serve = run("serve", cwd=tmp_path, env={**bare_environment, **settings})

    with pytest.raises(SystemExit) as stopped:
        create_app()

    assert stopped.value.code == NOT_STARTED
    said = capsys.readouterr()
    assert said.out == ""
    assert said.err.startswith(f"milestone-bot: {names}")
    assert said.err == said_by_serve.stderr
    assert said_by_serve.returncode == 2


def test_create_app_refuses_socket_mode_in_one_line(bare_environment, monkeypatch, capsys):
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-wsgi")

    with pytest.raises(SystemExit) as stopped:
        create_app()

    assert stopped.value.code == NOT_STARTED
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("milestone-bot: SLACK_APP_TOKEN is set, but Socket Mode")
    assert "milestone-bot serve" in line


def test_gunicorn_stops_at_once_with_the_one_line_when_a_setting_is_missing(tmp_path, slack):
    env = environment(
        tmp_path,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=slack.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'milestones.db'}",
    )

    # One worker: when several fail at the same moment, gunicorn (27) may trip over its own
    # halt and exit 1 with a traceback of its own, while still stopping at once.
    result = subprocess.run(
        [GUNICORN, "--workers", "1", "--bind", f"127.0.0.1:{free_port()}"]
        + ["bot.wsgi:create_app()"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )

    # Not a worker started again and again: gunicorn stops, with the workers' status.
    assert result.returncode == NOT_STARTED, result.stderr
    assert "Traceback" not in result.stderr
    said = {line for line in result.stderr.splitlines() if line.startswith("milestone-bot: ")}
    assert len(said) == 1, result.stderr
    assert said.pop().startswith("milestone-bot: SLACK_SIGNING_SECRET is not set")
    assert slack.calls == []
