"""Delivery lanes: how long a quiet channel's announcement waits while a busy channel works
through a backlog, with the old background worker and the lanes, side by side in one run.

The bot is served over HTTP (waitress) and sent signed `/milestone add` requests, as Slack
sends them: first `--backlog` declarations in one busy channel, then one declaration in each
of `--quiet` other channels, `--spacing` seconds apart. The fake Slack runs in a process of
its own and enforces one message a second per channel, answering 429 beyond it. Measured for
each quiet channel: from sending its request to its card reaching the fake Slack (both read on
the host's monotonic clock, which processes share on Linux).

"Before" is the Background of commit 7c73608, kept below as `HashedBackground`: keys hashed
onto 4 single-thread executors, the pacer sleeping inside them. "After" is bot.slack.Background.
Both run with the same Pacer, database and fake Slack.

Usage: .venv/bin/python benchmarks/lanes.py [--database-url URL] [--backlog 150] [--quiet 40]
       [--spacing 0.25]
"""

from __future__ import annotations

import argparse
import contextvars
import multiprocessing
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import requests

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from seeding import fresh_engine  # noqa: E402
from slack_sdk.signature import SignatureVerifier  # noqa: E402

from bot.app import build_app  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.runtime import build_runtime  # noqa: E402
from bot.server import make_wsgi_app  # noqa: E402
from bot.slack.client import _attempt  # noqa: E402
from tests.support.fakeslack import FakeSlack  # noqa: E402
from tests.support.harness import serving, slash_command_fields  # noqa: E402

SECRET = "benchmark"
BUSY = "C0BUSY"


class HashedBackground:
    """The background worker before the lanes (commit 7c73608), trimmed to what runs here."""

    def __init__(self, workers: int = 4) -> None:
        self._executors = [
            ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"slack-{index}")
            for index in range(workers)
        ]

    def submit(self, key: str, work: Callable[[], None]) -> None:
        executor = self._executors[zlib.crc32(key.encode()) % len(self._executors)]
        executor.submit(contextvars.copy_context().run, _attempt, work)

    def shutdown(self) -> None:
        for executor in self._executors:
            executor.shutdown(wait=True, cancel_futures=True)


def run_fake_slack(connection) -> None:
    """The fake Slack in a process of its own, answering this benchmark's commands."""
    slack = FakeSlack().start()
    slack.set_user("U0OWNER", tz="UTC", real_name="Olive Owner")
    slack.limit_posts(per_channel_seconds=1.0)
    connection.send(slack.base_url)
    while True:
        command = connection.recv()
        if command == "posts":
            connection.send(
                [
                    (a.params.get("channel"), a.status, a.at)
                    for a in slack.attempts_to("chat.postMessage")
                ]
            )
        elif command == "reset":
            slack.reset()
            slack.limit_posts(per_channel_seconds=1.0)
            connection.send(None)
        else:
            slack.stop()
            connection.send(None)
            return


def declare(url: str, channel: str, title: str) -> None:
    body = urlencode(
        slash_command_fields(
            f"add {title} due 2026-12-15", response_url=f"{url}/nowhere", channel=channel
        )
    )
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    response = requests.post(
        f"{url}/slack/events",
        data=body.encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature,
        },
        timeout=10,
    )
    response.raise_for_status()


def measure(design: str, database_url: str, fake, args) -> dict:
    fresh_engine(database_url).dispose()
    fake.send("reset")
    fake.recv()
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-benchmark",
            "SLACK_SIGNING_SECRET": SECRET,
            "DATABASE_URL": database_url,
            "SLACK_API_URL": args.slack_url,
            "DEFAULT_TIMEZONE": "UTC",
        }
    )
    runtime = build_runtime(settings)
    if design == "before":
        runtime.background.shutdown()
        runtime.background = HashedBackground()
    quiet = [f"C0QUIET{n:03d}" for n in range(args.quiet)]
    sent: dict[str, float] = {}
    try:
        with serving(make_wsgi_app(build_app(runtime), runtime.engine), threads=8) as url:
            for n in range(args.backlog):
                declare(url, BUSY, f"Busy step {n}")
            for channel in quiet:
                sent[channel] = time.monotonic()
                declare(url, channel, "Quiet step")
                time.sleep(args.spacing)
            deadline = time.monotonic() + args.backlog + 30
            while time.monotonic() < deadline:
                fake.send("posts")
                posts = fake.recv()
                if set(quiet) <= {channel for channel, status, _ in posts if status == 200}:
                    break
                time.sleep(0.2)
    finally:
        runtime.background.shutdown()
        runtime.engine.dispose()
    arrived = {channel: at for channel, status, at in posts if status == 200}
    delays = sorted(arrived.get(channel, float("inf")) - sent[channel] for channel in quiet)
    busy = [at for channel, status, at in posts if channel == BUSY and status == 200]
    return {
        "median": statistics.median(delays),
        "p95": delays[max(0, round(0.95 * len(delays)) - 1)],
        "max": delays[-1],
        "within 2 s": sum(delay <= 2.0 for delay in delays),
        "busy queued": args.backlog - sum(at < sent[quiet[0]] for at in busy),
        "429s": sum(status == 429 for _, status, _ in posts),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--backlog", type=int, default=150)
    parser.add_argument("--quiet", type=int, default=40)
    parser.add_argument("--spacing", type=float, default=0.25)
    args = parser.parse_args()
    scratch = tempfile.TemporaryDirectory()
    database_url = args.database_url or f"sqlite:///{scratch.name}/lanes.db"

    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.Process(target=run_fake_slack, args=(theirs,), daemon=True)
    process.start()
    args.slack_url = ours.recv()
    database = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    print(
        f"{database}: {args.backlog} declarations in one channel, then one in each of "
        f"{args.quiet} others, {args.spacing} s apart"
    )
    for design in ("before", "after"):
        result = measure(design, database_url, ours, args)
        print(
            f"{design:>6}: quiet-channel delay median {result['median']:.2f} s, "
            f"p95 {result['p95']:.2f} s, max {result['max']:.2f} s; "
            f"{result['within 2 s']}/{args.quiet} within 2 s; busy channel held "
            f"{result['busy queued']} when the first quiet one declared; 429s {result['429s']}"
        )
    ours.send("stop")
    ours.recv()


if __name__ == "__main__":
    main()
