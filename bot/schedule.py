"""APScheduler wiring: triggers the sweeps; all schedule state lives in the bot's tables."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.deliveries import SweepReport
from bot.digest import run_digest_sweep
from bot.nudges import run_nudge_sweep
from bot.runtime import Runtime

log = logging.getLogger(__name__)

DIGEST_EVERY_MINUTES = 5
NUDGES_EVERY_MINUTES = 30

SWEEPS = {"digest": run_digest_sweep, "nudges": run_nudge_sweep}


def run_sweep(runtime: Runtime, name: str) -> SweepReport:
    report = SWEEPS[name](runtime, now=runtime.clock())
    log.info("%s sweep: %s", name, report)
    return report


def build_scheduler(runtime: Runtime, *, blocking: bool) -> BaseScheduler:
    """Short sweeps on intervals, the first right away so missed work is caught up at start."""
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone=UTC)
    for name, minutes in (("digest", DIGEST_EVERY_MINUTES), ("nudges", NUDGES_EVERY_MINUTES)):
        scheduler.add_job(
            run_sweep,
            IntervalTrigger(minutes=minutes),
            args=(runtime, name),
            id=name,
            coalesce=True,
            max_instances=1,
            next_run_time=datetime.now(UTC),
        )
    return scheduler
