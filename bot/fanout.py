"""Sending a sweep's messages: many channels at once, each channel's messages in order.

Slack takes about one message a second in a channel, so a sweep that posted channel after
channel would wait a second per message. Here each channel (or person) is a queue; queues
are shared out among a few workers and taken in rounds (every queue's first message, then
every queue's second...), so the waits of one channel overlap the sends of the others.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

log = logging.getLogger(__name__)

WORKERS = 8


@dataclass(frozen=True)
class Job:
    key: str  # messages with the same key go out in order
    run: Callable[[], object]
    # Called instead of `run` when the process is stopping before the job started.
    skip: Callable[[], object] | None = None


def fan_out(
    jobs: Iterable[Job], *, workers: int = WORKERS, stopping: threading.Event | None = None
) -> None:
    """Run every job and return when all are done (or skipped because `stopping` was set)."""
    queues: dict[str, list[Job]] = {}
    for job in jobs:
        queues.setdefault(job.key, []).append(job)
    if not queues:
        return
    workers = max(1, min(workers, len(queues)))
    # Each key to one worker, in turn, so keys spread evenly and stay in order.
    lanes: list[list[list[Job]]] = [[] for _ in range(workers)]
    for index, queue in enumerate(queues.values()):
        lanes[index % workers].append(queue)

    def work(lane: list[list[Job]]) -> None:
        depth = max(len(queue) for queue in lane)
        for round_ in range(depth):
            for queue in lane:
                if round_ < len(queue):
                    _run(queue[round_], stopping)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fanout") as pool:
        for future in [pool.submit(work, lane) for lane in lanes]:
            future.result()


def _run(job: Job, stopping: threading.Event | None) -> None:
    if stopping is not None and stopping.is_set():
        if job.skip is not None:
            job.skip()
        return
    try:
        job.run()
    except Exception:
        log.exception("sending %s failed", job.key)
