"""The public links served over HTTP: time to answer GET /share/<token> and
GET /calendar/<token>.ics for a channel of N milestones.

Usage: .venv/bin/python benchmarks/public_links.py [--milestones 100] [--repeat 15]
       [--database-url postgresql+psycopg://...]

The bot is served as the tests serve it (waitress, the fake Slack), on a SQLite file by
default. The channel gets N milestones through /milestone add (five goals, due dates over 60
days, every third one rescheduled); then each row gives the median and slowest of `--repeat`
requests: the page the first time (the timeline drawn), the page again (the drawing kept),
the page revalidated with its ETag (304), and the calendar feed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

import requests  # noqa: E402

from bot.store import schema  # noqa: E402
from tests.support.fakeslack import FakeSlack  # noqa: E402
from tests.support.harness import OWNER, START, Clock, make_settings, running_bot  # noqa: E402
from tests.support.links import link_in, served  # noqa: E402


def timed(get, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        get()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--milestones", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, FakeSlack() as slack:
        url = args.database_url or f"sqlite:///{Path(folder) / 'milestones.db'}"
        schema.migrate(url)
        slack.set_user(OWNER, tz="UTC", real_name="Olive Owner")
        with running_bot(make_settings(url, slack), slack, Clock(START)) as bot:
            for number in range(1, 6):
                bot.command(f'goal add "Goal {number}"')
            first_day = date(2026, 12, 1)
            for number in range(args.milestones):
                due = first_day + timedelta(days=number % 60)
                bot.command(
                    f'add "Milestone {number} of the plan" due {due} goal G-{number % 5 + 1}'
                )
                if number % 3 == 0:
                    bot.command(f"due M-{number + 1} {due + timedelta(days=7)} because of a test")
            page = served(bot, link_in(bot.command("share")))
            feed = served(bot, link_in(bot.command("calendar")))

            began = time.perf_counter()
            etag = requests.get(page, timeout=30).headers["ETag"]
            first = (time.perf_counter() - began) * 1000
            rows = [
                ("page, first (timeline drawn)", (first, first)),
                (
                    "page again (drawing kept)",
                    timed(lambda: requests.get(page, timeout=30), args.repeat),
                ),
                (
                    "page revalidated (304)",
                    timed(
                        lambda: requests.get(page, headers={"If-None-Match": etag}, timeout=30),
                        args.repeat,
                    ),
                ),
                ("calendar feed", timed(lambda: requests.get(feed, timeout=30), args.repeat)),
            ]
    print(f"{args.milestones} milestones, {'PostgreSQL' if args.database_url else 'SQLite'}")
    print("| request | median | slowest |\n| --- | --- | --- |")
    for name, (median, slowest) in rows:
        print(f"| {name} | {median:.0f} ms | {slowest:.0f} ms |")


if __name__ == "__main__":
    main()
