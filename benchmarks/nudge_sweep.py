"""Nudge sweep over 1,000,000 milestones: the time to find what is due.

Usage: .venv/bin/python benchmarks/nudge_sweep.py [--database-url URL] [--milestones 1000000]

Fills a fresh database (default: a new SQLite file; a PostgreSQL URL is emptied first) with
10 workspaces of 5,000 channels, each with its share of the milestones: 55% reached, 10%
cancelled, 5% waiting for approval, 30% open with due dates from 10 days ago to 120 days
ahead; one in ten waits on another, 2% of the open ones are marked blocked; every card is
posted and shows the health it had a day before. Owners' time zones were looked up just now
(no users.info lookups are timed). Working time is in play: the deployment's default is
09:00-18:00 on mon-fri with GB's public holidays, and one person in ten chose hours, days or
holidays of their own. Owners about to be reminded are asked whether their do-not-disturb is
on (dnd.info, against a fake Slack on this machine; cached five minutes, so only the first of
the three runs asks). At Tuesday 09:00 UTC it times, with the statements each runs:

- finding the due nudges and reminders at the day's first sweep (nothing claimed yet);
- the same at a later sweep that day, once they are claimed (the usual case);
- finding the cards whose health changed (as each sweep does after its reminders): first with
  the cards as they were a day before, then at the next sweep, once those were updated;
- the first sweep of New York's working day (14:00 UTC) and of Tokyo's next one (00:00 UTC
  Wednesday), the earlier ones claimed and sent; New York's again as if the process that
  claimed the day's first reminders had died before sending them (a claim held for 15 minutes
  is taken over: those are due again, with New York's); and a sweep on Saturday, when nobody
  works.

Each is the best of three runs (they only read). Sending is not timed: it is one Slack call
per reminder, whatever the database holds. The objects made before the sweeps are set aside
from garbage collection, as the bot does once started (`--keep-start-up-collected` does not).
"""

from __future__ import annotations

import argparse
import atexit
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from seeding import (  # noqa: E402
    QueryCounter,
    Shape,
    database_name,
    fresh_engine,
    seed,
    seed_schedules,
)
from sqlalchemy import update  # noqa: E402
from sqlmodel import col  # noqa: E402

from bot.config import load_settings  # noqa: E402
from bot.delivery.nudges import changed_health, claim_reminders, due_reminders  # noqa: E402
from bot.runtime import build_runtime, set_start_up_aside  # noqa: E402
from bot.store.db import session_scope  # noqa: E402
from bot.store.models import Delivery, DeliveryState, Milestone, Person  # noqa: E402
from tests.support.fakeslack import FakeSlack  # noqa: E402

TEAMS = 10
PER_CHANNEL = 20
# Tuesday 8 December 2026, 09:00 UTC.
NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


REPEAT = 3


