"""The HTTP edge as `milestone-bot serve` runs it: slow clients, bodies too large to read,
request bodies kept out of the log at DEBUG, and /metrics on a port of its own."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from tests.support.botprocess import BotProcess, environment, free_port
from tests.support.harness import CHANNEL, SIGNING_SECRET, TEAM
from tests.support.served import post_signed as signed_post
from tests.support.served import slash_command

SLOW_CLIENTS = 150
# Each slow client sends one more byte of its request this often: never idle long enough to be
# closed for it, never done.
TRICKLE_SECONDS = 2.0


class SlowClients:
    """Connections that send a request a byte at a time and never finish it."""

    def __init__(self, port: int, count: int) -> None:
        self.sockets = []
        for _ in range(count):
            connection = socket.create_connection(("127.0.0.1", port), timeout=5)
            connection.sendall(b"P")
            self.sockets.append(connection)
        self._request = (
            b"OST /slack/events HTTP/1.1\r\nHost: bot\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, daemon=True)
        self._thread.start()

    def _trickle(self) -> None:
        sent = 0
        while not self._stop.wait(TRICKLE_SECONDS):
            byte = self._request[sent % len(self._request) : sent % len(self._request) + 1]
            for connection in self.sockets:
                # A connection the server closed stays closed; the others go on.
                with contextlib.suppress(OSError):
                    connection.sendall(byte)
            sent += 1

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        for connection in self.sockets:
            connection.close()


def serve_environment(tmp_path: Path, slack, **settings: str) -> dict[str, str]:
    return environment(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-edge-token",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'milestones.db'}",
        PORT=str(free_port()),
        **settings,
    )


def post_signed(url: str, body: str, *, secret: str = SIGNING_SECRET) -> requests.Response:
    return signed_post(url, body, secret=secret, timeout=5)


@pytest.fixture
def served(tmp_path, slack) -> Iterator[BotProcess]:
    with BotProcess(
        "serve", "--no-scheduler", cwd=tmp_path, env=serve_environment(tmp_path, slack)
    ) as bot:
        bot.wait_until_healthy()
        yield bot


def test_slow_clients_do_not_keep_slack_or_the_health_check_waiting(served, slack):
    port = int(served.url.rsplit(":", 1)[1])
    slow = SlowClients(port, SLOW_CLIENTS)
    try:
        answers = []
        # Right away, then after the slow clients have sent a few more bytes each.
        for pause in (0.5, 2 * TRICKLE_SECONDS + 0.5):
            time.sleep(pause)
            started = time.monotonic()
            health = requests.get(f"{served.url}/healthz", timeout=3)
            command = post_signed(served.url, slash_command("help", slack))
            answers.append((health.status_code, command.status_code, time.monotonic() - started))
    finally:
        slow.close()

    for health, command, seconds in answers:
        assert (health, command) == (200, 200)
        assert seconds < 1.5, answers
    assert served.terminate() == 0, served.output()


def test_a_body_over_one_mib_is_refused_before_it_is_read(served):
    port = int(served.url.rsplit(":", 1)[1])
    peak_before = peak_memory_kib(served.process.pid)

    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: bot\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 209715200\r\n\r\n" + b"a" * 65536
        )
        declared = connection.recv(4096)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
        )
        chunk = b"a" * 65536
        try:
            for _ in range(40):  # 2.5 MiB, in chunks
                connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:
            pass  # refused and closed before the end
        chunked = connection.recv(4096)

    assert declared.startswith(b"HTTP/1.1 413 "), declared
    assert chunked.startswith(b"HTTP/1.1 413 "), chunked
    # Nothing like the 200 MB declared was taken in.
    assert peak_memory_kib(served.process.pid) - peak_before < 20 * 1024
    assert served.terminate() == 0, served.output()


def peak_memory_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc")


def test_request_bodies_never_reach_the_log_even_at_debug(tmp_path, slack):
    marker = f"marker{uuid.uuid4().hex}"
    env = serve_environment(tmp_path, slack, LOG_LEVEL="DEBUG")
    press = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": "U0STRANGER"},
        "channel": {"id": CHANNEL},
        "trigger_id": "1.2.3",
        "response_url": slack.response_url("action"),
        "actions": [{"action_id": marker, "block_id": marker, "value": marker, "type": "button"}],
    }
    pressed = "payload=" + quote(json.dumps(press))

    with BotProcess("serve", "--no-scheduler", cwd=tmp_path, env=env) as bot:
        bot.wait_until_healthy()
        unsigned = requests.post(
            f"{bot.url}/slack/events",
            data=pressed,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": "abc",
            },
            timeout=5,
        )
        forged = post_signed(bot.url, pressed, secret="not-the-secret")
        unhandled = post_signed(bot.url, pressed)
        declared = post_signed(bot.url, slash_command(f'add "{marker}" due 2099-01-15', slack))
        slack.wait_for("chat.postMessage", timeout=10)
        assert bot.terminate() == 0, bot.output()
        output = bot.output()

    assert (unsigned.status_code, forged.status_code) == (401, 401)
    assert (unhandled.status_code, declared.status_code) == (404, 200)
    assert "DEBUG" in output
    assert marker not in output


def test_metrics_port_serves_the_metrics_and_nothing_else(tmp_path, slack):
    metrics_port = free_port()
    env = serve_environment(tmp_path, slack, METRICS_PORT=str(metrics_port))

    with BotProcess("serve", "--no-scheduler", cwd=tmp_path, env=env) as bot:
        bot.wait_until_healthy()
        metrics_url = f"http://127.0.0.1:{metrics_port}"
        public_metrics = requests.get(f"{bot.url}/metrics", timeout=5)
        private_metrics = requests.get(f"{metrics_url}/metrics", timeout=5)
        events_there = requests.post(f"{metrics_url}/slack/events", data=b"x", timeout=5)
        assert bot.terminate() == 0, bot.output()
        output = bot.output()

    assert public_metrics.status_code == 404
    assert private_metrics.status_code == 200
    assert "milestone_bot_requests" in private_metrics.text
    assert events_there.status_code == 404
    assert "/metrics is public" not in output


def test_serve_warns_once_that_metrics_are_public_without_a_token_or_port(served):
    assert served.terminate() == 0
    assert served.output().count("/metrics is public") == 1
