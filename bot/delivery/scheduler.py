"""APScheduler wiring: triggers the sweeps; all schedule state lives in the bot's tables."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from enum import StrEnum

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.delivery.announce import run_announcement_sweep
from bot.delivery.deliveries import SweepReport
from bot.delivery.housekeeping import HousekeepingReport, run_housekeeping
from bot.delivery.nudges import run_nudge_sweep
from bot.delivery.status_sweep import run_digest_sweep
from bot.logs import log_context
from bot.metrics import FAILURES, SWEEP_SECONDS
from bot.runtime import Runtime, give_back_freed_memory

log = logging.getLogger("bot.schedule")


class Sweep(StrEnum):
    DIGEST = "digest"  # the weekly status
    NUDGES = "nudges"
    ANNOUNCEMENTS = "announcements"
    HOUSEKEEPING = "housekeeping"  # old request claims forgotten


# Each sweep, and how often it runs (minutes).
SWEEPS = {
    Sweep.DIGEST: run_digest_sweep,
    Sweep.NUDGES: run_nudge_sweep,
    Sweep.ANNOUNCEMENTS: run_announcement_sweep,
    Sweep.HOUSEKEEPING: run_housekeeping,
}
EVERY_MINUTES = {Sweep.DIGEST: 5, Sweep.NUDGES: 30, Sweep.ANNOUNCEMENTS: 2, Sweep.HOUSEKEEPING: 60}


def run_sweep(runtime: Runtime, name: Sweep | str) -> SweepReport | HousekeepingReport:
    """Run the sweep `name` now: timed in the metrics, its log lines marked with its name."""
    with log_context(sweep=name):
        with SWEEP_SECONDS.labels(name).time():
            try:
                report = SWEEPS[name](runtime, now=runtime.clock())
            except Exception:
                FAILURES.labels("sweep").inc()
                raise
            finally:
                give_back_freed_memory()
        log.info("%s sweep: %s", name, report)
    return report


def build_scheduler(runtime: Runtime, *, now: datetime | None = None) -> BackgroundScheduler:
    """Short sweeps on intervals, the first at `now` (the moment it is built) so missed work is
    caught up at start.

    In a thread of its own: the main thread serves the health check and the metrics. A run
    that comes late (a slow start between building and starting, a busy machine, a sweep still
    running at the next interval) runs as soon as it can, once: APScheduler's default would
    drop a run more than a second late, and the first sweep with it, leaving the day's nudges
    to the next interval."""
    first = now or datetime.now(UTC)
    scheduler = BackgroundScheduler(timezone=UTC)
    for name, minutes in EVERY_MINUTES.items():
        scheduler.add_job(
            run_sweep,
            IntervalTrigger(minutes=minutes),
            args=(runtime, name),
            id=name,
            name=f"{name} sweep",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
            next_run_time=first,
        )
    return scheduler
