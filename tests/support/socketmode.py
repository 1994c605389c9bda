"""Slack's side of Socket Mode: a WebSocket server that says hello, sends envelopes and keeps the
bot's replies."""

from __future__ import annotations

import json
import queue
import threading

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

from tests.support.harness import slash_command_fields


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

    def reply(self, timeout: float = 20.0) -> dict:
        """The bot's next reply. The first waits for the bot to start: as long as a start may
        take (tests.support.botprocess.STARTUP_TIMEOUT) on a machine running tests in parallel."""
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
