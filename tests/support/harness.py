"""The bot under test, reached the way Slack reaches it (signed requests, dispatched to its WSGI
app in this process, or over real HTTP to waitress when a test asks for its URL), with its
settings, a clock the test sets, a pacer that does not wait, and the workspace, channel and
people the tests use."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import requests
import waitress
from slack_sdk.signature import SignatureVerifier
from sqlmodel import func, select

from bot.app import build_app
from bot.config import load_settings
from bot.render import blocks
from bot.runtime import build_runtime
from bot.server import EVENTS_PATH, make_wsgi_app
from bot.slack.client import Pacer
from bot.store.db import session_scope
from bot.store.models import Milestone
from bot.web import public_links
from tests.support.databases import kept_engine
from tests.support.fakeslack import FakeSlack

SIGNING_SECRET = "test-signing-secret"
# Where the bot says its calendar feeds and shared pages are (tests fetch their paths from it).
PUBLIC_URL = "https://milestones.example.com"
TEAM = "T111"
CHANNEL = "C111"
OWNER, APPROVER, OTHER = "U0OWNER", "U0APPROVER", "U0OTHER"
# Thursday 26 November 2026, 15:00 UTC.
START = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


class Clock:
    """The bot's clock, set by the test: sweeps and services see this time."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


def slash_command_fields(
    text: str,
    *,
    response_url: str,
    user: str = OWNER,
    channel: str = CHANNEL,
    team: str = TEAM,
    trigger_id: str | None = None,
) -> dict[str, str]:
    """Field for field what Slack sends for a /milestone command (form-encoded over HTTP, a
    JSON payload over Socket Mode)."""
    return {
        "token": "verification_token",
        "team_id": team,
        "team_domain": "test-domain",
        "channel_id": channel,
        "channel_name": "launch",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/milestone",
        "text": text,
        "api_app_id": "A111",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or f"{uuid.uuid4().int % 10**12}.111.{uuid.uuid4().hex}",
    }


