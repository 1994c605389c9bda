"""The HTTP edge: a request Slack did not sign, one too large or malformed, is refused before
Bolt sees it and causes nothing; /metrics is private when asked; /healthz tells whether the
database takes writes; failed requests count as failures."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import os
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from slack_bolt import BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import create_engine, func, select

from bot.app import build_app
from bot.config import ConfigError, load_settings
from bot.listeners.context import observed
from bot.render import blocks
from bot.server import MAX_BODY_BYTES, make_wsgi_app
from bot.store.db import make_engine, session_scope
from bot.store.schema import migrate
from bot.store.tables import all_metadata
from bot.wsgi import NOT_STARTED, create_app
from tests.support.harness import CHANNEL, SIGNING_SECRET, TEAM, serving

METRICS_TOKEN = "metrics-token-0123456789abcdef"


class Listener:
    """An HTTP server standing for an internal service: it records every request it gets."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                listener.received.append((self.path, self.rfile.read(length).decode()))
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/internal-only"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def internal_service() -> Iterator[Listener]:
    listener = Listener()
    yield listener
    listener.close()


def button_press(response_url: str, action_id: str) -> str:
    """A button press as Slack sends it, with ids a sender chose."""
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "test"},
        "user": {"id": "U0STRANGER", "team_id": TEAM},
        "api_app_id": "A111",
        "trigger_id": "111.222.abc",
        "channel": {"id": CHANNEL},
        "container": {"type": "message", "channel_id": CHANNEL, "message_ts": "1.2"},
        "response_url": response_url,
        "actions": [{"action_id": action_id, "block_id": "b", "value": "0", "type": "button"}],
    }
    return "payload=" + quote(json.dumps(payload))


def post(bot, body: bytes, headers: dict[str, str]) -> requests.Response:
    response = requests.post(f"{bot.url}/slack/events", data=body, headers=headers, timeout=5)
    bot.settle()
    return response


def signed_headers(body: bytes, *, content_type: str, secret: str = SIGNING_SECRET) -> dict:
    """Slack's signature of `body` (the v0 HMAC over the bytes as sent, UTF-8 or not)."""
    timestamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={digest.hexdigest()}",
    }


def series(url: str, headers: dict | None = None) -> set[tuple[str, tuple]]:
    """Every sample /metrics shows, by name and labels (not value)."""
    text = requests.get(f"{url}/metrics", headers=headers, timeout=5).text
    return {
        (found.name, tuple(sorted(found.labels.items())))
        for family in text_string_to_metric_families(text)
        for found in family.samples
    }


def value(url: str, metric: str, /, **labels: str) -> float:
    wanted = (metric, tuple(sorted(labels.items())))
    text = requests.get(f"{url}/metrics", timeout=5).text
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if (found.name, tuple(sorted(found.labels.items()))) == wanted:
                return found.value
    return 0.0


def rows(engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table))
            for metadata in all_metadata()
            for table in metadata.sorted_tables
        }


WRONG = "v0=" + "0" * 64


def now() -> str:
    return str(int(time.time()))


def signed_long_ago(body: bytes) -> dict[str, str]:
    """Signed with the secret, ten minutes ago: a replay of a request Slack once sent."""
    timestamp = str(int(time.time()) - 600)
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=timestamp, body=body)
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}


