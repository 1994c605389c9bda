"""Logs: plain text or one JSON object a line, carrying the ids of the work at hand.

The ids (request, team, channel, user, milestone, sweep) live in a context variable: a request
runs in a context of its own (bot/app.py), the background worker carries the submitting
context into its thread (bot/slack/client.py), and sweeps set them around each delivery.

No request body reaches the log, at any level: the Slack libraries' lines that quote one are
left out (WithoutRequestBodies).
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType, TracebackType
from typing import IO

# In this order in text lines and JSON objects.
ID_NAMES = ("request_id", "team_id", "channel_id", "user_id", "milestone_id", "sweep")

_ids: ContextVar[Mapping[str, str | int]] = ContextVar("log_ids", default=MappingProxyType({}))

log = logging.getLogger("bot")


def current_ids() -> dict[str, str | int]:
    """The ids of the work at hand, in ID_NAMES order."""
    ids = _ids.get()
    return {name: ids[name] for name in ID_NAMES if name in ids}


@contextmanager
def log_context(**ids: str | int | None) -> Iterator[None]:
    """Lines logged in the block (and in work it hands to the background) carry `ids`."""
    token = _ids.set(_merged(ids))
    try:
        yield
    finally:
        _ids.reset(token)


def add_log_context(**ids: str | int | None) -> None:
    """Add `ids` for the rest of the current request, which runs in a context of its own."""
    _ids.set(_merged(ids))


def _merged(ids: Mapping[str, str | int | None]) -> Mapping[str, str | int]:
    unknown = set(ids) - set(ID_NAMES)
    if unknown:
        raise ValueError(f"not a log id: {', '.join(sorted(unknown))}")
    given = {name: value for name, value in ids.items() if value not in (None, "")}
    return MappingProxyType({**_ids.get(), **given})


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message [ids]`, then the traceback if any."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        ids = current_ids()
        if ids:
            line += " [" + " ".join(f"{name}={value}" for name, value in ids.items()) + "]"
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, the ids, exception text."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **current_ids(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        entry["thread"] = record.threadName
        # Whatever a library puts in a message (bytes, objects) still makes valid JSON.
        return json.dumps(entry, default=str, ensure_ascii=False)


class WithoutRequestBodies(logging.Filter):
    """Leaves out the Slack libraries' lines that quote what Slack (or anyone) sent.

    slack_bolt writes whole request bodies at INFO and DEBUG (a failed signature check, each
    listener's arguments) and parts of them in its warnings (an unhandled request, a missing
    ack); slack_sdk writes Web API and Socket Mode bodies at DEBUG. The bot logs one line of its
    own for each request (bot.requests), with ids and no text. Bolt's errors stay: they say
    what failed, not what was sent. Also left out: matplotlib's notes below warnings (the fonts
    it scanned when it first draws a chart).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("matplotlib"):
            return record.levelno >= logging.WARNING
        if record.name.startswith("slack_bolt"):
            return record.levelno >= logging.ERROR
        if record.name.startswith("slack_sdk"):
            return record.levelno >= logging.WARNING
        return True


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else TextFormatter()


def configure(*, level: str, log_format: str, stream: IO[str] | None = None) -> None:
    """Send every log line of the process to `stream` (stderr) in `log_format`.

    That includes the lines of waitress, Bolt, slack_sdk and APScheduler (all through the root
    logger), Python warnings, and exceptions nobody caught, in any thread.
    """
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(formatter(log_format))
    handler.addFilter(WithoutRequestBodies())
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread


def _log_uncaught(
    kind: type[BaseException], error: BaseException, traceback: TracebackType | None
) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, traceback)
        return
    log.critical("uncaught exception", exc_info=(kind, error, traceback))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    # As Python's own hook does: a thread ending with SystemExit is not an error.
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread else "unknown"
    log.error(
        "uncaught exception in thread %s",
        name,
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )


def print_line(text: str, *, log_format: str, file: IO[str], level: int = logging.INFO) -> None:
    """Print one line the command line says in its own voice (a refusal, a job's report) in
    the log format, so that with json every line the process writes parses."""
    if log_format == "json":
        record = logging.makeLogRecord(
            {"name": "bot.cli", "levelno": level, "levelname": logging.getLevelName(level)}
        )
        record.msg = text
        text = JsonFormatter().format(record)
    print(text, file=file)
