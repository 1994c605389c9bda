"""Command latency: the bot against two bare Bolt apps, all on the same waitress server.

Usage: .venv/bin/python benchmarks/ack_latency.py [--requests 400] [--database-url URL]

Starts a fake Slack Web API (tests/fakeslack.py) in a process of its own, so that it does not
compete with the bot for the interpreter; then, in this process, the bot on a fresh SQLite file,
a bare Bolt app with Bolt's defaults (it polls for ack() every 10 ms) and one acking inline
(process_before_response=True). Sends signed slash commands one at a time and reports the
median and p99 time to the HTTP answer.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import requests
import waitress
from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fakeslack import FakeSlack  # noqa: E402

from bot.app import build_app  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.runtime import build_runtime  # noqa: E402
from bot.server import make_wsgi_app  # noqa: E402

SECRET = "benchmark-secret"


def serve(wsgi) -> str:
    server = waitress.create_server(wsgi, host="127.0.0.1", port=0, threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    return f"http://127.0.0.1:{server.effective_port}/slack/events"


def run_fake_slack(urls: multiprocessing.Queue) -> None:
    slack = FakeSlack().start()
    slack.set_user("U0OWNER", tz="UTC")
    urls.put(slack.base_url)
    threading.Event().wait()


def bare_app(slack_url: str, *, inline: bool):
    client = WebClient(token="xoxb-bench", base_url=slack_url)
    app = App(client=client, signing_secret=SECRET, process_before_response=inline)

    @app.command("/milestone")
    def only_ack(ack):
        ack()

    return make_wsgi_app(app, engine=None)


def body(text: str) -> str:
    return urlencode(
        {
            "team_id": "T111",
            "channel_id": "C111",
            "user_id": "U0OWNER",
            "command": "/milestone",
            "text": text,
            "response_url": "http://127.0.0.1:9/response",
            "trigger_id": uuid.uuid4().hex,
        }
    )


def measure(session: requests.Session, url: str, texts, count: int) -> list[float]:
    verifier = SignatureVerifier(SECRET)
    timings = []
    for index in range(count):
        payload = body(texts(index))
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": verifier.generate_signature(timestamp=timestamp, body=payload),
        }
        started = time.perf_counter()
        response = session.post(url, data=payload, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    return timings


def report(name: str, timings: list[float]) -> None:
    timings = sorted(timings)
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    print(f"{name:<34} median {statistics.median(timings):7.2f} ms   p99 {p99:7.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    urls: multiprocessing.Queue = multiprocessing.Queue()
    fake = multiprocessing.Process(target=run_fake_slack, args=(urls,), daemon=True)
    fake.start()
    slack_url = urls.get(timeout=10)
    folder = tempfile.mkdtemp()
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack_url,
            "DATABASE_URL": args.database_url or f"sqlite:///{folder}/bench.db",
        }
    )
    runtime = build_runtime(settings)
    bot_url = serve(make_wsgi_app(build_app(runtime), runtime.engine))
    default_url = serve(bare_app(slack_url, inline=False))
    inline_url = serve(bare_app(slack_url, inline=True))
    session = requests.Session()
    count = args.requests
    measure(session, bot_url, lambda i: "list", 20)  # warm up, and cache the caller's zone
    report("bare Bolt, defaults (polls ack)", measure(session, default_url, lambda i: "x", count))
    report("bare Bolt, ack inline", measure(session, inline_url, lambda i: "x", count))
    report("bot: /milestone list", measure(session, bot_url, lambda i: "list", count))
    add = measure(session, bot_url, lambda i: f'add "Checkpoint {i}" due 2099-12-01', count)
    report("bot: /milestone add", add)
    runtime.background.join(timeout=60)
    fake.terminate()


if __name__ == "__main__":
    main()
