"""The web side as a WSGI application, for servers that run it in several processes:
`gunicorn --workers 4 'bot.wsgi:create_app()'`.

Each worker process calls create_app once. Web workers answer Slack, the health check and the
metrics; the sweeps run elsewhere, in one `milestone-bot scheduler` process.
"""

from __future__ import annotations

import atexit
import logging
import os
from collections.abc import Callable

from bot import logs
from bot.cli import START_ERRORS, read_settings, refuse, start_problem
from bot.config import ConfigError, Settings
from bot.runtime import Runtime

log = logging.getLogger(__name__)

# The status a worker exits with when it cannot start: gunicorn's APP_LOAD_ERROR, on which it
# stops and exits with it too, rather than start the worker again and again.
NOT_STARTED = 4
# How long a stopping worker waits for the Slack calls it queued: less than the 30 seconds
# gunicorn gives a worker after SIGTERM (--graceful-timeout) before it kills it.
FINISH_TIMEOUT = 25


def create_app() -> Callable:
    """The bot's WSGI application, with the settings `milestone-bot serve` reads (the
    environment, then .env in the working folder), and no scheduler.

    A setting that is missing or wrong, a database or Slack that cannot be used, stop the
    process with the one line `milestone-bot` says (SystemExit(NOT_STARTED)).
    """
    try:
        settings = read_settings()
        _require_http(settings)
    except ConfigError as error:
        raise _refused(str(error)) from None
    logs.configure(level=settings.log_level, log_format=settings.log_format)
    try:
        application, runtime = _build(settings)
    except START_ERRORS as error:
        raise _refused(start_problem(error, settings)) from None
    atexit.register(_finish, runtime)
    log.info(
        "worker %d ready: POST /slack/events, GET /healthz, GET /metrics (no sweeps here)",
        os.getpid(),
    )
    return application


def _require_http(settings: Settings) -> None:
    if settings.socket_mode:
        raise ConfigError(
            "SLACK_APP_TOKEN is set, but Socket Mode does not go through a WSGI server: unset it "
            "and point the Slack app's Request URLs at /slack/events here, or run "
            "`milestone-bot serve` for Socket Mode."
        )
    if settings.metrics_port:
        raise ConfigError(
            "METRICS_PORT is a port `milestone-bot serve` opens; gunicorn listens only where it "
            "is told: unset METRICS_PORT and set METRICS_TOKEN to keep /metrics private."
        )
    settings.require_credentials()


def _build(settings: Settings) -> tuple[Callable, Runtime]:
    from bot.app import build_app
    from bot.runtime import build_runtime, fewer_heaps
    from bot.server import make_wsgi_app
    from bot.web import public_links

    fewer_heaps()
    runtime = build_runtime(settings)
    application = make_wsgi_app(
        build_app(runtime),
        runtime.engine,
        metrics_token=settings.metrics_token,
        public_links=public_links(runtime),
    )
    if not settings.metrics_token:
        log.warning("/metrics is public: set METRICS_TOKEN (see .env.example)")
    return application, runtime


def _refused(problem: str) -> SystemExit:
    refuse(problem)
    return SystemExit(NOT_STARTED)


def _finish(runtime: Runtime) -> None:
    """At the worker's exit: the Slack calls it queued after answering are made, then its
    database connections are closed.

    (The background lanes' threads end with the process: this wait is what finishes them.)
    """
    if runtime.background.join(timeout=FINISH_TIMEOUT):
        runtime.background.shutdown()
    else:
        log.warning("stopping with Slack calls unfinished after %ds", FINISH_TIMEOUT)
    runtime.engine.dispose()
    log.info("worker %d stopped", os.getpid())
