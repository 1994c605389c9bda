"""The sandbox: the unchanged bot, its Web API calls answered by the core in
bot/sandbox/slackapi.py, and a page that plays Slack, all served on one local port.

What the page does (a command typed, a button pressed, a modal submitted, the App Home opened)
is sent to the bot at /slack/events as Slack sends it: signed, over HTTP. The bot's clock is
the wall clock moved by the page's clock control, which runs the sweeps at the new instant.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from http import HTTPStatus
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode

import waitress
from slack_sdk.signature import SignatureVerifier

from bot.app import build_app
from bot.config import load_settings
from bot.delivery.nudges import working_times
from bot.delivery.scheduler import SWEEPS, Sweep
from bot.domain.working_time import WorkingTime
from bot.runtime import Runtime, build_runtime
from bot.sandbox import demo
from bot.sandbox.slackapi import APP_ID, TEAM_ID, SlackAPI
from bot.sandbox.world import CHANNELS, PEOPLE, SharedFile, Target, World, dm_channel
from bot.server import EVENTS_PATH, make_wsgi_app
from bot.slack.client import Pacer

log = logging.getLogger(__name__)

STATIC = resources.files("bot.sandbox") / "static"
# The digest's default time zone, and the zone of the clock control's "next Monday 09:00".
ZONE = "UTC"
# How long the page's request for news waits for something to change.
POLL_SECONDS = 10.0
# How often what the page shows is written beside the database, when it changed.
KEEP_SECONDS = 2.0


def kept_files(database: Path) -> list[Path]:
    """The files a sandbox keeps: its database, its clock, and what its page shows."""
    return [database, _beside(database, "clock"), _beside(database, "page.json")]


def _beside(database: Path, suffix: str) -> Path:
    return database.with_name(f"{database.name}.{suffix}")


class ClockMove(StrEnum):
    """The page's clock buttons."""

    HOUR = "hour"
    DAY = "day"
    NEXT_MONDAY = "monday"  # the next Monday 09:00 UTC


