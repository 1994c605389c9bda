"""Memory: the resident size of `milestone-bot serve` with 100,000 milestones in its database.

Usage: .venv/bin/python benchmarks/memory.py [--database-url URL] [--milestones 100000]
       [--requests 300]

Fills a fresh database (default: a new SQLite file; a PostgreSQL URL is emptied first) as the
sweep benchmarks do (10 workspaces, 20 milestones a channel), with every channel's weekly
status due a minute before the bot starts, so the sweeps that run at start-up do their most
work: every status, the day's nudges and reminders, the cards whose health changed. Then starts
the real `milestone-bot serve` (HTTP, scheduler in the same process, the fake Slack Web API of
tests/support/fakeslack.py in another process), sends it signed `/milestone list`,
`/milestone status` and App Home openings across channels and people while the sweeps run, and
waits until it is idle. Reports its resident size (VmRSS) after start-up and at the end, and its
peak (VmHWM).
"""

from __future__ import annotations

import argparse
import atexit
import json
import multiprocessing
import shutil
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import requests
from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from seeding import Shape, fresh_engine, people_of, seed  # noqa: E402

from tests.support.botprocess import BotProcess, environment, free_port  # noqa: E402
from tests.support.fakeslack import FakeSlack  # noqa: E402

SECRET = "benchmark-secret"
TEAMS = 10
PER_CHANNEL = 20


def run_fake_slack(urls: multiprocessing.Queue, user_ids: list[str]) -> None:
    slack = FakeSlack().start()
    for user_id in user_ids:
        slack.set_user(user_id, tz="Europe/Paris", real_name=f"Person {user_id}")
    urls.put(slack.base_url)
    threading.Event().wait()


def memory_of(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in kB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def cpu_ticks(pid: int) -> int:
    parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(parts[11]) + int(parts[12])  # utime + stime


def signed(verifier: SignatureVerifier, body: str, content_type: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": verifier.generate_signature(timestamp=timestamp, body=body),
    }


def command(team: str, channel: str, user: str, text: str) -> str:
    return urlencode(
        {
            "team_id": team,
            "channel_id": channel,
            "user_id": user,
            "command": "/milestone",
            "text": text,
            "response_url": "http://127.0.0.1:9/response",
            "trigger_id": uuid.uuid4().hex,
        }
    )


def home_opened(team: str, user: str) -> str:
    return json.dumps(
        {
            "team_id": team,
            "api_app_id": "A111",
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "event": {
                "type": "app_home_opened",
                "user": user,
                "channel": f"D{user}",
                "tab": "home",
                "event_ts": f"{time.time():.6f}",
                "view": {"id": "V0HOME", "team_id": team, "type": "home", "blocks": []},
            },
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--milestones", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    url = args.database_url or f"sqlite:///{folder}/memory.db"
    shape = Shape(
        teams=TEAMS,
        channels_per_team=args.milestones // PER_CHANNEL // TEAMS,
        milestones_per_channel=PER_CHANNEL,
    )
    now = datetime.now(UTC)
    due = now - timedelta(minutes=1)
    engine = fresh_engine(url)
    counts = seed(engine, shape, now=now, digest_at=(due.weekday(), due.strftime("%H:%M")))
    engine.dispose()
    print(f"seeded {counts}")

    urls: multiprocessing.Queue = multiprocessing.Queue()
    fake = multiprocessing.Process(
        target=run_fake_slack, args=(urls, people_of(shape)), daemon=True
    )
    fake.start()
    port = free_port()
    env = environment(
        folder,
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=urls.get(timeout=10),
        DATABASE_URL=url,
        PORT=str(port),
        DEFAULT_TIMEZONE="UTC",
        LOG_LEVEL="WARNING",
    )
    verifier = SignatureVerifier(SECRET)
    # The console script in an interpreter of its own, as deployed: not forked from the tests'
    # forkserver, which has imported more than `serve` does at start (the chart's matplotlib).
    with BotProcess("serve", cwd=folder, env=env, forked=False) as bot:
        bot.wait_until_healthy()
        pid = bot.process.pid
        print(f"after start-up: {memory_of(pid)}")
        peak = {"VmRSS": 0}

        def watch(stop: threading.Event) -> None:
            while not stop.wait(0.1):
                peak["VmRSS"] = max(peak["VmRSS"], memory_of(pid)["VmRSS"])

        stop = threading.Event()
        watcher = threading.Thread(target=watch, args=(stop,), daemon=True)
        watcher.start()
        session = requests.Session()
        events = f"{bot.url}/slack/events"
        started = time.perf_counter()
        for index in range(args.requests):
            team_number = index % TEAMS
            team = f"T{team_number:04d}"
            channel = f"C{team_number:04d}{index % shape.channels_per_team:06d}"
            user = people_of(shape, team_number)[index % shape.people_per_team]
            kind = index % 3
            if kind == 2:
                body = home_opened(team, user)
                headers = signed(verifier, body, "application/json")
            else:
                body = command(team, channel, user, "list all" if kind == 0 else "status")
                headers = signed(verifier, body, "application/x-www-form-urlencoded")
            response = session.post(events, data=body.encode(), headers=headers)
            assert response.status_code == 200, response.text
        print(f"{args.requests} requests in {time.perf_counter() - started:.1f} s")
        # Idle: no CPU used for two seconds (the sweeps and the queued Slack calls are done).
        while True:
            before = cpu_ticks(pid)
            time.sleep(2)
            if cpu_ticks(pid) == before:
                break
        stop.set()
        watcher.join()
        final = memory_of(pid)
        print(f"idle after the requests and the start-up sweeps: {final}")
        print(
            f"peak resident size: {final['VmHWM'] / 1024:.1f} MB (sampled max VmRSS "
            f"{peak['VmRSS'] / 1024:.1f} MB); at the end {final['VmRSS'] / 1024:.1f} MB"
        )
        assert bot.terminate() == 0, bot.output()
    fake.terminate()


if __name__ == "__main__":
    main()
