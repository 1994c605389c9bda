"""The HTTP side: Bolt's endpoint, a health check and metrics, as a WSGI app served by waitress."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable

import prometheus_client
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.installations import INSTALL_PATH, REDIRECT_PATH

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
# Served when the app is installed by OAuth in many workspaces.
OAUTH_PATHS = (INSTALL_PATH, REDIRECT_PATH)
METRICS_PATH = "/metrics"


def make_wsgi_app(bolt_app: App | None, engine: Engine) -> Callable:
    """Routes POST /slack/events (and, installed by OAuth, GET /slack/install and
    /slack/oauth_redirect) to Bolt, GET /healthz to a database check and GET /metrics to the
    Prometheus metrics.

    With `bolt_app` None (Socket Mode, the scheduler), only the health check and the metrics
    are served.
    """
    slack = SlackRequestHandler(bolt_app, path=EVENTS_PATH) if bolt_app else None
    metrics = prometheus_client.make_wsgi_app()

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            healthy = _database_reachable(engine)
            body = json.dumps({"ok": healthy}).encode()
            status = "200 OK" if healthy else "503 Service Unavailable"
            start_response(
                status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            )
            return [body]
        if path == METRICS_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return metrics(environ, start_response)
        if slack is not None and (
            path == EVENTS_PATH or (bolt_app.oauth_flow is not None and path in OAUTH_PATHS)
        ):
            return slack(environ, start_response)
        body = b"Not Found"
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [body]

    return application


def _database_reachable(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        log.warning("health check: database unreachable", exc_info=True)
        return False
    return True