class Bot:
    """The bot under test, reached the way Slack reaches it: signed requests to its WSGI app.

    Made by running_bot, the requests are dispatched in this process: the signed body and
    headers become the WSGI environ waitress would make of them, and the app runs in a thread
    of a pool of four, as under waitress; the answer is a requests.Response. `url` serves the
    same app over real HTTP (waitress on a free port), started the first time it is read, for
    tests whose subject is HTTP itself. A Bot made with `url` alone sends its requests there.
    """

    def __init__(
        self,
        *,
        runtime,
        slack: FakeSlack,
        clock: Clock,
        url: str | None = None,
        application: Callable | None = None,
    ) -> None:
        if (url is None) == (application is None):
            raise ValueError("a Bot is reached either at a url or through its WSGI app")
        self.runtime = runtime
        self.slack = slack
        self.clock = clock
        self.verifier = SignatureVerifier(SIGNING_SECRET)
        self._url = url
        self._application = application
        self._resources = contextlib.ExitStack()
        self._serving = threading.Lock()  # two threads reading `url` first start one server
        self._dispatcher: ThreadPoolExecutor | None = None
        if application is not None:
            self._dispatcher = ThreadPoolExecutor(max_workers=4, thread_name_prefix="request")
            self._resources.callback(self._dispatcher.shutdown)

    @property
    def url(self) -> str:
        """Where the bot is served over HTTP (served from the first time this is read)."""
        with self._serving:
            if self._url is None:
                self._url = self._resources.enter_context(serving(self._application))
        return self._url

    def close(self) -> None:
        """Stops the HTTP server, if one was started, and the request threads."""
        self._resources.close()

    @property
    def engine(self):
        return self.runtime.engine

    def post(
        self,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        signed: bool = True,
        signature: str | None = None,
        timestamp: int | None = None,
        headers: dict | None = None,
        settle: bool = True,
    ) -> requests.Response:
        timestamp = int(time.time()) if timestamp is None else timestamp
        all_headers = {"Content-Type": content_type, **(headers or {})}
        if signed:
            all_headers["X-Slack-Request-Timestamp"] = str(timestamp)
            all_headers["X-Slack-Signature"] = signature or self.verifier.generate_signature(
                timestamp=str(timestamp), body=body
            )
        if self._application is None:
            response = requests.post(
                f"{self.url}/slack/events", data=body.encode(), headers=all_headers
            )
        else:
            response = self._dispatcher.submit(
                dispatch, self._application, EVENTS_PATH, body.encode(), all_headers
            ).result()
        if settle:
            self.settle()
        return response

    def settle(self) -> None:
        """Wait for the work the bot does after answering (Slack calls) to finish."""
        assert self.runtime.background.join(timeout=15), "background work did not finish"

    def command(
        self,
        text: str,
        *,
        user: str = OWNER,
        channel: str = CHANNEL,
        team: str = TEAM,
        trigger_id: str | None = None,
        headers: dict | None = None,
    ) -> requests.Response:
        return self.post(
            self.command_body(text, user=user, channel=channel, team=team, trigger_id=trigger_id),
            headers=headers,
        )

    def command_body(
        self,
        text: str,
        *,
        user: str = OWNER,
        channel: str = CHANNEL,
        team: str = TEAM,
        trigger_id: str | None = None,
    ) -> str:
        return urlencode(
            slash_command_fields(
                text,
                response_url=self.slack.response_url("command"),
                user=user,
                channel=channel,
                team=team,
                trigger_id=trigger_id,
            )
        )

    def press(
        self,
        action_id: str,
        value: str,
        *,
        user: str = OWNER,
        channel: str = CHANNEL,
        message_ts: str = "1700000000.000100",
        team: str = TEAM,
        headers: dict | None = None,
    ) -> requests.Response:
        return self.post(
            self.action_body(
                action_id, value, user=user, channel=channel, message_ts=message_ts, team=team
            ),
            headers=headers,
        )

    def action_body(
        self,
        action_id: str,
        value: str,
        *,
        user: str = OWNER,
        channel: str = CHANNEL,
        message_ts: str = "1700000000.000100",
        team: str = TEAM,
    ) -> str:
        payload = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
            "api_app_id": "A111",
            "token": "verification_token",
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel,
                "is_ephemeral": False,
            },
            "trigger_id": f"{uuid.uuid4().int % 10**12}.222.{uuid.uuid4().hex}",
            "team": {"id": team, "domain": "test-domain"},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel, "name": "launch"},
            "message": {"type": "message", "ts": message_ts, "text": "", "blocks": []},
            "response_url": self.slack.response_url("action"),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "b1",
                    "text": {"type": "plain_text", "text": "Button", "emoji": True},
                    "value": value,
                    "type": "button",
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        return "payload=" + requests.utils.quote(json.dumps(payload))

    def message_shortcut(self, text: str, **kwargs) -> requests.Response:
        """A message shortcut chosen on a message saying `text` (as Slack escapes it)."""
        return self.post(self.message_shortcut_body(text, **kwargs))

    def message_shortcut_body(
        self,
        text: str,
        *,
        message_ts: str = "1700000000.000900",
        callback_id: str = "make_milestone",
        user: str = OWNER,
        channel: str = CHANNEL,
        team: str = TEAM,
    ) -> str:
        """Slack's message_action payload for a shortcut chosen on a message saying `text`."""
        payload = {
            "type": "message_action",
            "token": "verification_token",
            "action_ts": f"{time.time():.6f}",
            "team": {"id": team, "domain": "test-domain"},
            "user": {"id": user, "name": user.lower(), "team_id": team},
            "channel": {"id": channel, "name": "launch"},
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": f"{uuid.uuid4().int % 10**12}.444.{uuid.uuid4().hex}",
            "message_ts": message_ts,
            "message": {
                "type": "message",
                "text": text,
                "user": OTHER,
                "ts": message_ts,
                "team": team,
                "blocks": [],
            },
            "response_url": self.slack.response_url("shortcut"),
        }
        return "payload=" + requests.utils.quote(json.dumps(payload))

    def submit_view(
        self, view: dict, values: dict, *, user: str = OWNER, team: str = TEAM
    ) -> requests.Response:
        """Submit `view` (as the bot opened it) with `values`: {block_id: {action_id: value}}."""
        return self.post(self.view_submission_body(view, values, user=user, team=team))

    def view_submission_body(
        self, view: dict, values: dict, *, user: str = OWNER, team: str = TEAM
    ) -> str:
        submitted = {
            "id": "V111",
            "team_id": team,
            "type": "modal",
            "blocks": view["blocks"],
            "private_metadata": view["private_metadata"],
            "callback_id": view["callback_id"],
            "state": {"values": values},
            "hash": "1596530361.3wRYuk3R",
            "title": view["title"],
            "clear_on_close": False,
            "notify_on_close": False,
            "close": view.get("close"),
            "submit": view.get("submit"),
            "previous_view_id": None,
            "root_view_id": "V111",
            "app_id": "A111",
            "external_id": "",
            "app_installed_team_id": team,
            "bot_id": "BBOT",
        }
        payload = {
            "type": "view_submission",
            "team": {"id": team, "domain": "test-domain"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
            "api_app_id": "A111",
            "token": "verification_token",
            "trigger_id": f"{uuid.uuid4().int % 10**12}.333.{uuid.uuid4().hex}",
            "view": submitted,
            "response_urls": [],
            "is_enterprise_install": False,
        }
        return "payload=" + requests.utils.quote(json.dumps(payload))

    def milestones(self) -> list[Milestone]:
        with session_scope(self.engine) as session:
            return list(session.exec(select(Milestone).order_by(Milestone.id)).all())

    def milestone(self, milestone_id: int) -> Milestone:
        with session_scope(self.engine) as session:
            return session.get(Milestone, milestone_id)

    def add(self, text: str, **kwargs) -> Milestone:
        """Declare a milestone through the command and return it."""
        with session_scope(self.engine) as session:
            last = session.scalar(select(func.max(Milestone.id))) or 0
        response = self.command(f"add {text}", **kwargs)
        assert response.status_code == 200, response.text
        with session_scope(self.engine) as session:
            created = list(session.exec(select(Milestone).where(Milestone.id > last)).all())
        assert len(created) == 1, response.text
        return created[0]

    def button(self, milestone: Milestone, action_id: str = blocks.COMPLETE) -> str:
        return blocks.button_value(self.milestone(milestone.id))


def make_settings(database_url: str, slack: FakeSlack, **overrides):
    environ = {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "DATABASE_URL": database_url,
        "SLACK_API_URL": slack.base_url,
        "DEFAULT_TIMEZONE": "UTC",
        "PUBLIC_URL": PUBLIC_URL,
        **overrides,
    }
    return load_settings(environ)


@contextlib.contextmanager
def serving(application, *, threads: int = 4) -> Iterator[str]:
    """`application` served by waitress on a free local port for the block; yields its URL."""
    server = waitress.create_server(application, host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    # Its threads waiting for work before the first request: one arriving sooner is queued,
    # and waitress warns of the queue (on a busy machine), which tests of the logs would read.
    deadline = time.monotonic() + 5
    while server.task_dispatcher.active_count and time.monotonic() < deadline:
        time.sleep(0.001)
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        # Closed by the loop's own thread: closing sockets under a running loop from here
        # would let it act on file descriptors that the next test reuses.
        def close_everything() -> None:
            for channel in list(server._map.values()):
                channel.close()

        try:
            server.trigger.pull_trigger(close_everything)
        except OSError:
            # The loop already closed its trigger (seen rarely, cause unknown): nothing can
            # wake it, and nothing is left for it to serve; close what remains from here.
            close_everything()
        thread.join(timeout=5)
        assert not thread.is_alive(), "the test server did not stop"
        server.task_dispatcher.shutdown()


class PacingTime:
    """The clock the bot's pacer reads, moved on by its waits instead of sleeping them: the
    pacing is worked out as in production, and tests do not wait for it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += seconds

    def pause(self, _condition: threading.Condition, seconds: float) -> None:
        """A worker waiting for a lane's turn: the turn comes at once."""
        self.sleep(seconds)


def pacer_without_waiting() -> Pacer:
    time_ = PacingTime()
    return Pacer(clock=time_.monotonic, sleep=time_.sleep, pause=time_.pause)


def dispatch(application: Callable, path: str, body: bytes, headers: dict) -> requests.Response:
    """POST `body` with `headers` to `application` as waitress would hand it over from a
    socket (the same environ, an exception answered 500 and logged by the "waitress"
    logger), and its answer as requests would read it off the socket."""
    environ = {
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_HOST": "127.0.0.1",
        "REMOTE_PORT": "50000",
        "REQUEST_METHOD": "POST",
        "SERVER_PORT": "80",
        "SERVER_NAME": "localhost",
        "SERVER_SOFTWARE": "waitress",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "REQUEST_URI": path,
        "QUERY_STRING": "",
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.input": io.BytesIO(body),
        "wsgi.input_terminated": True,
    }
    sent = {
        "User-Agent": requests.utils.default_user_agent(),
        "Accept-Encoding": "gzip, deflate",
        "Accept": "*/*",
        "Connection": "keep-alive",
        "Content-Length": str(len(body)),
        **headers,
    }
    for name, value in sent.items():
        key = name.upper().replace("-", "_")
        if "_" in name:
            continue  # waitress drops header names with underscores
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = str(value)
        else:
            environ[f"HTTP_{key}"] = str(value)
    answered: dict = {}

    def start_response(status: str, response_headers: list, exc_info=None) -> None:
        answered["status"], answered["headers"] = status, response_headers

    try:
        chunks = application(environ, start_response)
        try:
            content = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
    except Exception:
        logging.getLogger("waitress").exception("Exception while serving %s", path)
        answered["status"] = "500 Internal Server Error"
        answered["headers"] = [("Content-Type", "text/plain; charset=utf-8")]
        content = (
            b"Internal Server Error\n\nThe server encountered an unexpected internal server error"
        )
    response = requests.Response()
    code, _, reason = answered["status"].partition(" ")
    response.status_code, response.reason = int(code), reason
    response.headers = requests.structures.CaseInsensitiveDict(answered["headers"])
    response.headers.setdefault("Content-Length", str(len(content)))
    response._content = content
    response.encoding = requests.utils.get_encoding_from_headers(response.headers)
    response.url = f"http://localhost{path}"
    return response


@contextlib.contextmanager
def running_bot(settings, slack: FakeSlack, clock: Clock) -> Iterator[Bot]:
    """The bot with `settings`, reached in this process (and over HTTP at its `url`) for the
    block."""
    runtime = build_runtime(
        settings,
        clock=clock,
        pacer=pacer_without_waiting(),
        engine=kept_engine(settings.database_url),
    )
    app = build_app(runtime)
    application = make_wsgi_app(app, runtime.engine, public_links=public_links(runtime))
    bot = Bot(runtime=runtime, slack=slack, clock=clock, application=application)
    try:
        yield bot
    finally:
        bot.close()
        runtime.background.join(timeout=5)
        runtime.background.shutdown()
        runtime.engine.dispose()
