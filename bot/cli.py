"""Entry points: milestone-bot serve | scheduler | run-job | migrate | purge-team |
rotate-token-key | sandbox."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from urllib.error import URLError

from dotenv import load_dotenv
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot import logs
from bot.config import ConfigError, Settings, load_settings, requested_log_format
from bot.store.schema import SchemaError

log = logging.getLogger("bot")


# Said at the end of every subcommand's --help: where settings come from, and the statuses
# that every subcommand shares.
SETTINGS_NOTE = """\
Settings are read from the environment, then from a .env file in the working folder (the
environment wins); .env.example documents each. LOG_LEVEL and LOG_FORMAT apply to every
subcommand."""
REFUSED = "  2  a setting is missing or wrong, or the database cannot be used: one line says which"

SUBCOMMANDS = {
    "serve": (
        "answer Slack (HTTP or Socket Mode) and run sweeps",
        """\
Answer Slack's requests: over HTTP on PORT (POST /slack/events, GET /healthz, GET /metrics),
or over Socket Mode when SLACK_APP_TOKEN is set. Runs the scheduled sweeps in the same process
unless --no-scheduler is given. On SIGTERM or SIGINT it finishes the requests in progress and
the queued Slack calls, then exits.""",
        """\
environment:
  SLACK_BOT_TOKEN        one workspace (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET: many)
  SLACK_SIGNING_SECRET   HTTP mode
  SLACK_APP_TOKEN        Socket Mode
  DATABASE_URL, PORT, METRICS_TOKEN, METRICS_PORT, SLACK_API_URL,
  SLACK_MESSAGES_PER_MINUTE, DEFAULT_TIMEZONE, TOKEN_ENCRYPTION_KEY

exit status:
  0  stopped by SIGTERM or SIGINT
  2  a setting is missing or wrong, the database cannot be used or is at another schema
     revision, Slack refused a token, or the port is in use: one line says which""",
    ),
    "scheduler": (
        "run only the scheduled sweeps",
        """\
Run only the scheduled sweeps (weekly status every 5 minutes, nudges every 30, announcements
that did not go out every 2), with GET /healthz and GET /metrics on PORT and no Slack
requests. Any number may run on the same database: every message is claimed before it is
sent. On SIGTERM or SIGINT a running sweep finishes the message in hand, gives back the rest,
and the process exits.""",
        """\
environment:
  SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET), DATABASE_URL, PORT,
  METRICS_TOKEN, METRICS_PORT, SLACK_API_URL, SLACK_MESSAGES_PER_MINUTE, DEFAULT_TIMEZONE,
  TOKEN_ENCRYPTION_KEY

exit status:
  0  stopped by SIGTERM or SIGINT
  2  a setting is missing or wrong, the database cannot be used, or the port is in use""",
    ),
    "run-job": (
        "run one sweep now, then exit",
        """\
Run one sweep now and exit, for cron and operations: digest (the weekly statuses due),
nudges (overdue nudges, due-soon reminders, escalations, cards whose health changed),
announcements (cards, approval requests and notes that did not go out) or housekeeping (the
claims that kept /milestone status, chart and export requests and Workflow Builder steps
from being answered twice, forgotten after a week). Prints what it did, such as
"nudges: 3 sent, 0 to retry, 0 undeliverable".""",
        """\
environment:
  SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET), DATABASE_URL, SLACK_API_URL,
  SLACK_MESSAGES_PER_MINUTE, DEFAULT_TIMEZONE, TOKEN_ENCRYPTION_KEY

exit status:
  0  done
  1  a delivery failed for now and was left for the next sweep
"""
        + REFUSED,
    ),
    "migrate": (
        "upgrade the database at DATABASE_URL to this version",
        """\
Upgrade the database at DATABASE_URL to this version's schema and say from which revision to
which; safe to run again. Run it once after installing a new version, before starting it.
Needs no Slack settings.""",
        """\
