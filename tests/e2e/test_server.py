"""The HTTP side: `milestone-bot serve` as deployed (waitress, signals) and the WSGI routes."""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from bot.render import blocks
from bot.server import make_wsgi_app
from bot.store.db import make_engine
from bot.store.schema import migrate
from tests.support.botprocess import BotProcess, declare_milestone
from tests.support.harness import CHANNEL, OWNER, TEAM, serving
from tests.support.served import BOT_TOKEN, post_signed, serve_environment, slash_command

# ---------------------------------------------------------------- milestone-bot serve


def test_serve_answers_health_checks_with_waitress_and_stops_on_sigterm(tmp_path, slack):
    env = serve_environment(tmp_path, slack)

    with BotProcess("serve", "--no-scheduler", cwd=tmp_path, env=env) as bot:
        health = bot.wait_until_healthy()

        assert health.status_code == 200
        assert health.json() == {"ok": True}
        assert health.headers["Server"] == "waitress"

        stopping = time.monotonic()
        assert bot.terminate() == 0, bot.output()
        assert time.monotonic() - stopping < 5
        assert "Traceback" not in bot.output()


def test_serve_answers_signed_slash_commands_and_calls_slack_api_url(tmp_path, slack):
    env = serve_environment(tmp_path, slack)

    with BotProcess("serve", "--no-scheduler", cwd=tmp_path, env=env) as bot:
        bot.wait_until_healthy()

        help_answer = post_signed(bot.url, slash_command("help", slack))
        forged = post_signed(bot.url, slash_command("help", slack), secret="not-the-secret")
        added = post_signed(bot.url, slash_command('add "Beta shipped" due 2099-01-15', slack))
        [announcement] = slack.wait_for("chat.postMessage", timeout=10)

        assert help_answer.status_code == 200
        assert help_answer.json() == blocks.help_message()
        assert forged.status_code == 401
        assert added.status_code == 200, added.text
        assert announcement.params["channel"] == CHANNEL
        assert "Beta shipped" in str(announcement.params["blocks"])
        assert {call.token for call in slack.calls} == {BOT_TOKEN}
        assert bot.terminate() == 0, bot.output()


def test_serve_runs_the_sweeps_in_the_same_process(tmp_path, slack):
    env = serve_environment(tmp_path, slack)
    reference = declare_milestone(
        env["DATABASE_URL"],
        team_id=TEAM,
        channel_id=CHANNEL,
        owner_id=OWNER,
        title="Contract signed",
        due_date=datetime.now(UTC).date() - timedelta(days=2),
    )

    with BotProcess("serve", cwd=tmp_path, env=env) as bot:
        bot.wait_until_healthy()
        # The sweeps run once at start, then on their intervals.
        try:
            [nudge] = slack.wait_for("chat.postMessage", timeout=30)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{bot.output()}") from None

        assert nudge.params["channel"] == f"D{OWNER}"
        assert reference in str(nudge.params["blocks"])
        assert bot.terminate() == 0, bot.output()


# ---------------------------------------------------------------- the WSGI routes


def test_health_check_answers_ok_when_the_database_answers(bot):
    response = requests.get(f"{bot.url}/healthz", timeout=5)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"ok": True}


def test_unknown_paths_are_not_found(bot):
    assert requests.get(f"{bot.url}/", timeout=5).status_code == 404
    assert requests.get(f"{bot.url}/slack/event", timeout=5).status_code == 404
    assert requests.post(f"{bot.url}/healthz/more", timeout=5).status_code == 404


@pytest.fixture
def vanishing_database(tmp_path):
    """An engine over a SQLite file whose folder the test can delete."""
    folder = tmp_path / "data"
    folder.mkdir()
    url = f"sqlite:///{folder / 'milestones.db'}"
    migrate(url)
    engine = make_engine(url)
    yield folder, engine
    engine.dispose()


def test_health_check_answers_503_when_the_database_is_gone(vanishing_database):
    folder, engine = vanishing_database

    with serving(make_wsgi_app(None, engine)) as url:
        before = requests.get(f"{url}/healthz", timeout=5)
        shutil.rmtree(folder)
        engine.dispose()  # no pooled connection to the deleted file: the next check reconnects
        after = requests.get(f"{url}/healthz", timeout=5)

    assert before.status_code == 200
    assert after.status_code == 503
    assert after.json() == {"ok": False}


def test_without_a_bolt_app_only_the_health_check_is_served(vanishing_database):
    _folder, engine = vanishing_database

    with serving(make_wsgi_app(None, engine)) as url:
        health = requests.get(f"{url}/healthz", timeout=5)
        events = requests.post(f"{url}/slack/events", data=b"command=%2Fmilestone", timeout=5)

    assert health.status_code == 200
    assert events.status_code == 404
