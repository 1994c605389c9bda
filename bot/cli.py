"""Entry points: milestone-bot serve | scheduler | run-job digest|nudges."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence

from dotenv import load_dotenv
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.config import ConfigError, Settings, load_settings

log = logging.getLogger("bot")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="milestone-bot", description="A Slack app for teams that reach goals by milestones."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="answer Slack (HTTP or Socket Mode) and run sweeps")
    serve.add_argument("--no-scheduler", action="store_true", help="do not run the sweeps here")
    commands.add_parser("scheduler", help="run only the scheduled sweeps")
    job = commands.add_parser("run-job", help="run one sweep now, then exit")
    job.add_argument("job", choices=["digest", "nudges"])
    args = parser.parse_args(argv)

    load_dotenv()
    try:
        settings = load_settings()
        logging.basicConfig(
            level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        if args.command == "serve":
            return _serve(settings, with_scheduler=not args.no_scheduler)
        if args.command == "scheduler":
            return _scheduler(settings)
        return _run_job(settings, args.job)
    except ConfigError as error:
        print(f"milestone-bot: {error}", file=sys.stderr)
        return 2
    except SQLAlchemyError as error:
        print(
            f"milestone-bot: cannot use the database at DATABASE_URL ({_first_line(error)}). "
            "Check the URL and that the database server is running.",
            file=sys.stderr,
        )
        return 2
    except (BoltError, SlackApiError) as error:
        print(
            f"milestone-bot: Slack refused the tokens ({_first_line(error)}). Check "
            "SLACK_BOT_TOKEN (and SLACK_APP_TOKEN for Socket Mode) against your app's pages.",
            file=sys.stderr,
        )
        return 2


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _runtime(settings: Settings):
    from bot.runtime import build_runtime

    settings.require_bot_token()
    return build_runtime(settings)


def _serve(settings: Settings, *, with_scheduler: bool) -> int:
    import waitress

    from bot.app import build_app
    from bot.schedule import build_scheduler
    from bot.server import make_wsgi_app

    settings.require_bot_token()
    if not settings.socket_mode:
        settings.require_signing_secret()
    runtime = _runtime(settings)
    app = build_app(runtime)
    scheduler = build_scheduler(runtime, blocking=False) if with_scheduler else None
    socket_handler = None
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        socket_handler = SocketModeHandler(app, settings.slack_app_token)
        socket_handler.connect()
        wsgi = make_wsgi_app(None, runtime.engine)
        log.info("connected to Slack in Socket Mode; health check on port %d", settings.port)
    else:
        wsgi = make_wsgi_app(app, runtime.engine)
        log.info("listening on port %d: POST /slack/events, GET /healthz", settings.port)
    server = waitress.create_server(wsgi, host="0.0.0.0", port=settings.port, threads=8)
    _on_terminate(server.close)
    if scheduler:
        scheduler.start()
    try:
        server.run()
    finally:
        # Finish what was started: queued Slack calls, a running sweep.
        if socket_handler:
            socket_handler.close()
        if scheduler:
            scheduler.shutdown(wait=True)
        runtime.background.join(timeout=30)
        runtime.background.shutdown()
    return 0


def _scheduler(settings: Settings) -> int:
    from bot.schedule import build_scheduler

    runtime = _runtime(settings)
    scheduler = build_scheduler(runtime, blocking=True)
    _on_terminate(lambda: scheduler.shutdown(wait=False))
    log.info("scheduler started")
    scheduler.start()
    return 0


def _run_job(settings: Settings, job: str) -> int:
    from bot.schedule import run_sweep

    runtime = _runtime(settings)
    count = run_sweep(runtime, job)
    print(f"{job}: {count} message(s) sent")
    return 0


def _on_terminate(stop) -> None:
    def handler(_signum, _frame) -> None:
        log.info("stopping: finishing work in progress")
        stop()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