environment:
  DATABASE_URL

exit status:
  0  migrated, or already at this version
  2  DATABASE_URL is wrong, the database cannot be reached, or it was migrated by a newer
     version""",
    ),
    "purge-team": (
        "delete everything kept about a workspace that uninstalled the app",
        """\
Delete everything the bot keeps about a workspace that uninstalled the app or revoked its
token: milestones, goals, history, deliveries, settings, people, its installation. Refuses
while the app is still installed there.""",
        """\
environment:
  DATABASE_URL

exit status:
  0  purged
  1  nothing is known about that workspace: nothing was deleted
  2  the app is still installed there, or a setting is wrong or the database cannot be used""",
    ),
    "rotate-token-key": (
        "encrypt the stored Slack tokens under the first key of TOKEN_ENCRYPTION_KEY",
        """\
Encrypt every stored Slack token under the first key of TOKEN_ENCRYPTION_KEY, after every
process has been restarted with TOKEN_ENCRYPTION_KEY=new,old. Then the old keys can go.""",
        """\
environment:
  TOKEN_ENCRYPTION_KEY (required: the new key first), DATABASE_URL

exit status:
  0  every stored token encrypted under the first key
  2  TOKEN_ENCRYPTION_KEY is unset, or a stored token cannot be read with its keys, or a
     setting is wrong or the database cannot be used""",
    ),
    "sandbox": (
        "try the bot without Slack, in a local page that plays Slack",
        """\
Run the unchanged bot against a built-in Slack emulator and serve a page that plays Slack at
http://127.0.0.1:PORT/: channels, the /milestone composer, buttons, modals, direct messages,
the App Home, four demo people in different time zones, and a clock to move on (which runs
the sweeps). The first start seeds a demo goal with five milestones. It keeps its own SQLite
file, never reads the SLACK_* settings and never talks to Slack. Stop it with Ctrl-C.""",
        """\
