"""Logs and metrics: JSON log lines with the ids of the work at hand, and /metrics."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlencode

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from slack_bolt import BoltRequest

from bot.app import build_app
from bot.config import ConfigError, load_settings
from bot.delivery.scheduler import run_sweep
from bot.logs import JsonFormatter, current_ids
from bot.render import blocks
from bot.slack.client import make_client
from tests.support.botprocess import (
    BotProcess,
    closed_port,
    declare_milestone,
    environment,
    free_port,
    refusal_line,
    run,
)
from tests.support.harness import (
    APPROVER,
    CHANNEL,
    OTHER,
    OWNER,
    TEAM,
    make_settings,
    slash_command_fields,
)
from tests.support.served import post_signed, serve_environment
from tests.support.sweeping import at
from tests.support.workflows import run_step

FIELDS = {"time", "level", "logger", "message", "thread"}


def json_lines(text: str) -> list[dict]:
    """Every line of `text` as a JSON object; fails on the first line that is not one."""
    lines = []
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            raise AssertionError(f"not a JSON line: {line!r}\nin:\n{text}") from None
        assert isinstance(entry, dict), line
        assert entry.keys() >= FIELDS, line
        lines.append(entry)
    return lines


def process_lines(bot: BotProcess) -> list[dict]:
    bot._stdout.seek(0)
    bot._stderr.seek(0)
    return json_lines(bot._stdout.read()) + json_lines(bot._stderr.read())


class Sample(NamedTuple):
    name: str
    labels: tuple[tuple[str, str], ...] = ()


def sample(metric: str, /, **labels: str) -> Sample:
    return Sample(metric, tuple(sorted(labels.items())))


def read(url: str, wanted: Sample) -> float:
    """The value of the sample at GET `url`/metrics; 0 when it is not there yet."""
    response = requests.get(f"{url}/metrics", timeout=5)
    assert response.status_code == 200
    for family in text_string_to_metric_families(response.text):
        for found in family.samples:
            if found.name == wanted.name and found.labels == dict(wanted.labels):
                return found.value
    return 0.0


class Metrics:
    """Samples read now, to tell later how much they grew since (the metrics of one process
    add up over the tests it runs)."""

    def __init__(self, url: str, *samples: Sample) -> None:
        self.url = url
        self.before = {wanted: read(url, wanted) for wanted in samples}

    def grown(self, wanted: Sample) -> float:
        return read(self.url, wanted) - self.before[wanted]


def handled(kind: str, name: str, outcome: str) -> Sample:
    return sample("milestone_bot_requests_total", kind=kind, name=name, outcome=outcome)


def delivered(kind: str, outcome: str) -> Sample:
    return sample("milestone_bot_deliveries_total", kind=kind, outcome=outcome)


def retried(cause: str) -> Sample:
    return sample("milestone_bot_slack_retries_total", cause=cause)


# ---------------------------------------------------------------- LOG_FORMAT


def test_log_format_is_text_or_json():
    assert load_settings({}).log_format == "text"
    assert load_settings({"LOG_FORMAT": " JSON "}).log_format == "json"
    with pytest.raises(ConfigError, match="LOG_FORMAT"):
        load_settings({"LOG_FORMAT": "xml"})


FAILED = "announcement delivery 1 failed; a later sweep will retry"


def test_serve_with_json_logs_writes_nothing_but_json_lines_with_the_ids(tmp_path, slack):
    env = serve_environment(tmp_path, slack) | {"LOG_FORMAT": "json"}
    # The announcement fails (the first try and both retries): logged from the background.
    slack.fail("chat.postMessage", status=500, times=3)
    trigger_id = "1234567890.111.abcdef"
    command = slash_command_fields(
        'add "Beta shipped" due 2099-01-15',
        response_url=slack.response_url("command"),
        trigger_id=trigger_id,
    )

    with BotProcess("serve", cwd=tmp_path, env=env) as bot:
        bot.wait_until_healthy()
        added = post_signed(bot.url, urlencode(command))
        slack.wait_for("users.info", timeout=10)
        deadline = time.monotonic() + 10
        while not [e for e in process_lines(bot) if e["message"].startswith(FAILED)]:
            assert time.monotonic() < deadline, bot.output()
            time.sleep(0.05)
        scraped = requests.get(f"{bot.url}/metrics", timeout=5)
        assert bot.terminate() == 0, bot.output()
        lines = process_lines(bot)

    assert added.status_code == 200
    loggers = {entry["logger"] for entry in lines}
    assert {"waitress", "apscheduler.scheduler", "bot", "bot.requests"} <= loggers, lines
    [serving] = [e for e in lines if e["logger"] == "waitress"]
    assert serving["message"] == f"Serving on http://0.0.0.0:{env['PORT']}"
    [handled] = [e for e in lines if e["logger"] == "bot.requests"]
    assert handled["message"].startswith("command add: ok (HTTP 200) in ")
    assert handled["team_id"] == TEAM
    assert handled["channel_id"] == CHANNEL
    assert handled["user_id"] == OWNER
    assert handled["request_id"] == trigger_id
    assert handled["milestone_id"] == 1
    # Work handed to the background keeps the request's ids, and the milestone's.
    [failed] = [e for e in lines if e["message"].startswith(FAILED)]
    assert failed["level"] == "WARNING"
    assert failed["request_id"] == trigger_id
    assert (failed["team_id"], failed["channel_id"]) == (TEAM, CHANNEL)
    assert failed["milestone_id"] == 1
    assert "internal_error" in failed["message"]
    assert failed["thread"].startswith("slack-")
    swept = [e for e in lines if e["message"].startswith("nudges sweep: ")]
    assert swept and swept[0]["sweep"] == "nudges"
    assert 'milestone_bot_requests_total{kind="command",name="add",outcome="ok"} 1.0' in (
        scraped.text
    )
    assert 'milestone_bot_slack_retries_total{cause="server_error"} 2.0' in scraped.text


def test_warnings_and_uncaught_exceptions_in_threads_are_json_lines(tmp_path):
    script = """