# What a sender can put in the two headers, given the body.
UNSIGNED = [
    pytest.param(lambda body: {}, id="no-headers"),
    pytest.param(lambda body: {"X-Slack-Request-Timestamp": "abc"}, id="timestamp-abc"),
    pytest.param(
        lambda body: {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": WRONG},
        id="timestamp-abc-and-a-signature",
    ),
    pytest.param(
        lambda body: {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": WRONG},
        id="timestamp-empty",
    ),
    pytest.param(
        lambda body: {"X-Slack-Request-Timestamp": "-5", "X-Slack-Signature": WRONG},
        id="timestamp-negative",
    ),
    pytest.param(
        lambda body: {"X-Slack-Request-Timestamp": "1" * 40, "X-Slack-Signature": WRONG},
        id="timestamp-huge",
    ),
    pytest.param(signed_long_ago, id="stale"),
    pytest.param(lambda body: {"X-Slack-Request-Timestamp": now()}, id="no-signature"),
    pytest.param(
        lambda body: {"X-Slack-Request-Timestamp": now(), "X-Slack-Signature": "v0=zz"},
        id="signature-short",
    ),
    pytest.param(
        lambda body: {"X-Slack-Request-Timestamp": now(), "X-Slack-Signature": "v0=" + "é" * 64},
        id="signature-not-ascii",
    ),
    pytest.param(
        lambda body: {"X-Slack-Request-Timestamp": now(), "X-Slack-Signature": WRONG},
        id="signature-wrong",
    ),
]


@pytest.mark.parametrize("headers_for", UNSIGNED)
def test_a_request_that_fails_verification_gets_401_and_causes_nothing(
    bot, internal_service, caplog, headers_for
):
    action_id = f"made-up-{uuid.uuid4().hex}"
    body = button_press(internal_service.url, action_id).encode()
    before_series, before_rows = series(bot.url), rows(bot.engine)
    slack_calls = list(bot.slack.calls)  # the bot's auth.test as it started
    caplog.set_level(logging.DEBUG)

    response = post(
        bot, body, {"Content-Type": "application/x-www-form-urlencoded", **headers_for(body)}
    )

    assert response.status_code == 401
    assert internal_service.received == []
    assert bot.slack.calls == slack_calls
    assert rows(bot.engine) == before_rows
    assert series(bot.url) <= before_series
    assert action_id not in requests.get(f"{bot.url}/metrics", timeout=5).text
    assert not [record for record in caplog.records if record.exc_info]
    [warning] = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert warning.getMessage().startswith("refused a request to /slack/events with ")


def test_the_error_handler_answers_only_requests_slack_signed(bot, internal_service, caplog):
    """Bolt itself, handed an unsigned request (as a server without the edge's check would),
    fails on the timestamp; the error handler must not act on what the request says."""
    app = build_app(bot.runtime)
    slack_calls = list(bot.slack.calls)
    body = button_press(internal_service.url, blocks.COMPLETE)

    response = app.dispatch(
        BoltRequest(
            body=body,
            headers={
                "content-type": "application/x-www-form-urlencoded",
                "x-slack-request-timestamp": "abc",
            },
        )
    )
    bot.settle()

    assert response.status == 401
    assert internal_service.received == []
    assert bot.slack.calls == slack_calls
    assert not [record for record in caplog.records if record.exc_info]


MALFORMED = [
    pytest.param(b"command=%2Fmilestone&text=help", "text/plain", id="wrong-content-type"),
    pytest.param(b"payload=%7Bnot-json", "application/x-www-form-urlencoded", id="bad-payload"),
    pytest.param(b"payload=%5B1%2C2%5D", "application/x-www-form-urlencoded", id="payload-list"),
    pytest.param(b"{not json", "application/json", id="bad-json"),
    pytest.param(b"text=\xff\xfe", "application/x-www-form-urlencoded", id="not-utf-8"),
]


@pytest.mark.parametrize(("body", "content_type"), MALFORMED)
def test_a_malformed_body_gets_400_and_one_warning(bot, caplog, body, content_type):
    before, slack_calls = rows(bot.engine), list(bot.slack.calls)
    caplog.set_level(logging.DEBUG)

    response = post(bot, body, signed_headers(body, content_type=content_type))

    assert response.status_code == 400
    assert bot.slack.calls == slack_calls
    assert rows(bot.engine) == before
    assert not [record for record in caplog.records if record.exc_info]
    [warning] = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert warning.name == "bot.server"


def test_a_form_whose_payload_is_spelt_in_escapes_is_left_to_bolt_as_a_plain_form(bot, caplog):
    """Bolt looks for an interaction's `payload` only in a body holding the word, so the edge
    does the same: a form naming it only in escapes is no interaction for Bolt either, and goes
    unanswered as any form that is no command does (and a slash command is not parsed twice)."""
    body = b"%70ayload=%5B1%2C2%5D"
    before, slack_calls = rows(bot.engine), list(bot.slack.calls)
    caplog.set_level(logging.DEBUG)

    response = post(
        bot, body, signed_headers(body, content_type="application/x-www-form-urlencoded")
    )

    assert response.status_code == 404
    assert bot.slack.calls == slack_calls
    assert rows(bot.engine) == before
    assert not [record for record in caplog.records if record.exc_info]


class EndlessBody(io.RawIOBase):
    """A request body without end, as a chunked upload that never stops; counts what is read."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        assert size >= 0, "the whole body was asked for"
        self.read_bytes += size
        return b"a" * size


def test_a_body_without_a_length_is_read_no_further_than_one_mib(bot):
    """What a WSGI server that streams (gunicorn) hands over for a chunked request."""
    application = make_wsgi_app(build_app(bot.runtime), bot.engine)
    body = EndlessBody()
    answers = []

    application(
        {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/slack/events",
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "wsgi.input": body,
        },
        lambda status, headers: answers.append(status),
    )

    assert answers == ["413 Content Too Large"]
    assert body.read_bytes == MAX_BODY_BYTES + 1


def test_a_declared_length_over_one_mib_is_refused_unread(bot):
    application = make_wsgi_app(build_app(bot.runtime), bot.engine)
    body = EndlessBody()
    answers = []

    application(
        {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/slack/events",
            "CONTENT_LENGTH": str(200 * 1024 * 1024),
            "wsgi.input": body,
        },
        lambda status, headers: answers.append(status),
    )

    assert answers == ["413 Content Too Large"]
    assert body.read_bytes == 0


# ---------------------------------------------------------------- metrics


def test_metrics_ask_for_the_token_when_one_is_set(bot):
    application = make_wsgi_app(build_app(bot.runtime), bot.engine, metrics_token=METRICS_TOKEN)

    with serving(application) as url:
        anonymous = requests.get(f"{url}/metrics", timeout=5)
        wrong = requests.get(
            f"{url}/metrics", headers={"Authorization": "Bearer not-the-token"}, timeout=5
        )
        authorized = requests.get(
            f"{url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=5
        )
        health = requests.get(f"{url}/healthz", timeout=5)

    assert (anonymous.status_code, wrong.status_code) == (401, 401)
    assert "milestone_bot_requests" not in anonymous.text + wrong.text
    assert authorized.status_code == 200
    assert "milestone_bot_http_refused_total" in authorized.text
    assert health.status_code == 200


def test_unknown_names_are_counted_as_other_not_as_sent():
    made_up = f"made-up-{uuid.uuid4().hex}"
    request = BoltRequest(body=button_press("http://127.0.0.1:9/", made_up), mode="socket_mode")

    observed(lambda _request: BoltResponse(status=200), request, names={blocks.COMPLETE})

    text = generate_latest(REGISTRY).decode()
    assert made_up not in text
    assert 'milestone_bot_requests_total{kind="action",name="other",outcome="ok"}' in text


@pytest.mark.changes_schema
def test_a_request_that_fails_is_counted_as_an_error(bot):
    def added(outcome: str) -> float:
        return value(
            bot.url, "milestone_bot_requests_total", kind="command", name="add", outcome=outcome
        )

    before = {"ok": added("ok"), "error": added("error")}
    failures = value(bot.url, "milestone_bot_failures_total", where="request")
    with bot.engine.begin() as connection:
        # The history table gone: the declaration fails after the milestone's insert.
        connection.exec_driver_sql("ALTER TABLE milestoneevent RENAME TO milestoneevent_gone")
    try:
        response = bot.command('add "Beta shipped" due 2099-01-15')
    finally:
        with bot.engine.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE milestoneevent_gone RENAME TO milestoneevent")

    # The person is told to try again (a 200, as Slack needs), and it counts as an error.
    assert response.status_code == 200
    assert {"ok": added("ok"), "error": added("error")} == {
        "ok": before["ok"],
        "error": before["error"] + 1,
    }
    assert value(bot.url, "milestone_bot_failures_total", where="request") == failures + 1


# ---------------------------------------------------------------- health check


def read_only(database_url: str):
    """An engine on the same database that cannot write: the SQLite file opened read-only, a
    PostgreSQL session whose transactions are read-only (as on a standby)."""
    if database_url.startswith("sqlite"):
        path = database_url.removeprefix("sqlite:///")
        return create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    return create_engine(
        database_url, connect_args={"options": "-c default_transaction_read_only=on"}
    )


def test_health_check_answers_503_when_the_database_takes_no_writes(database_url, caplog):
    writable, unwritable = make_engine(database_url), read_only(database_url)
    try:
        with serving(make_wsgi_app(None, writable)) as url:
            healthy = requests.get(f"{url}/healthz", timeout=5)
        with serving(make_wsgi_app(None, unwritable)) as url:
            unhealthy = requests.get(f"{url}/healthz", timeout=5)
    finally:
        writable.dispose()
        unwritable.dispose()

    assert healthy.status_code == 200
    assert (unhealthy.status_code, unhealthy.json()) == (503, {"ok": False})
    assert not [record for record in caplog.records if record.exc_info]


def test_health_check_answers_503_within_seconds_while_a_write_lock_is_held(tmp_path):
    url = f"sqlite:///{tmp_path / 'milestones.db'}"
    migrate(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        busy_timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    holder = sqlite3.connect(tmp_path / "milestones.db", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with serving(make_wsgi_app(None, engine)) as served:
            started = time.monotonic()
            locked = requests.get(f"{served}/healthz", timeout=10)
            waited = time.monotonic() - started
            holder.execute("ROLLBACK")
            free = requests.get(f"{served}/healthz", timeout=5)
    finally:
        holder.close()
        engine.dispose()

    assert locked.status_code == 503
    assert waited < 2.5
    assert free.status_code == 200
    # The requests' own busy timeout is back on the pooled connection.
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == busy_timeout


def test_the_compose_proxy_buffers_caps_bodies_and_keeps_the_metrics_in():
    nginx = (Path(__file__).resolve().parents[2] / "deploy/nginx.conf").read_text()

    assert re.search(r"location = /metrics \{\s*return 404;\s*\}", nginx)
    for directive in (
        "client_max_body_size 1m;",
        "proxy_request_buffering on;",
        "proxy_buffering on;",
        "client_body_timeout 10s;",
        "client_header_timeout 10s;",
    ):
        assert directive in nginx


@pytest.mark.parametrize(
    ("metrics", "named"),
    [
        pytest.param({"METRICS_TOKEN": "short"}, "METRICS_TOKEN must be", id="short-token"),
        pytest.param({"METRICS_PORT": "nine"}, "METRICS_PORT must be", id="port-not-a-number"),
        pytest.param({"METRICS_PORT": "3000"}, "METRICS_PORT must be", id="port-is-port"),
    ],
)
def test_metrics_settings_that_would_not_work_are_refused(metrics, named):
    with pytest.raises(ConfigError, match=named):
        load_settings({"SLACK_BOT_TOKEN": "xoxb-test", "PORT": "3000", **metrics})


def test_gunicorn_refuses_metrics_port_which_it_cannot_open(monkeypatch, tmp_path, capsys):
    for name in list(os.environ):
        if name.startswith(("SLACK_", "METRICS_", "PORT", "LOG_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'milestones.db'}")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("METRICS_PORT", "9100")

    with pytest.raises(SystemExit) as stopped:
        create_app()

    assert stopped.value.code == NOT_STARTED
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("milestone-bot: METRICS_PORT is a port `milestone-bot serve` opens")