exit status:
  0  stopped by SIGTERM or SIGINT
  2  the port is in use, or the database file cannot be used""",
    ),
}

# The sandbox reads none of the bot's settings: its --help ends without SETTINGS_NOTE.
NO_SETTINGS = {"sandbox"}


def _version() -> str:
    try:
        return metadata.version("milestone-bot")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="milestone-bot",
        description="A Slack app for teams that reach goals by milestones.",
        epilog=SETTINGS_NOTE + "\n\n'milestone-bot COMMAND --help' describes each command.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str) -> argparse.ArgumentParser:
        summary, description, epilog = SUBCOMMANDS[name]
        return commands.add_parser(
            name,
            help=summary,
            description=description,
            epilog=epilog if name in NO_SETTINGS else epilog + "\n\n" + SETTINGS_NOTE,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    add("serve").add_argument(
        "--no-scheduler", action="store_true", help="do not run the sweeps here"
    )
    add("scheduler")
    add("run-job").add_argument(
        "job", choices=["digest", "nudges", "announcements", "housekeeping"]
    )
    add("migrate")
    add("purge-team").add_argument("team_id", help="the workspace's id, such as T0123ABCD")
    add("rotate-token-key")
    sandbox = add("sandbox")
    sandbox.add_argument("--port", type=int, default=3000, help="the page's port (default 3000)")
    sandbox.add_argument("--open", action="store_true", help="open the page in a browser")
    sandbox.add_argument("--empty", action="store_true", help="start without the demo data")
    sandbox.add_argument("--reset", action="store_true", help="delete the database, start over")
    sandbox.add_argument(
        "--db", type=Path, default=Path("sandbox.db"), help="its SQLite file (default sandbox.db)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "sandbox":
        return _sandbox(args)

    try:
        settings = read_settings()
    except ConfigError as error:
        return refuse(str(error))
    logs.configure(level=settings.log_level, log_format=settings.log_format)
    try:
        if args.command == "serve":
            return _serve(settings, with_scheduler=not args.no_scheduler)
        if args.command == "scheduler":
            return _scheduler(settings)
        if args.command == "purge-team":
            return _purge_team(settings, args.team_id)
        if args.command == "migrate":
            return _migrate(settings)
        if args.command == "rotate-token-key":
            return _rotate_token_key(settings)
        return _run_job(settings, args.job)
    except START_ERRORS as error:
        return refuse(start_problem(error, settings))


# What can stop the bot as it starts; start_problem says each in one line.
START_ERRORS = (ConfigError, SchemaError, SQLAlchemyError, SlackApiError, BoltError, URLError)


def start_problem(error: Exception, settings: Settings) -> str:
    """What is wrong and how to fix it, in one line, for one of START_ERRORS."""
    if isinstance(error, SQLAlchemyError):
        return (
            f"cannot use the database at DATABASE_URL ({_first_line(error)}). "
            "Check the URL and that the database server is running."
        )
    if isinstance(error, SlackApiError):
        # Only opening a Socket Mode connection uses the app-level token.
        connecting = error.response.api_url.endswith("apps.connections.open")
        token = "SLACK_APP_TOKEN" if connecting else "SLACK_BOT_TOKEN"
        return (
            f"Slack refused {token} ({error.response.get('error')}): copy it again from your "
            "Slack app's settings (see .env.example)."
        )
    if isinstance(error, BoltError):
        return (
            f"Slack refused SLACK_BOT_TOKEN ({_first_line(error)}): copy it again from your "
            "Slack app's OAuth & Permissions page (see .env.example)."
        )
    if isinstance(error, URLError):
        return (
            f"cannot reach Slack's Web API at SLACK_API_URL={settings.slack_api_url} "
            f"({error.reason}). Check the network, or leave SLACK_API_URL unset to use Slack."
        )
    return str(error)


def refuse(problem: str) -> int:
    """One line saying what is wrong and how to fix it (a JSON object with LOG_FORMAT=json, even
    when another setting is what is wrong); exit status 2."""
    logs.print_line(
        f"milestone-bot: {problem}",
        log_format=requested_log_format(),
        file=sys.stderr,
        level=logging.ERROR,
    )
    return 2


def read_settings() -> Settings:
    """Settings from the environment, then from a .env file in the working folder."""
    # The working folder's .env, as documented; load_dotenv() alone would search from this
    # file's folder instead, and miss it (or find another).
    load_dotenv(Path.cwd() / ".env")
    settings = load_settings()
    # Bolt reads SLACK_* variables by itself (and warns, or turns on its OAuth flow); the bot
    # hands it everything it needs, from these settings.
    for name in [name for name in os.environ if name.startswith("SLACK_")]:
        del os.environ[name]
    return settings


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _runtime(settings: Settings):
    from bot.runtime import build_runtime, fewer_heaps

    fewer_heaps()
    if not settings.multi_workspace:
        settings.require_bot_token()
    return build_runtime(settings)


def _ready() -> None:
    from bot.runtime import set_start_up_aside

    set_start_up_aside()


def _listen(settings: Settings, wsgi: Callable):
    """A waitress server for `wsgi` on PORT (and METRICS_PORT), not yet serving."""
    from bot.server import listen

    try:
        server = listen(wsgi, port=settings.port, metrics_port=settings.metrics_port)
    except OSError as error:
        ports = f"PORT={settings.port}"
        if settings.metrics_port:
            ports += f" or METRICS_PORT={settings.metrics_port}"
        raise ConfigError(
            f"cannot listen on {ports} ({error.strerror}): stop the program that uses it, or "
            "set a free port."
        ) from None
    # Waitress's own line, as waitress.serve() says it (through the log, like its others).
    server.print_listen("Serving on http://{}:{}")
    if not (settings.metrics_token or settings.metrics_port):
        log.warning(
            "/metrics is public: anyone who reaches port %d can read it. Set METRICS_TOKEN or "
            "METRICS_PORT (see .env.example).",
            settings.port,
        )
    return server


def _web_app(settings: Settings, bolt_app, runtime, *, serve_links: bool = True):
    """The WSGI app; with `serve_links`, the calendar feeds and shared pages too."""
    from bot.server import make_wsgi_app
    from bot.web import public_links

    return make_wsgi_app(
        bolt_app,
        runtime.engine,
        metrics_token=settings.metrics_token,
        metrics_port=settings.metrics_port,
        public_links=public_links(runtime) if serve_links else None,
    )


def _serve(settings: Settings, *, with_scheduler: bool) -> int:
    from bot.app import build_app
    from bot.delivery.scheduler import build_scheduler

    settings.require_credentials()
    runtime = _runtime(settings)
    app = build_app(runtime)
    # In Socket Mode Slack's requests come over the socket; HTTP serves the health check.
    bolt_app = None if settings.socket_mode else app
    server = _listen(settings, _web_app(settings, bolt_app, runtime))
    socket_handler = None
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        socket_handler = SocketModeHandler(app, settings.slack_app_token)
        socket_handler.connect()
        log.info(
            "connected to Slack in Socket Mode; health check and metrics on port %d",
            settings.port,
        )
    else:
        log.info(
            "listening on port %d: POST /slack/events, GET /healthz, GET /metrics", settings.port
        )
    scheduler = build_scheduler(runtime) if with_scheduler else None
    _ready()
    if scheduler:
        scheduler.start()
    return _run_until_stopped(server, runtime, scheduler=scheduler, socket_handler=socket_handler)


def _run_until_stopped(server, runtime, *, scheduler=None, socket_handler=None) -> int:
    """Serve until SIGTERM or SIGINT, then finish what was started, in order: the requests in
    progress, the socket, a running sweep, the Slack calls queued."""
    try:
        _on_terminate(_leave_waitress_loop)
        # Returns after a signal, once waitress's threads have finished their requests.
        server.run()
    finally:
        server.close()
        if socket_handler:
            socket_handler.close()
        if scheduler:
            # A running sweep finishes the message in hand and gives the rest back for the
            # next start.
            runtime.stopping.set()
            scheduler.shutdown(wait=True)
        runtime.background.join(timeout=30)
        runtime.background.shutdown()
    log.info("stopped")
    return 0


def _leave_waitress_loop() -> None:
    # Raised in the main thread, inside waitress's loop, which catches SystemExit: it stops
    # taking connections and lets its worker threads finish the requests in progress.
    raise SystemExit(0)


def _scheduler(settings: Settings) -> int:
    from bot.delivery.scheduler import build_scheduler

    runtime = _runtime(settings)
    # No Slack requests here; the health check and the metrics, for probes and scrapes.
    server = _listen(settings, _web_app(settings, None, runtime, serve_links=False))
    scheduler = build_scheduler(runtime)
    _ready()
    scheduler.start()
    log.info("scheduler started; health check and metrics on port %d", settings.port)
    return _run_until_stopped(server, runtime, scheduler=scheduler)


def _run_job(settings: Settings, job: str) -> int:
    from bot.delivery.scheduler import run_sweep

    runtime = _runtime(settings)
    _ready()
    report = run_sweep(runtime, job)
    logs.print_line(f"{job}: {report}", log_format=settings.log_format, file=sys.stdout)
    # A delivery that failed for now is retried by the next sweep; cron should see it.
    return 1 if report.retry_later else 0


def _purge_team(settings: Settings, team_id: str) -> int:
    from bot.domain import workspaces
    from bot.runtime import utc_now
    from bot.slack.installations import SlackAccess
    from bot.store.db import make_engine, session_scope

    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        workspace = workspaces.find(session, team_id)
        if workspace is not None and workspace.uninstalled_at is None:
            raise ConfigError(
                f"workspace {team_id} still has the app installed: uninstall it from the "
                "workspace first (its data is kept until then)."
            )
        enterprise_id = workspace.enterprise_id if workspace else None
        counts = workspaces.purge(session, team_id=team_id)
    if workspace is None and not any(counts.values()):
        # A mistyped id, or one purged before: say so, rather than a cheerful "purged".
        logs.print_line(
            f"milestone-bot: nothing is known about workspace {team_id} in this database "
            "(DATABASE_URL): check the id, such as T0123ABCD. Nothing was deleted.",
            log_format=settings.log_format,
            file=sys.stderr,
            level=logging.ERROR,
        )
        return 1
    SlackAccess(settings, engine, clock=utc_now).forget(
        enterprise_id=enterprise_id, team_id=team_id
    )
    removed = ", ".join(f"{count} {name}" for name, count in counts.items() if count)
    print(f"purged workspace {team_id}: {removed or 'nothing was kept about it'}")
    return 0


def _migrate(settings: Settings) -> int:
    from bot.store.schema import migrate

    print(migrate(settings.database_url).describe())
    return 0


def _rotate_token_key(settings: Settings) -> int:
    from bot.runtime import utc_now
    from bot.slack.installations import InstallationStore
    from bot.slack.tokens import TokenCipher
    from bot.store.db import make_engine
    from bot.store.schema import prepare

    if not settings.token_encryption_keys:
        raise ConfigError(
            "rotate-token-key needs TOKEN_ENCRYPTION_KEY: set it to the new key, then the keys "
            "in use so far, separated by commas."
        )
    prepare(settings.database_url)
    store = InstallationStore(
        settings.slack_client_id or "",
        make_engine(settings.database_url),
        clock=utc_now,
        cipher=TokenCipher(settings.token_encryption_keys),
    )
    rows = store.rotate_stored_tokens()
    print(
        f"encrypted the Slack tokens of {rows} installation rows under the first key of "
        "TOKEN_ENCRYPTION_KEY; the other keys can go once every process has the first."
    )
    return 0


def _sandbox(args: argparse.Namespace) -> int:
    """The bot in a page that plays Slack; no setting is read, nothing reaches Slack."""
    import threading
    import webbrowser

    from bot.sandbox.server import Sandbox, kept_files

    # Bolt would read these by itself (and turn on its OAuth flow): the sandbox has its own.
    for name in [name for name in os.environ if name.startswith("SLACK_")]:
        del os.environ[name]
    logs.configure(level="WARNING", log_format="text")
    database = args.db.resolve()
    if args.reset:
        for path in kept_files(database):
            path.unlink(missing_ok=True)
    try:
        sandbox = Sandbox(database, port=args.port)
    except OSError as error:
        return refuse(
            f"cannot listen on port {args.port} ({error.strerror}): stop the program that uses "
            "it, or choose another with --port."
        )
    stopped = threading.Event()
    # Before the URL is printed: a stop asked for as soon as it is shown is a clean stop.
    _on_terminate(stopped.set)
    try:
        sandbox.start(seed=not args.empty)
        print(
            f"Milestones sandbox: open {sandbox.url}/ (the bot, without Slack; Ctrl-C stops it)",
            flush=True,
        )
        if args.open:
            webbrowser.open(sandbox.url + "/")
        stopped.wait()
    except (SchemaError, SQLAlchemyError) as error:
        return refuse(f"cannot use the sandbox's database {database} ({_first_line(error)})")
    finally:
        sandbox.stop()
    return 0


def _on_terminate(stop: Callable[[], None]) -> None:
    """On SIGTERM or SIGINT call `stop`; a second signal ends the process at once."""

    def handler(signum: int, _frame) -> None:
        for name in (signal.SIGTERM, signal.SIGINT):
            signal.signal(name, signal.SIG_DFL)
        log.info("%s: stopping, finishing work in progress", signal.Signals(signum).name)
        stop()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
