"""The HTTP side: Bolt's endpoint behind its checks, a health check, metrics and the public
links (calendar feeds, stakeholder pages), as a WSGI app served by waitress.

A POST to /slack/events is refused before Bolt sees it when it is over 1 MiB (413, read no
further), not UTF-8 (400), not signed by Slack (401), or not shaped as Slack sends (400): such
a request causes nothing but one warning line and a count in milestone_bot_http_refused. Bolt
checks the signature again.
"""

from __future__ import annotations

import hmac
import io
import json
import logging
from collections.abc import Callable, Iterable
from urllib.parse import parse_qs

import prometheus_client
import waitress
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from waitress.server import BaseWSGIServer, MultiSocketServer

from bot import web
from bot.app import MilestoneApp
from bot.metrics import HTTP_REFUSED
from bot.slack.installations import INSTALL_PATH, REDIRECT_PATH
from bot.slack.signatures import signature_problem
from bot.web import Answer

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
# Served when the app is installed by OAuth in many workspaces.
OAUTH_PATHS = (INSTALL_PATH, REDIRECT_PATH)
METRICS_PATH = "/metrics"
# Slack's largest payloads (a view of 100 blocks, with its state) stay well under this.
MAX_BODY_BYTES = 1024 * 1024
# How long the health check waits for SQLite's write lock before calling the database stuck.
HEALTH_LOCK_WAIT_MS = 1000

# Waitress reads each request whole, without a thread, before a thread runs it: slow clients
# hold connections, not threads. Enough connections that a few hundred slow ones leave room
# for Slack (poll(), since select() stops at 1024 descriptors); idle ones are closed after 30
# seconds, far beyond the 3 seconds Slack waits. Bodies over the limit are refused from their
# Content-Length, and chunked ones once they pass it; Slack's headers are a few hundred bytes.
SERVER_OPTIONS: dict[str, int | bool] = {
    "threads": 8,
    "connection_limit": 1000,
    "channel_timeout": 30,
    "asyncore_use_poll": True,
    "max_request_body_size": MAX_BODY_BYTES,
    "max_request_header_size": 64 * 1024,
}


def listen(
    application: Callable, *, port: int, metrics_port: int | None = None
) -> BaseWSGIServer | MultiSocketServer:
    """A waitress server for `application` on `port` (and `metrics_port`) of every interface,
    with SERVER_OPTIONS; not yet serving. Raises OSError when a port is taken."""
    addresses = " ".join(f"0.0.0.0:{number}" for number in (port, metrics_port) if number)
    return waitress.create_server(application, listen=addresses, **SERVER_OPTIONS)


def make_wsgi_app(
    bolt_app: MilestoneApp | None,
    engine: Engine,
    *,
    metrics_token: str | None = None,
    metrics_port: int | None = None,
    public_links: Callable[[str, dict], Answer | None] | None = None,
) -> Callable:
    """Routes POST /slack/events (and, installed by OAuth, GET /slack/install and
    /slack/oauth_redirect) to Bolt, GET /healthz to a database check and GET /metrics to the
    Prometheus metrics.

    With `bolt_app` None (Socket Mode, the scheduler), only the health check and the metrics
    are served. With `metrics_token`, /metrics asks for it as a bearer token; with
    `metrics_port`, /metrics is served only to requests that came in on that port, which
    serves nothing else. With `public_links` (bot.web), GET /calendar/… and /share/… are
    answered by it, and get the same 404 as any other path when it finds no working link.
    """
    slack = SlackRequestHandler(bolt_app, path=EVENTS_PATH) if bolt_app else None
    metrics = prometheus_client.make_wsgi_app()
    expected_authorization = f"Bearer {metrics_token}".encode() if metrics_token else None

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        reading = environ.get("REQUEST_METHOD") in ("GET", "HEAD")
        on_metrics_port = metrics_port is not None and environ.get("SERVER_PORT") == str(
            metrics_port
        )
        if path == METRICS_PATH and reading and (metrics_port is None or on_metrics_port):
            if expected_authorization and not hmac.compare_digest(
                environ.get("HTTP_AUTHORIZATION", "").encode("latin-1"), expected_authorization
            ):
                log.warning("refused a request for the metrics without their token")
                return _answer(start_response, "401 Unauthorized", b"Unauthorized")
            return metrics(environ, start_response)
        if on_metrics_port:
            return _answer(start_response, "404 Not Found", b"Not Found")
        if path == HEALTH_PATH and reading:
            healthy = database_takes_writes(engine)
            return _answer(
                start_response,
                "200 OK" if healthy else "503 Service Unavailable",
                json.dumps({"ok": healthy}).encode(),
                content_type="application/json",
            )
        if public_links is not None and reading:
            found = public_links(path, environ)
            if found is not None:
                return web.answer(start_response, found)
        if slack is not None and path == EVENTS_PATH and environ.get("REQUEST_METHOD") == "POST":
            return _checked(bolt_app, slack, environ, start_response)
        if slack is not None and bolt_app.oauth_flow is not None and path in OAUTH_PATHS:
            return slack(environ, start_response)
        return _answer(start_response, "404 Not Found", b"Not Found")

    return application


