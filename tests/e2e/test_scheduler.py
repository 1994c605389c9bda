"""The scheduler that runs the sweeps in `serve` and `scheduler`: its first runs, however late."""

from datetime import UTC, datetime, timedelta

from bot.delivery.scheduler import build_scheduler
from tests.support.harness import OWNER
from tests.support.sweeping import at, direct_messages


def test_a_first_sweep_that_starts_late_still_runs_at_once(bot):
    """A start that takes long between building the scheduler and starting it (a busy
    machine, a slow database) must not drop the first sweep: the day's nudges would wait for
    the next interval, half an hour on."""
    bot.add('"Beta version completed" due 2026-12-01')
    bot.clock.set(at(2, 17))  # noon in New York, where the owner works: one day overdue
    built = datetime.now(UTC) - timedelta(minutes=10)
    scheduler = build_scheduler(bot.runtime, now=built)
    scheduler.start()
    try:
        # The announcement of the milestone, then the nudge.
        _announcement, nudge = bot.slack.wait_for("chat.postMessage", count=2, timeout=15)
    finally:
        scheduler.shutdown(wait=True)
    bot.settle()

    assert direct_messages(bot.slack, OWNER) == [nudge]
    assert "Beta version completed" in str(nudge.params["blocks"])