def timed(queries: QueryCounter, work):
    """Run `work` (which only reads) REPEAT times: its result, the best time, statements.

    The best of a few runs, since the machine is shared and noisy.
    """
    times = []
    for _ in range(REPEAT):
        with queries.counting():
            started = time.perf_counter()
            result = work()
            times.append(time.perf_counter() - started)
    timed.first = times[0]
    return result, min(times), queries.count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--milestones", type=int, default=1_000_000)
    parser.add_argument(
        "--keep-start-up-collected",
        action="store_true",
        help="leave the objects made before the sweeps in every garbage collection, as the "
        "bot did before it set them aside at start-up",
    )
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    url = args.database_url or f"sqlite:///{folder}/nudges.db"
    shape = Shape(
        teams=TEAMS,
        channels_per_team=args.milestones // PER_CHANNEL // TEAMS,
        milestones_per_channel=PER_CHANNEL,
    )
    engine = fresh_engine(url)
    started = time.perf_counter()
    counts = seed(engine, shape, now=NOW)
    counts["personschedule"] = seed_schedules(engine, shape)
    engine.dispose()
    print(f"seeded {counts} in {time.perf_counter() - started:.1f} s")

    slack = FakeSlack().start()
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": "bench",
            "SLACK_API_URL": slack.base_url,
            "DATABASE_URL": url,
            "DEFAULT_TIMEZONE": "UTC",
            "HOLIDAYS": "GB",
        }
    )
    runtime = build_runtime(settings)
    if not args.keep_start_up_collected:
        # As `milestone-bot serve` and `scheduler` do once started (the seeding's garbage is
        # collected first).
        set_start_up_aside()
    queries = QueryCounter(runtime.engine)
    print(f"{database_name(runtime.engine)}: {shape.milestones} milestones")

    first_sweep(runtime, slack, queries, NOW, "first sweep of the day")
    later, elapsed, statements = timed(queries, lambda: due_reminders(runtime, now=NOW))
    print(
        f"find due reminders, a later sweep that day: {elapsed:6.3f} s, {statements} statements"
        f" ({len(later)} due)"
    )
    changed, elapsed, statements = timed(queries, lambda: changed_health(runtime, now=NOW))
    print(
        f"find cards whose health changed, first:    {elapsed:6.3f} s, {statements} statements"
        f" ({len(changed)} changed)"
    )
    # As if those cards were updated (the sweep does so through Slack, one call each).
    with session_scope(runtime.engine) as session:
        for milestone, state in changed:
            session.execute(
                update(Milestone)
                .where(col(Milestone.id) == milestone.id)
                .values(shown_health=state)
            )
    changed, elapsed, statements = timed(queries, lambda: changed_health(runtime, now=NOW))
    print(
        f"find cards whose health changed, next:     {elapsed:6.3f} s, {statements} statements"
        f" ({len(changed)} changed)"
    )
    first_sweep(
        runtime, slack, queries, NOW.replace(hour=14), "New York opens (14:00 UTC)", claim=False
    )
    taken_over(runtime, queries, NOW.replace(hour=14), claimed_at=NOW)
    first_sweep(runtime, slack, queries, NOW + timedelta(hours=15), "Tokyo opens (00:00 UTC Wed)")
    saturday_at = NOW + timedelta(days=4)
    looked_up(runtime, saturday_at)
    saturday, elapsed, statements = timed(queries, lambda: due_reminders(runtime, now=saturday_at))
    print(
        f"find due reminders, Saturday 09:00 UTC:    {elapsed:6.3f} s, {statements} statements"
        f" ({len(saturday)} due)"
    )
    print(f"Slack calls made: {len(slack.calls)} ({dnd_calls(slack)} dnd.info or dnd.teamInfo)")
    slack.stop()


def dnd_calls(slack) -> int:
    return len(slack.calls_to("dnd.info")) + len(slack.calls_to("dnd.teamInfo"))


def looked_up(runtime, now: datetime) -> None:
    """As if everyone's profile had just been looked up: no users.info call is timed."""
    with session_scope(runtime.engine) as session:
        session.execute(update(Person).values(fetched_at=now))


def first_sweep(
    runtime, slack, queries: QueryCounter, now: datetime, name: str, *, claim: bool = True
) -> None:
    """Time finding the reminders due at `now` (its first run asks Slack about do-not-disturb),
    then (unless `claim` is false) claim them as the sweep would, and send them."""
    looked_up(runtime, now)
    asked = dnd_calls(slack)
    reminders, elapsed, statements = timed(queries, lambda: due_reminders(runtime, now=now))
    print(
        f"find due reminders, {name}: {elapsed:6.3f} s ({timed.first:6.3f} s with "
        f"{dnd_calls(slack) - asked} do-not-disturb calls), {statements} statements"
        f" ({len(reminders)} due)"
    )
    if claim:
        with session_scope(runtime.engine) as session:
            claim_reminders(session, reminders, now=now)
        delivered(runtime)


def delivered(runtime) -> None:
    """As if every claimed reminder had been sent (the sweep marks each once Slack took it): a
    claim still held after 15 minutes is taken as left by a process that died, and is due
    again."""
    with session_scope(runtime.engine) as session:
        session.execute(
            update(Delivery)
            .where(col(Delivery.state) == DeliveryState.CLAIMED)
            .values(state=DeliveryState.SENT)
        )


def taken_over(runtime, queries: QueryCounter, now: datetime, claimed_at: datetime) -> None:
    """Time finding the reminders due at `now` when the reminders claimed at `claimed_at` were
    left unsent by a process that died: those are found again, with the ones due now; then
    claim and send them all."""
    with session_scope(runtime.engine) as session:
        session.execute(
            update(Delivery)
            .where(col(Delivery.claimed_at) == claimed_at)
            .values(state=DeliveryState.CLAIMED)
        )
    reminders, elapsed, statements = timed(queries, lambda: due_reminders(runtime, now=now))
    print(
        f"find due reminders, New York opens, the day's first claims left by a process that"
        f" died: {elapsed:6.3f} s, {statements} statements ({len(reminders)} due)"
    )
    with session_scope(runtime.engine) as session:
        claim_reminders(session, reminders, now=now)
    delivered(runtime)


if __name__ == "__main__":
    main()