def _checked(
    bolt_app: MilestoneApp,
    slack: SlackRequestHandler,
    environ: dict,
    start_response: Callable,
) -> Iterable[bytes]:
    """Hand the request to Bolt if it is small, signed and well formed; refuse it otherwise."""
    length = environ.get("CONTENT_LENGTH") or ""
    if length and not length.isdigit():
        return _refuse(start_response, "malformed", "a Content-Length that is not a number")
    if length and int(length) > MAX_BODY_BYTES:
        return _refuse(start_response, "too_large", f"a body of {int(length)} bytes")
    # Without a length (chunked), read one byte past the limit to tell it was exceeded.
    body = environ["wsgi.input"].read(int(length) if length else MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return _refuse(start_response, "too_large", "a body over 1 MiB")
    try:
        # Slack sends UTF-8; the signature check decodes the body, and would fail on another.
        decoded = body.decode("utf-8")
    except UnicodeDecodeError:
        return _refuse(start_response, "malformed", "a body that is not UTF-8")
    problem = signature_problem(
        bolt_app.verifier,
        body=decoded,
        timestamp=environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"),
        signature=environ.get("HTTP_X_SLACK_SIGNATURE"),
    )
    if problem is not None:
        return _refuse(start_response, "unsigned", problem)
    problem = _body_problem(decoded, environ.get("CONTENT_TYPE", ""))
    if problem is not None:
        return _refuse(start_response, "malformed", problem)
    # Bolt reads the body again, from the start.
    return slack(
        {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))},
        start_response,
    )


def _body_problem(decoded: str, content_type: str) -> str | None:
    """What keeps Bolt from parsing `decoded` as Slack sends it, or None: JSON (events), or a
    form whose `payload`, if any, is a JSON object (interactions)."""
    media_type = content_type.split(";")[0].strip().lower()
    if media_type not in ("application/json", "application/x-www-form-urlencoded"):
        return "a body that is neither JSON nor form-encoded"
    # Bolt parses as JSON whatever starts with "{", as a form anything else.
    if media_type == "application/json" or decoded.startswith("{"):
        return None if _is_json_object(decoded) else "a JSON body that is not a JSON object"
    # Nor does Bolt look for a `payload` in a form that does not hold the word (a slash command).
    if "payload" not in decoded:
        return None
    payload = parse_qs(decoded).get("payload")
    if payload is not None and not _is_json_object(payload[0]):
        return "a payload that is not a JSON object"
    return None


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def _refuse(start_response: Callable, reason: str, problem: str) -> Iterable[bytes]:
    HTTP_REFUSED.labels(reason).inc()
    log.warning("refused a request to %s with %s", EVENTS_PATH, problem)
    if reason == "unsigned":
        return _answer(start_response, "401 Unauthorized", b"Unauthorized")
    if reason == "too_large":
        return _answer(start_response, "413 Content Too Large", b"Content Too Large")
    return _answer(start_response, "400 Bad Request", b"Bad Request")


def _answer(
    start_response: Callable, status: str, body: bytes, *, content_type: str = "text/plain"
) -> Iterable[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def database_takes_writes(engine: Engine) -> bool:
    """Whether the database would take a write now, checked cheaply, without writing.

    PostgreSQL: one query, `SHOW transaction_read_only`, which is on for a standby in recovery
    and for a database or role set to default_transaction_read_only. SQLite: BEGIN IMMEDIATE
    (the write lock, waiting HEALTH_LOCK_WAIT_MS at most for a lock someone holds), a table
    created and rolled back (which a read-only file refuses), nothing left behind.
    """
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                _try_sqlite_write(connection)
            elif connection.execute(text("SHOW transaction_read_only")).scalar() == "on":
                log.warning("health check: the database is read-only")
                return False
    except SQLAlchemyError as error:
        log.warning("health check: the database cannot take a write (%s)", _first_line(error))
        return False
    return True


def _try_sqlite_write(connection: Connection) -> None:
    busy_timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    connection.exec_driver_sql(f"PRAGMA busy_timeout = {HEALTH_LOCK_WAIT_MS}")
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            connection.exec_driver_sql("CREATE TABLE health_check_probe (id INTEGER)")
        finally:
            connection.exec_driver_sql("ROLLBACK")
    finally:
        # The connection goes back to the pool with the busy timeout the requests count on.
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(busy_timeout)}")


def _first_line(error: Exception) -> str:
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
