"""Digest sweep: the weekly status of 10,000 channels with 20 milestones each, all due at once.

Usage: .venv/bin/python benchmarks/digest_sweep.py [--database-url URL] [--channels 10000]
       [--milestones 20] [--post]

Fills a fresh database (default: a new SQLite file; a PostgreSQL URL is emptied first) with
10 workspaces, their people (time zones looked up just now, a few away) and channels, each
channel with two goals and its milestones (reached, cancelled, waiting for approval, open with
due dates around now, some waiting on others) and their history (declared, moved, blocked,
reached, cancelled: about one milestone in thirty changed in the week before, which the status
tells). At Monday 09:05 UTC every channel's status is
due. Reports the time and the number of SQL statements to find the due channels and claim
them, and to compose every status (Block Kit messages ready to post), which is the sweep's
work minus the Slack posts (the best of three runs). With --post, then runs the real sweep
again a week later against a fake Slack Web API in another process, posts included, and says
when the status messages and the charts reached it.
"""

from __future__ import annotations

import argparse
import atexit
import multiprocessing
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from seeding import QueryCounter, Shape, database_name, fresh_engine, people_of, seed  # noqa: E402

from bot.config import load_settings  # noqa: E402
from bot.delivery.status_sweep import compose_digests, due_digests, run_digest_sweep  # noqa: E402
from bot.runtime import build_runtime  # noqa: E402
from bot.store.claims import claim  # noqa: E402
from bot.store.db import session_scope  # noqa: E402
from tests.support.fakeslack import FakeSlack  # noqa: E402

TEAMS = 10
# Monday 7 December 2026, 09:05 UTC: five minutes after every channel's default status time.
NOW = datetime(2026, 12, 7, 9, 5, tzinfo=UTC)


def run_fake_slack(
    urls: multiprocessing.Queue,
    user_ids: list[str],
    asks: multiprocessing.Queue,
    answers: multiprocessing.Queue,
) -> None:
    """The fake Slack, in a process of its own; each time `asks` gets something, it puts on
    `answers` the (method, time.time()) of every Web API call received since."""
    slack = FakeSlack()
    received: list[tuple[str, float]] = []
    handle = slack.handle

    def noted(http_method: str, path: str, *rest):
        received.append((path.removeprefix("/api/"), time.time()))
        return handle(http_method, path, *rest)

    slack.handle = noted
    slack.start()
    for user_id in user_ids:
        slack.set_user(user_id, tz="Europe/Paris", real_name=f"Person {user_id}")
    urls.put(slack.base_url)
    while True:
        asks.get()
        answers.put(list(received))
        received.clear()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--channels", type=int, default=10_000)
    parser.add_argument("--milestones", type=int, default=20, help="per channel")
    parser.add_argument("--post", action="store_true", help="also run the sweep with posts")
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    url = args.database_url or f"sqlite:///{folder}/digest.db"
    shape = Shape(
        teams=TEAMS,
        channels_per_team=args.channels // TEAMS,
        milestones_per_channel=args.milestones,
    )
    engine = fresh_engine(url)
    started = time.perf_counter()
    counts = seed(engine, shape, now=NOW, history=True)
    engine.dispose()
    print(f"seeded {counts} in {time.perf_counter() - started:.1f} s")

    urls: multiprocessing.Queue = multiprocessing.Queue()
    asks: multiprocessing.Queue = multiprocessing.Queue()
    answers: multiprocessing.Queue = multiprocessing.Queue()
    fake = multiprocessing.Process(
        target=run_fake_slack, args=(urls, people_of(shape), asks, answers), daemon=True
    )
    fake.start()
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": "bench",
            "SLACK_API_URL": urls.get(timeout=10),
            "DATABASE_URL": url,
            "DEFAULT_TIMEZONE": "UTC",
        }
    )
    runtime = build_runtime(settings)
    queries = QueryCounter(runtime.engine)
    print(
        f"{database_name(runtime.engine)}: {shape.channels} channels, {shape.milestones} milestones"
    )

    with queries.counting():
        started = time.perf_counter()
        with session_scope(runtime.engine) as session:
            due = due_digests(session, now=NOW, default_timezone="UTC")
            won = claim(
                session,
                [
                    {
                        "team_id": d.team_id,
                        "kind": "digest",
                        "key": d.key,
                        "channel_id": d.channel_id,
                        "claimed_at": NOW,
                    }
                    for d in due
                ],
            )
        found = time.perf_counter() - started
    print(f"find and claim {len(won)} due statuses: {found:6.2f} s, {queries.count} statements")

    claimed = [d for d in due if ("digest", d.key) in won]
    timings = []
    # Composing only reads: the best of three runs, since the machine is shared and noisy.
    for _ in range(3):
        with queries.counting():
            started = time.perf_counter()
            messages = blocks = 0
            for _digest, composed in compose_digests(runtime, claimed, now=NOW):
                messages += len(composed)
                blocks += sum(len(message["blocks"]) for message in composed)
            timings.append(time.perf_counter() - started)
    composing = min(timings)
    print(
        f"compose {len(claimed)} statuses ({messages} messages, {blocks} blocks): "
        f"{composing:6.2f} s, {queries.count} statements"
    )
    print(f"total without posting: {found + composing:6.2f} s")

    if args.post:
        week_later = NOW + timedelta(days=7)
        asks.put(None)
        answers.get(timeout=60)  # the calls so far (looking people up) left out
        with queries.counting():
            started = time.perf_counter()
            began = time.time()
            report = run_digest_sweep(runtime, now=week_later)
            elapsed = time.perf_counter() - started
        print(
            f"whole sweep a week later, posting to a fake Slack: {elapsed:6.2f} s, "
            f"{queries.count} statements ({report})"
        )
        asks.put(None)
        received = answers.get(timeout=60)
        posts = sorted(at - began for method, at in received if method == "chat.postMessage")
        charts = sorted(
            at - began for method, at in received if method == "files.completeUploadExternal"
        )
        for name, times in (("status message", posts), ("chart", charts)):
            if times:
                half = times[len(times) // 2]
                print(
                    f"  {len(times)} {name}s: first {times[0]:6.2f} s, half {half:6.2f} s,"
                    f" last {times[-1]:6.2f} s after the sweep began"
                )
    fake.terminate()


if __name__ == "__main__":
    main()
