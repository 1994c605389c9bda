"""Socket Mode: with SLACK_APP_TOKEN set, `serve` takes Slack's requests over a WebSocket."""

from __future__ import annotations

import requests

from bot.render import blocks
from tests.support.botprocess import BotProcess, environment, free_port, refusal_line, run
from tests.support.harness import CHANNEL

APP_TOKEN = "xapp-1-A111-1-socketmode"
BOT_TOKEN = "xoxb-socket-token"


def test_serve_answers_slash_commands_over_socket_mode(tmp_path, slack, socket_mode):
    env = environment(
        tmp_path,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_API_URL=slack.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'milestones.db'}",
        PORT=str(free_port()),
    )

    with BotProcess("serve", "--no-scheduler", cwd=tmp_path, env=env) as bot:
        help_reply = socket_mode.reply()
        add_reply = socket_mode.reply()
        [announcement] = slack.wait_for("chat.postMessage", timeout=10)
        health = bot.wait_until_healthy()
        over_http = requests.post(f"{bot.url}/slack/events", data=b"command=%2Fmilestone")

        assert help_reply == {"envelope_id": "e1", "payload": blocks.help_message()}
        assert add_reply["envelope_id"] == "e2"
        assert announcement.params["channel"] == CHANNEL
        assert "Beta shipped" in str(announcement.params["blocks"])
        [connection] = slack.calls_to("apps.connections.open")
        assert connection.token == APP_TOKEN
        assert {call.token for call in slack.calls if call is not connection} == {BOT_TOKEN}
        assert health.status_code == 200
        assert health.json() == {"ok": True}
        # Slack's requests come over the socket only; HTTP serves the health check.
        assert over_http.status_code == 404
        assert bot.terminate() == 0, bot.output()
        assert "Traceback" not in bot.output()


def test_an_app_token_that_slack_refuses_stops_serve_naming_it(tmp_path, slack):
    slack.answer("apps.connections.open", {"ok": False, "error": "invalid_auth"})

    result = run(
        "serve",
        "--no-scheduler",
        cwd=tmp_path,
        env=environment(
            tmp_path,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_APP_TOKEN=APP_TOKEN,
            SLACK_API_URL=slack.base_url,
            DATABASE_URL=f"sqlite:///{tmp_path / 'milestones.db'}",
            PORT=str(free_port()),
        ),
    )

    # Bolt logs the failed call as it happens; the refusal is the last line.
    line = refusal_line(result)
    assert "SLACK_APP_TOKEN" in line
    assert "invalid_auth" in line
