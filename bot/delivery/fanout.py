"""Sending a sweep's messages: many channels at once, each channel's messages in order.

Slack takes about one message a second in a channel, so a sweep that posted channel after
channel would wait a second per message. Here each channel (or person) is a lane of the
sweep's own Background: a few workers take whichever channel may take its next message
soonest, so the waits of one channel overlap the sends of the others, and no worker sleeps
on one channel's turn while another channel's message could go.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from bot.slack.client import Background, Pacer

log = logging.getLogger("bot.fanout")

WORKERS = 8


@dataclass(frozen=True)
class Job:
    key: str  # messages with the same key go out in order
    run: Callable[[], object]
    # Called instead of `run` when the process is stopping before the job started.
    skip: Callable[[], object] | None = None


def fan_out(
    jobs: Iterable[Job],
    *,
    pacer: Pacer,
    workers: int = WORKERS,
    stopping: threading.Event | None = None,
) -> None:
    """Run every job and return when all are done (or skipped because `stopping` was set)."""
    jobs = list(jobs)
    if not jobs:
        return
    keys = {job.key for job in jobs}
    lanes = Background(pacer, workers=max(1, min(workers, len(keys))), name="fanout")
    try:
        for job in jobs:
            lanes.submit(job.key, partial(_run, job, stopping))
        lanes.join(timeout=None)
    finally:
        lanes.shutdown()


def _run(job: Job, stopping: threading.Event | None) -> None:
    if stopping is not None and stopping.is_set():
        if job.skip is not None:
            job.skip()
        return
    try:
        job.run()
    except Exception:
        log.exception("sending %s failed", job.key)
