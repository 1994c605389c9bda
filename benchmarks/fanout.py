"""Fan-out under Slack's rate limit: a nudge sweep posting to 200 channels at once.

Every channel has overdue milestones and posts its nudges in the channel, so the sweep has
`--per-channel` messages for each of `--channels` channels (spread over `--workspaces`
workspaces, each under its per-minute budget). The fake Slack enforces one message a second
per channel and answers 429 beyond it. The floor is the time the limit itself imposes: the last
message of a channel cannot go out before (per-channel - 1) seconds. Reported: the sweep's
time against that floor, the 429s, and every channel's messages counted (duplicates, losses).

Usage: .venv/bin/python benchmarks/fanout.py [--database-url URL] [--channels 200]
       [--per-channel 5] [--workspaces 4]
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from seeding import fresh_engine  # noqa: E402

from bot.config import load_settings  # noqa: E402
from bot.delivery.nudges import refresh_health_cards, run_nudge_sweep  # noqa: E402
from bot.domain import channels, milestones  # noqa: E402
from bot.runtime import build_runtime  # noqa: E402
from bot.store.db import session_scope  # noqa: E402
from bot.store.models import Person  # noqa: E402
from tests.support.fakeslack import FakeSlack  # noqa: E402


def seed(url: str, *, workspaces: int, channels_count: int, per_channel: int, now: datetime):
    """Overdue milestones, nudged in their channels, their cards posted, owners known."""
    engine = fresh_engine(url)
    today = now.date()
    expected: dict[str, set[str]] = {}
    with session_scope(engine) as session:
        for n in range(channels_count):
            team_id = f"T{n % workspaces:04d}"
            channel_id = f"C{n:05d}"
            channels.update(session, team_id=team_id, channel_id=channel_id, nudges="channel")
            for k in range(per_channel):
                owner = f"U{n % workspaces:02d}{k:03d}"
                change = milestones.declare(
                    session,
                    team_id=team_id,
                    channel_id=channel_id,
                    creator_id=owner,
                    title=f"Milestone {k} of channel {n}",
                    due_date=today - timedelta(days=3),
                    owner_id=owner,
                    approver_id=None,
                    today=today - timedelta(days=10),
                    now=now - timedelta(days=10),
                )
                session.flush()
                milestones.record_announcement(
                    session,
                    milestone_id=change.milestone.id,
                    ts=f"1700000000.{change.milestone.id:06d}",
                    shown_health=None,
                )
                expected.setdefault(channel_id, set()).add(change.milestone.reference)
        owners = {
            (f"T{w:04d}", f"U{w:02d}{k:03d}") for w in range(workspaces) for k in range(per_channel)
        }
        for team_id, user_id in owners:
            session.add(Person(team_id=team_id, user_id=user_id, timezone="UTC", fetched_at=now))
    engine.dispose()
    return expected


def run_fake_slack(connection) -> None:
    """The fake Slack in a process of its own (as Slack is): it answers the bot's calls, and
    this benchmark's commands on `connection`."""
    slack = FakeSlack().start()
    connection.send(slack.base_url)
    while True:
        command = connection.recv()
        if command == "limit":
            slack.reset()
            slack.limit_posts(per_channel_seconds=1.0)
            connection.send(None)
        elif command == "report":
            connection.send(
                [
                    (a.params.get("channel"), a.params.get("text", "").split(" ", 1)[0], a.status)
                    for a in slack.attempts_to("chat.postMessage")
                ]
            )
        else:
            slack.stop()
            connection.send(None)
            return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument("--per-channel", type=int, default=5)
    parser.add_argument("--workspaces", type=int, default=4)
    args = parser.parse_args()
    scratch = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{scratch.name}/fanout.db"
    now = datetime.now(UTC)

    started = time.perf_counter()
    expected = seed(
        url,
        workspaces=args.workspaces,
        channels_count=args.channels,
        per_channel=args.per_channel,
        now=now,
    )
    print(
        f"seeded {sum(map(len, expected.values()))} milestones in "
        f"{time.perf_counter() - started:.1f} s"
    )

    ours, theirs = multiprocessing.Pipe()
    fake = multiprocessing.Process(target=run_fake_slack, args=(theirs,), daemon=True)
    fake.start()
    base_url = ours.recv()
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-benchmark",
            "SLACK_SIGNING_SECRET": "benchmark",
            "DATABASE_URL": url,
            "SLACK_API_URL": base_url,
        }
    )
    runtime = build_runtime(settings, clock=lambda: now)
    # The cards show their health first, so the timed sweep only sends the nudges.
    refresh_health_cards(runtime, now=now)
    runtime.background.join(timeout=60)
    ours.send("limit")
    ours.recv()

    started = time.perf_counter()
    report = run_nudge_sweep(runtime, now=now)
    elapsed = time.perf_counter() - started
    runtime.background.join(timeout=60)
    ours.send("report")
    attempts = ours.recv()
    ours.send("stop")
    ours.recv()
    runtime.engine.dispose()

    posted: dict[str, Counter] = {}
    for channel, reference, status in attempts:
        if status == 200:
            # The notification text starts with the milestone's reference: "M-12 is 3 days..."
            posted.setdefault(channel, Counter())[reference] += 1
    limited = [a for a in attempts if a[2] == 429]
    total = sum(map(len, expected.values()))
    duplicates = sum(n - 1 for c in posted.values() for n in c.values() if n > 1)
    delivered = sum(len(set(c) & expected[ch]) for ch, c in posted.items())
    floor = args.per_channel - 1
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(
        f"{database}: {args.channels} channels x {args.per_channel} messages "
        f"({args.workspaces} workspaces): {total} to send"
    )
    print(
        f"sweep: {elapsed:.2f} s; floor {floor:.2f} s; ratio {elapsed / floor:.2f} (target <= 1.2)"
    )
    print(f"report: {report}")
    print(
        f"delivered {delivered}/{total}, losses {total - delivered}, duplicates {duplicates}, "
        f"429 answers {len(limited)}"
    )


if __name__ == "__main__":
    main()