class SandboxClock:
    """The bot's clock: the wall clock, moved on by the page; the move is kept next to the
    database, so that a restart does not take the bot back in time."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._offset = timedelta(0)
        if path.exists():
            self._offset = timedelta(seconds=float(path.read_text() or 0))

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def set(self, moment: datetime) -> None:
        self._offset = max(moment - datetime.now(UTC), self._offset)
        self._path.write_text(str(self._offset.total_seconds()))


def next_monday_morning(now: datetime) -> datetime:
    """The first Monday 09:00 (UTC) after `now`."""
    days = (7 - now.weekday()) % 7 or 7
    monday = (now + timedelta(days=days)).replace(hour=9, minute=0, second=0, microsecond=0)
    if now.weekday() == 0 and now.hour < 9:
        monday = now.replace(hour=9, minute=0, second=0, microsecond=0)
    return monday


def sweep_instants(times: Iterable[WorkingTime], start: datetime, end: datetime) -> list[datetime]:
    """Where a move of the clock from `start` to `end` runs the nudge sweep: at each opening
    of one of the working `times` on its way (a person's working morning, a channel's), and
    where it lands."""
    openings = {opening for working in times for opening in working.openings(start, end)}
    return [*sorted(openings), end]


class Sandbox:
    """The bot, the Web API it calls and the page, served on 127.0.0.1:`port` (0: a free one)."""

    def __init__(self, database: Path, *, port: int = 3000, threads: int = 16) -> None:
        self.database = database
        self.clock = SandboxClock(_beside(database, "clock"))
        self._page_file = _beside(database, "page.json")
        self.api = SlackAPI(enforce_limits=True, clock=lambda: self.clock().timestamp())
        self.world = World(self.api)
        self._secret = secrets.token_hex(16)
        self._signer = SignatureVerifier(self._secret)
        self._bot: Callable | None = None
        self.runtime: Runtime | None = None
        self._sweeping = threading.Lock()
        self.server = waitress.create_server(
            self.application, host="127.0.0.1", port=port, threads=threads
        )
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.api.root_url = self.url
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # ------------------------------------------------------------------ lifecycle
    def start(self, *, seed: bool) -> Sandbox:
        """Serve, then start the bot (it asks the Web API who it is), then seed the demo."""
        self._thread = threading.Thread(target=self.server.run, name="sandbox", daemon=True)
        self._thread.start()
        fresh = not self.database.exists()
        if not fresh and self._page_file.exists():
            self.world.restore(json.loads(self._page_file.read_text()))
        settings = load_settings(
            {
                "SLACK_BOT_TOKEN": "xoxb-sandbox",
                "SLACK_SIGNING_SECRET": self._secret,
                "DATABASE_URL": f"sqlite:///{self.database}",
                "SLACK_API_URL": self.api.base_url,
                "DEFAULT_TIMEZONE": ZONE,
            }
        )
        # Slack's own pace is kept by the real Pacer; the sandbox has no other client to share
        # Slack with, so nothing is to be gained by waiting.
        pacer = Pacer(per_channel_seconds=0.0, per_workspace_minute=60_000)
        self.runtime = build_runtime(settings, clock=self.clock, pacer=pacer)
        self._bot = make_wsgi_app(build_app(self.runtime), self.runtime.engine)
        demo.note_workspace(self.runtime, TEAM_ID)
        if fresh and seed:
            demo.seed(self.runtime, TEAM_ID)
            self.settle()
        threading.Thread(target=self._keep_page, name="sandbox-keeper", daemon=True).start()
        return self

    def _keep_page(self) -> None:
        """Write what the page shows beside the database when it changed, so that the cards
        the database knows of are there after a restart."""
        saved = -1
        while not self._stopping.wait(KEEP_SECONDS):
            saved = self._save_page(saved)

    def _save_page(self, saved: int) -> int:
        version = self.world.version
        if version != saved:
            written = self._page_file.with_suffix(".tmp")
            written.write_text(json.dumps(self.world.snapshot()))
            written.replace(self._page_file)
        return version

    def stop(self) -> None:
        self._stopping.set()
        # Pages waiting for news are answered first, while the server can still write to them.
        self.world.wake()
        self.server.task_dispatcher.shutdown(timeout=5)

        def close_everything() -> None:
            for channel in list(self.server._map.values()):
                channel.close()

        try:
            self.server.trigger.pull_trigger(close_everything)
        except OSError:
            close_everything()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.runtime is not None:
            self.runtime.background.join(timeout=10)
            self.runtime.background.shutdown()
            self.runtime.engine.dispose()
            self._save_page(-1)

    def settle(self, timeout: float = 20) -> None:
        """Wait for the bot's work after its answers (its Slack calls) to be done."""
        if self.runtime is not None:
            self.runtime.background.join(timeout=timeout)

    # ------------------------------------------------------------------ the clock
    def move_clock(self, move: ClockMove) -> datetime:
        """Move the bot's clock and run the sweeps at the instant it lands on. On the way, the
        nudge sweep runs wherever someone's working time opens (a person's working morning in
        their zone and hours, a channel's): a day on passes through each person's morning,
        and the nudges due then go out whatever the hour the move lands on, as the scheduler's
        sweeps every 30 minutes would send them. The other sweeps catch up at the landing (a
        weekly status due on the way posts then, once)."""
        now = self.clock()
        match move:
            case ClockMove.NEXT_MONDAY:
                landing = next_monday_morning(now)
            case ClockMove.DAY:
                landing = now + timedelta(days=1)
            case ClockMove.HOUR:
                landing = now + timedelta(hours=1)
        assert self.runtime is not None
        *on_the_way, landing = sweep_instants(working_times(self.runtime), now, landing)
        for moment in on_the_way:
            self.clock.set(moment)
            self.run_sweeps(Sweep.NUDGES)
        self.clock.set(landing)
        self.run_sweeps(Sweep.ANNOUNCEMENTS, Sweep.DIGEST, Sweep.NUDGES)
        return self.clock()

    def run_sweeps(self, *sweeps: Sweep) -> None:
        """Run `sweeps`, in this order, at the clock's instant and wait for their Slack calls."""
        assert self.runtime is not None
        with self._sweeping:
            moment = self.clock()
            for sweep in sweeps:
                SWEEPS[sweep](self.runtime, now=moment)
            self.settle()

    # ------------------------------------------------------------------ signed requests
    def send(self, body: str, content_type: str) -> tuple[int, str]:
        """POST `body` to the bot, signed as Slack signs; its status and body."""
        timestamp = str(int(time.time()))
        request = urllib.request.Request(
            self.url + EVENTS_PATH,
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": timestamp,
                "X-Slack-Signature": self._signer.generate_signature(
                    timestamp=timestamp, body=body
                ),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def send_payload(self, payload: dict) -> tuple[int, dict]:
        status, text = self.send(
            "payload=" + quote(json.dumps(payload)),
            "application/x-www-form-urlencoded",
        )
        return status, _json_or_empty(text)

    def command(self, user_id: str, channel_id: str, text: str) -> dict:
        target = Target(user_id, channel_id)
        fields = {
            "token": "sandbox",
            "team_id": TEAM_ID,
            "team_domain": "sandbox",
            "channel_id": channel_id,
            "channel_name": _channel_name(channel_id),
            "user_id": user_id,
            "user_name": _person(user_id).name.split()[0].lower(),
            "command": "/milestone",
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": self.world.response_url(target),
            "trigger_id": self.world.trigger(user_id),
        }
        status, answer = self.send(urlencode(fields), "application/x-www-form-urlencoded")
        self.world.answered(target, _json_or_empty(answer))
        self.settle()
        return {"status": status}

    def _user(self, user_id: str) -> dict:
        name = _person(user_id).name.split()[0].lower()
        return {"id": user_id, "username": name, "name": name, "team_id": TEAM_ID}

    def _base(self, kind: str, user_id: str) -> dict:
        return {
            "type": kind,
            "user": self._user(user_id),
            "api_app_id": APP_ID,
            "token": "sandbox",
            "team": {"id": TEAM_ID, "domain": "sandbox"},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _view(self, user_id: str, view_id: str, values: dict | None) -> dict:
        view = self.world.view_of(user_id, view_id)
        if view is None:
            raise LookupError(f"no view {view_id} open for {user_id}")
        view["state"] = {"values": values or {}}
        return view

    def action(self, user_id: str, request: dict) -> dict:
        """A button pressed or a menu chosen, on a message or in a view."""
        action = dict(request["action"])
        action["action_ts"] = f"{time.time():.6f}"
        payload = self._base("block_actions", user_id)
        payload["trigger_id"] = self.world.trigger(user_id)
        payload["actions"] = [action]
        target = None
        if request.get("view_id"):
            view = self._view(user_id, request["view_id"], request.get("values"))
            payload["container"] = {"type": "view", "view_id": view["id"]}
            payload["view"] = view
        else:
            channel_id, ts = request["channel"], request["ts"]
            ephemeral = bool(request.get("ephemeral"))
            target = Target(user_id, channel_id, ts, ephemeral)
            message = self.world.message(channel_id, ts) or {"ts": ts, "text": "", "blocks": []}
            message.pop("only", None)
            message.pop("replies", None)
            payload["container"] = {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel_id,
                "is_ephemeral": ephemeral,
            }
            payload["channel"] = {"id": channel_id, "name": _channel_name(channel_id)}
            payload["message"] = message
            payload["response_url"] = self.world.response_url(target)
        status, answer = self.send_payload(payload)
        if target is not None:
            self.world.answered(target, answer)
        self.settle()
        return {"status": status}

    def submit(self, user_id: str, request: dict) -> dict:
        """A modal submitted: closed, replaced, or shown again with the bot's errors."""
        view = self._view(user_id, request["view_id"], request.get("values"))
        payload = self._base("view_submission", user_id)
        payload.update(
            trigger_id=self.world.trigger(user_id),
            view={**view, "app_installed_team_id": TEAM_ID},
            response_urls=[],
        )
        status, answer = self.send_payload(payload)
        action = answer.get("response_action")
        if status == 200 and action == "errors":
            return {"status": status, "errors": answer.get("errors", {})}
        if status == 200 and action in ("update", "push"):
            self.world.replace_modal(user_id, answer["view"], push=action == "push")
        elif status == 200:
            self.world.pop_modal(user_id, all_of_them=action == "clear")
        self.settle()
        return {"status": status}

    def options(self, user_id: str, request: dict) -> dict:
        """The options of an external select, as the bot's options listener gives them."""
        view = self._view(user_id, request["view_id"], request.get("values"))
        payload = self._base("block_suggestion", user_id)
        payload.update(
            container={"type": "view", "view_id": view["id"]},
            view=view,
            action_id=request["action_id"],
            block_id=request["block_id"],
            value=request.get("value", ""),
        )
        status, answer = self.send_payload(payload)
        return {"status": status, **answer}

    def open_home(self, user_id: str) -> dict:
        event = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": dm_channel(user_id),
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }
        body = {
            "token": "sandbox",
            "team_id": TEAM_ID,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {"team_id": TEAM_ID, "user_id": "UBOT", "is_bot": True, "enterprise_id": None}
            ],
        }
        status, _ = self.send(json.dumps(body), "application/json")
        self.settle()
        return {"status": status}

    # ------------------------------------------------------------------ HTTP
    def application(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path.startswith(("/api/", "/response/", "/upload/")):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            headers = {
                key[5:].replace("_", "-").lower(): value
                for key, value in environ.items()
                if key.startswith("HTTP_")
            }
            headers["content-type"] = environ.get("CONTENT_TYPE", "")
            status, payload, extra = self.api.handle(
                method, path, environ.get("QUERY_STRING", ""), body, headers
            )
            return _json(start_response, payload, status, extra)
        if path in (EVENTS_PATH, "/healthz", "/metrics"):
            if self._bot is None:
                return _json(start_response, {"error": "starting"}, 503)
            return self._bot(environ, start_response)
        if path == "/" and method == "GET":
            return _file(start_response, "index.html")
        if path.startswith("/static/") and method == "GET":
            return _file(start_response, path[len("/static/") :])
        if path.startswith("/sandbox/"):
            return self._page_request(environ, start_response, path[len("/sandbox/") :])
        return _json(start_response, {"error": "not found"}, 404)

    def _page_request(self, environ: dict, start_response: Callable, name: str):
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if name == "setup":
            return _json(start_response, self.setup())
        if name.startswith("files/"):
            return _shared_file(start_response, self.world.file(name[len("files/") :]))
        if name == "state":
            user_id = query.get("as", PEOPLE[0].id)
            since = int(query.get("since", -1))
            self.world.wait(since, float(query.get("wait", POLL_SECONDS)))
            return _json(start_response, {**self.world.seen_by(user_id), "now": self.now()})
        if environ.get("REQUEST_METHOD") != "POST":
            return _json(start_response, {"error": "POST expected"}, 405)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            request = json.loads(environ["wsgi.input"].read(length) or b"{}")
        except ValueError:
            return _json(start_response, {"error": "JSON expected"}, 400)
        user_id = request.get("as", PEOPLE[0].id)
        if user_id not in {p.id for p in PEOPLE}:
            return _json(start_response, {"error": "unknown person"}, 400)
        try:
            match name:
                case "command":
                    answer = self.command(user_id, request["channel"], request["text"])
                case "action":
                    answer = self.action(user_id, request)
                case "submit":
                    answer = self.submit(user_id, request)
                case "options":
                    answer = self.options(user_id, request)
                case "close":
                    self.world.pop_modal(user_id)
                    answer = {"status": 200}
                case "home":
                    answer = self.open_home(user_id)
                case "clock":
                    self.move_clock(ClockMove(request["to"]))
                    answer = {"status": 200, "now": self.now()}
                case _:
                    return _json(start_response, {"error": "not found"}, 404)
        except (KeyError, LookupError, ValueError) as error:
            return _json(start_response, {"error": repr(error)}, 400)
        return _json(start_response, answer)

    def now(self) -> str:
        return self.clock().isoformat()

    def setup(self) -> dict:
        return {
            "people": [p.__dict__ for p in PEOPLE],
            "channels": [c.__dict__ for c in CHANNELS],
            "bot": {"id": "UBOT", "name": "Milestones"},
            "zone": ZONE,
        }


def _person(user_id: str):
    return next((p for p in PEOPLE if p.id == user_id), PEOPLE[0])


def _channel_name(channel_id: str) -> str:
    return next((c.name for c in CHANNELS if c.id == channel_id), "directmessage")


def _json_or_empty(text: str) -> dict:
    try:
        parsed = json.loads(text) if text.strip() else {}
    except ValueError:
        return {"text": text}
    return parsed if isinstance(parsed, dict) else {}


def _json(start_response: Callable, payload: dict, status: int = 200, extra=None):
    data = json.dumps(payload).encode()
    headers = [("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store")]
    start_response(f"{status} {HTTPStatus(status).phrase}", headers + list((extra or {}).items()))
    return [data]


def _file(start_response: Callable, name: str):
    resource = STATIC / name
    if "/" in name or ".." in name or not resource.is_file():
        return _json(start_response, {"error": "not found"}, 404)
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    start_response(
        "200 OK", [("Content-Type", f"{kind}; charset=utf-8"), ("Cache-Control", "no-store")]
    )
    return [resource.read_bytes()]


def _shared_file(start_response: Callable, shared: SharedFile | None):
    """A file the bot shared: an image shown in the page, anything else downloaded."""
    if shared is None:
        return _json(start_response, {"error": "not found"}, 404)
    kind = shared.mimetype
    if kind.startswith("text/"):
        kind += "; charset=utf-8"
    headers = [
        ("Content-Type", kind),
        ("Content-Length", str(len(shared.content))),
        # A file's URL is its own and its bytes never change: the page draws it again and
        # again without asking.
        ("Cache-Control", "private, max-age=86400, immutable"),
    ]
    if not shared.mimetype.startswith("image/"):
        plain = re.sub(r"[^A-Za-z0-9._-]", "_", shared.name)
        quoted = quote(shared.name, safe="")
        disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quoted}"
        headers.append(("Content-Disposition", disposition))
    start_response("200 OK", headers)
    return [shared.content]
