"""Socket Mode: with SLACK_APP_TOKEN set, `serve` takes Slack's requests over a WebSocket."""

from __future__ import annotations

import json
import queue
import threading

import pytest
import requests
from botprocess import BotProcess, environment, free_port, refusal_line, run
from conftest import CHANNEL, slash_command_fields
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

from bot.render import blocks

APP_TOKEN = "xapp-1-A111-1-socketmode"
BOT_TOKEN = "xoxb-socket-token"


class SocketModeServer:
    """Slack's side of a Socket Mode connection: says hello, sends envelopes, keeps replies."""

    def __init__(self, envelopes: list[dict]) -> None:
        self.envelopes = envelopes
        self.replies: queue.Queue[dict] = queue.Queue()
        self._server = serve(self._connected, "127.0.0.1", 0)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/link"

    def _connected(self, connection: ServerConnection) -> None:
        connection.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "debug_info": {"host": "applink-test", "approximate_connection_time": 18060},
                    "connection_info": {"app_id": "A111"},
                }
            )
        )
        for envelope in self.envelopes:
            connection.send(json.dumps(envelope))
        try:
            for message in connection:
                self.replies.put(json.loads(message))
        except ConnectionClosed:
            pass

    def reply(self, timeout: float = 10.0) -> dict:
        try:
            return self.replies.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no reply from the bot within {timeout}s") from None

    def close(self) -> None:
        self._server.shutdown()


def slash_command_envelope(envelope_id: str, text: str, slack) -> dict:
    return {
        "envelope_id": envelope_id,
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": slash_command_fields(text, response_url=slack.response_url("command")),
    }


@pytest.fixture
def socket_mode(slack):
    server = SocketModeServer(
        [
            slash_command_envelope("e1", "help", slack),
            slash_command_envelope("e2", 'add "Beta shipped" due 2099-01-15', slack),
        ]
    )
    slack.answer("apps.connections.open", {"ok": True, "url": server.url})
    yield server
    server.close()


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
