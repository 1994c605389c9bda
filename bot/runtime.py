"""What every listener and sweep works with: settings, database, Slack, clock."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.domain.people import DoNotDisturb, Timezones
from bot.slack.client import Background, Messenger, Pacer
from bot.slack.installations import SlackAccess
from bot.store.db import make_engine
from bot.store.schema import prepare

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Now, as an aware UTC datetime: the form stored in the database."""
    return datetime.now(UTC)


def set_start_up_aside() -> None:
    """Leave what start-up made (modules, settings, the app, the runtime) out of every later
    garbage collection: called once the process is ready to work.

    A sweep that reads tens of thousands of rows fills the collector's oldest generation, and
    each full collection then walked the 150,000 objects start-up made, which are never
    garbage: a tenth to a fifth of a zone's first sweep of the day. The garbage made so far is
    collected first, so nothing that could be freed is set aside.
    """
    gc.collect()
    gc.freeze()


# How many heaps (glibc's arenas) the C library's allocator keeps for the process's threads.
HEAPS = 2
_M_ARENA_MAX = -8  # mallopt's parameter, from glibc's malloc.h


@functools.cache
def _glibc():
    """The C library, when it is glibc (which has mallopt and malloc_trim); otherwise None.
    Found once: finding it reads the linker's cache, and every sweep asks."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    if libc is None or not hasattr(libc, "mallopt") or not hasattr(libc, "malloc_trim"):
        return None
    return libc


def fewer_heaps() -> bool:
    """Let glibc's allocator keep HEAPS heaps for all the threads, rather than one more for
    each thread that allocates at once, up to eight per core: called at start, before the
    threads. Each heap keeps what it grew to, and the server's threads (requests, the sweeps
    and their workers, the background's) took the resident size of `serve` with 100,000
    milestones from about 240 MB to over 300 MB. Whether it was done: not where the C library
    is not glibc, nor when MALLOC_ARENA_MAX is set (glibc then does as it says)."""
    libc = _glibc()
    if libc is None or "MALLOC_ARENA_MAX" in os.environ:
        return False
    return bool(libc.mallopt(_M_ARENA_MAX, HEAPS))


def give_back_freed_memory() -> None:
    """Return the memory freed in glibc's heaps to the system (malloc_trim), as each sweep
    ends: what a sweep read and composed is freed by then, but kept by the heaps otherwise."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    slack: SlackAccess
    background: Background
    timezones: Timezones
    clock: Clock = utc_now
    # Slack's do-not-disturb of people about to be reminded, asked briefly cached.
    dnd: DoNotDisturb = field(default_factory=lambda: DoNotDisturb(lambda *_: {}))
    # Set when the process is asked to stop: sweeps send nothing more and give back the rest.
    stopping: threading.Event = field(default_factory=threading.Event)

    def messenger(self, team_id: str) -> Messenger:
        """The bot in workspace `team_id` (WorkspaceGone if it was uninstalled there)."""
        return self.slack.messenger(team_id)

    def quick_messenger(self, team_id: str) -> Messenger:
        """The bot in `team_id` for a call before a request's answer: it gives up after
        slack.QUICK_TIMEOUT, so the caller needs a fallback for when it raises."""
        return self.slack.quick_messenger(team_id)


def build_runtime(
    settings: Settings,
    *,
    clock: Clock = utc_now,
    pacer: Pacer | None = None,
    engine: Engine | None = None,
) -> Runtime:
    """Everything the bot runs on; `pacer` spaces its posts (by default in real time).
    `engine`, made by make_engine for settings.database_url, is for a caller that keeps one
    engine across runtimes (the tests: SQLAlchemy caches compiled statements per engine)."""
    # An empty database gets the schema now; any other than this code's is refused.
    prepare(settings.database_url)
    if engine is None:
        engine = make_engine(settings.database_url)
    elif engine.url.render_as_string(hide_password=False) != settings.database_url:
        raise ValueError("the engine given is not DATABASE_URL's")
    slack = SlackAccess(settings, engine, clock=clock, pacer=pacer)
    background = Background(slack.pacer)
    timezones = Timezones(
        engine,
        lookup=lambda team_id, user_id: slack.messenger(team_id).profile_of(user_id),
        default=settings.default_timezone,
        refresh_later=lambda work: background.submit("timezones", work),
        quick_lookup=lambda team_id, user_id: slack.quick_messenger(team_id).profile_of(user_id),
    )
    dnd = DoNotDisturb(
        lambda team_id, user_ids, now: slack.messenger(team_id).do_not_disturb(user_ids, now)
    )
    return Runtime(settings, engine, slack, background, timezones, clock, dnd=dnd)