import threading, warnings
from bot import logs
logs.configure(level="INFO", log_format="json")
warnings.warn("an old way of doing it", DeprecationWarning)
with logs.log_context(team_id="T9", milestone_id=7):
    thread = threading.Thread(target=lambda: 1 / 0, name="sweeper")
    thread.start()
    thread.join()
raise RuntimeError("nobody caught me")
"""
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=30,
    )

    warned, in_thread, uncaught = json_lines(result.stderr)
    assert result.stdout == ""
    assert result.returncode == 1
    assert warned["logger"] == "py.warnings"
    assert warned["level"] == "WARNING"
    assert "DeprecationWarning: an old way of doing it" in warned["message"]
    assert in_thread["message"] == "uncaught exception in thread sweeper"
    assert "ZeroDivisionError" in in_thread["exception"]
    assert uncaught["level"] == "CRITICAL"
    assert uncaught["message"] == "uncaught exception"
    assert "RuntimeError: nobody caught me" in uncaught["exception"]


@pytest.mark.parametrize(
    "settings",
    [
        {},  # no SLACK_BOT_TOKEN
        {"SLACK_BOT_TOKEN": "xoxb-test", "PORT": "http"},
    ],
)
def test_a_refused_start_says_so_in_one_json_line(tmp_path, settings):
    env = environment(tmp_path, LOG_FORMAT="json", **settings)

    result = run("serve", cwd=tmp_path, env=env)

    assert result.returncode == 2
    assert result.stdout == ""
    [refusal] = json_lines(result.stderr)
    assert refusal["level"] == "ERROR"
    assert refusal["message"].startswith("milestone-bot: ")
    assert ("PORT" if settings else "SLACK_BOT_TOKEN") in refusal["message"]


def test_an_invalid_log_format_is_refused_in_text(tmp_path):
    env = environment(tmp_path, SLACK_BOT_TOKEN="xoxb-test", LOG_FORMAT="xml")

    line = refusal_line(run("serve", cwd=tmp_path, env=env))

    assert "LOG_FORMAT must be text or json" in line


def test_run_job_reports_in_a_json_line(tmp_path, slack):
    env = environment(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_API_URL=slack.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'milestones.db'}",
        LOG_FORMAT="json",
    )

    result = run("run-job", "digest", cwd=tmp_path, env=env)

    assert result.returncode == 0, result.stderr
    [report] = json_lines(result.stdout)
    assert report["message"] == "digest: 0 sent, 0 to retry, 0 undeliverable"
    json_lines(result.stderr)


# ---------------------------------------------------------------- /metrics


def test_metrics_count_commands_by_subcommand_and_outcome(bot):
    counted = Metrics(
        bot.url,
        handled("command", "help", "ok"),
        handled("command", "add", "ok"),
        handled("command", "done", "refused"),
        handled("command", "unknown", "ok"),
        sample("milestone_bot_http_refused_total", reason="unsigned"),
        sample("milestone_bot_request_duration_seconds_count", kind="command"),
    )

    bot.command("help")
    bot.add('"Beta shipped" due 2026-12-15')
    bot.command("done M-99")
    bot.command("frobnicate everything")
    forged = bot.post(bot.command_body("help"), signature="v0=" + "0" * 64)

    assert forged.status_code == 401
    assert counted.grown(handled("command", "help", "ok")) == 1
    assert counted.grown(handled("command", "add", "ok")) == 1
    assert counted.grown(handled("command", "done", "refused")) == 1
    # An unknown subcommand is answered with the help, and named "unknown", not as typed.
    assert counted.grown(handled("command", "unknown", "ok")) == 1
    # The forged one was refused before Slack's app saw it.
    assert counted.grown(sample("milestone_bot_http_refused_total", reason="unsigned")) == 1
    timed = sample("milestone_bot_request_duration_seconds_count", kind="command")
    assert counted.grown(timed) == 4


def test_metrics_count_button_presses_and_forms_by_action_and_outcome(bot):
    counted = Metrics(
        bot.url,
        handled("action", blocks.COMPLETE, "ok"),
        handled("action", blocks.COMPLETE, "refused"),
        handled("action", blocks.RESCHEDULE, "ok"),
        handled("view_submission", blocks.RESCHEDULE_VIEW, "refused"),
    )
    milestone = bot.add('"Beta shipped" due 2026-12-15')
    value = bot.button(milestone)

    bot.press(blocks.RESCHEDULE, value)
    [view] = [call.params["view"] for call in bot.slack.calls_to("views.open")]
    bot.submit_view(json.loads(view) if isinstance(view, str) else view, {})
    bot.press(blocks.COMPLETE, value, user=OTHER)
    bot.press(blocks.COMPLETE, value)

    assert counted.grown(handled("action", blocks.COMPLETE, "refused")) == 1
    assert counted.grown(handled("action", blocks.COMPLETE, "ok")) == 1
    assert counted.grown(handled("action", blocks.RESCHEDULE, "ok")) == 1
    # The form answered with the field's error: no date picked.
    assert counted.grown(handled("view_submission", blocks.RESCHEDULE_VIEW, "refused")) == 1


def test_metrics_count_workflow_steps_by_callback_id_and_outcome(bot):
    counted = Metrics(
        bot.url,
        handled("function", "declare_milestone", "ok"),
        handled("function", "complete_milestone", "refused"),
    )

    run_step(bot, "declare_milestone", {"user": OWNER, "channel": CHANNEL, "title": "Beta shipped"})
    run_step(bot, "complete_milestone", {"user": OWNER, "reference": "M-999"})

    assert counted.grown(handled("function", "declare_milestone", "ok")) == 1
    assert counted.grown(handled("function", "complete_milestone", "refused")) == 1


def test_metrics_count_deliveries_and_time_the_sweeps(bot):
    counted = Metrics(
        bot.url,
        delivered("nudge", "sent"),
        delivered("nudge", "retry"),
        delivered("nudge", "dropped"),
        sample("milestone_bot_sweep_duration_seconds_count", sweep="nudges"),
        sample("milestone_bot_failures_total", where="delivery"),
    )
    # All three in Paris, so that one sweep finds them all in working hours.
    for user in (OWNER, OTHER):
        bot.slack.set_user(user, tz="Europe/Paris", real_name=f"Person {user}")
    bot.add('"Beta shipped" due 2026-12-01')
    bot.add('"Contract signed" due 2026-12-01', user=OTHER)
    bot.add('"Store listing" due 2026-12-01', user=APPROVER)
    bot.settle()
    bot.slack.fail("conversations.open", status=200, error="user_disabled", times=1)
    bot.slack.fail_nth("conversations.open", 2, status=200, error="fatal_error")

    bot.clock.set(at(3, 12))
    report = run_sweep(bot.runtime, "nudges")
    bot.settle()

    assert (report.sent, report.retry_later, report.dropped) == (1, 1, 1)
    assert counted.grown(delivered("nudge", "sent")) == 1
    assert counted.grown(delivered("nudge", "retry")) == 1
    assert counted.grown(delivered("nudge", "dropped")) == 1
    assert counted.grown(sample("milestone_bot_failures_total", where="delivery")) == 2
    assert counted.grown(sample("milestone_bot_sweep_duration_seconds_count", sweep="nudges")) == 1
    assert read(bot.url, sample("milestone_bot_sweep_duration_seconds_sum", sweep="nudges")) > 0


@pytest.mark.parametrize(("status", "cause"), [(429, "rate_limit"), (500, "server_error")])
def test_slack_retries_are_counted_by_cause(bot, status, cause):
    counted = Metrics(bot.url, retried(cause))
    bot.slack.fail("chat.postMessage", status=status, retry_after=0, times=2)

    bot.add('"Beta shipped" due 2026-12-15')

    assert len(bot.slack.attempts_to("chat.postMessage")) == 3
    assert counted.grown(retried(cause)) == 2


def test_connection_retries_are_counted(bot, slack, database_url):
    counted = Metrics(bot.url, retried("connection"))
    with closed_port() as port:
        nowhere = make_settings(database_url, slack, SLACK_API_URL=f"http://127.0.0.1:{port}/")
        with pytest.raises(OSError):
            make_client(nowhere, "xoxb-test-token", sleep=bot.runtime.slack.pacer.sleep).auth_test()

    assert counted.grown(retried("connection")) == 2


def test_the_scheduler_serves_health_checks_and_metrics(tmp_path, slack):
    database_url = f"sqlite:///{tmp_path / 'milestones.db'}"
    declare_milestone(
        database_url,
        team_id=TEAM,
        channel_id=CHANNEL,
        owner_id=OWNER,
        title="Contract signed",
        due_date=datetime.now(UTC).date() - timedelta(days=3),
    )
    env = environment(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_API_URL=slack.base_url,
        DATABASE_URL=database_url,
        PORT=str(free_port()),
    )

    with BotProcess("scheduler", cwd=tmp_path, env=env) as scheduler:
        health = scheduler.wait_until_healthy()
        # The first sweep runs as the process starts; a busy machine (the tests run in parallel)
        # can take a while to get it to Slack.
        slack.wait_for("chat.postMessage", timeout=30)
        swept = sample("milestone_bot_sweep_duration_seconds_count", sweep="nudges")
        deadline = time.monotonic() + 10
        while read(scheduler.url, swept) < 1:
            assert time.monotonic() < deadline, scheduler.output()
            time.sleep(0.05)
        nudges = read(scheduler.url, delivered("nudge", "sent"))
        events = requests.post(f"{scheduler.url}/slack/events", data=b"", timeout=5)
        assert scheduler.terminate() == 0, scheduler.output()

    assert health.status_code == 200
    assert health.json() == {"ok": True}
    assert nudges == 1
    assert events.status_code == 404


def test_socket_mode_requests_are_logged_with_their_ids_and_counted(
    tmp_path,
    slack,
    socket_mode,  # noqa: F811 (the fixture imported above)
):
    env = environment(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-socket",
        SLACK_APP_TOKEN="xapp-1-A111-1-socket",
        SLACK_API_URL=slack.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'milestones.db'}",
        PORT=str(free_port()),
        LOG_FORMAT="json",
    )

    with BotProcess("serve", "--no-scheduler", cwd=tmp_path, env=env) as bot:
        socket_mode.reply()
        socket_mode.reply()
        slack.wait_for("chat.postMessage", timeout=10)
        bot.wait_until_healthy()
        help_count = read(bot.url, handled("command", "help", "ok"))
        add_count = read(bot.url, handled("command", "add", "ok"))
        assert bot.terminate() == 0, bot.output()
        lines = process_lines(bot)

    assert (help_count, add_count) == (1, 1)
    # Sent together, the two may be handled in either order, on one thread or two.
    by_command = {e["message"].split(":")[0]: e for e in lines if e["logger"] == "bot.requests"}
    assert by_command.keys() == {"command help", "command add"}
    for entry in by_command.values():
        assert (entry["team_id"], entry["channel_id"], entry["user_id"]) == (TEAM, CHANNEL, OWNER)
        assert entry["request_id"].count(".") == 2  # Slack's trigger id
    # Each request had a context of its own: ids set for one never reach the other.
    assert by_command["command help"]["request_id"] != by_command["command add"]["request_id"]
    assert "milestone_id" not in by_command["command help"]
    assert by_command["command add"]["milestone_id"] == 1


@pytest.fixture
def request_lines():
    """The JSON lines `bot.requests` logs during the test."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("bot.requests")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lambda: json_lines(stream.getvalue())
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_ids_set_for_a_request_stay_with_it(bot, request_lines):
    bot.add('"Beta shipped" due 2026-12-15')
    app = build_app(bot.runtime)

    # One after the other in one thread, as a server thread or a Socket Mode worker takes them.
    for text in ("done M-1", "help"):
        body = bot.command_body(text)
        timestamp = str(int(time.time()))
        signature = bot.verifier.generate_signature(timestamp=timestamp, body=body)
        answer = app.dispatch(
            BoltRequest(
                body=body,
                headers={
                    "content-type": "application/x-www-form-urlencoded",
                    "x-slack-request-timestamp": timestamp,
                    "x-slack-signature": signature,
                },
            )
        )
        assert answer.status == 200
    bot.settle()

    done, help_ = request_lines()[-2:]
    assert done["message"].startswith("command done: ok")
    assert done["milestone_id"] == 1
    assert help_["message"].startswith("command help: ok")
    assert "milestone_id" not in help_
    assert help_["request_id"] != done["request_id"]
    assert current_ids() == {}
