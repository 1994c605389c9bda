"""Slack's Web API as the bot sees it, without Slack: answers, records and can refuse calls.

The one core behind the tests' fake Slack (tests/support/fakeslack.py serves it over a local
port) and the sandbox (bot/sandbox/server.py serves it beside the page that plays Slack). Every
Web API request (``/api/<method>``, GET or POST, form-encoded or JSON) is recorded as a
:class:`Call`, including attempts answered with a scheduled failure (see :meth:`SlackAPI.fail`).
POSTs to ``/response/<name>`` (response URLs) are recorded in ``responses``. A method can be made
to hang (:meth:`SlackAPI.hang`), as Slack does when it is slow. Files go up as slack_sdk's
``files_upload_v2`` sends them: ``files.getUploadURLExternal`` hands out an upload URL here, the
bytes are POSTed there, and ``files.completeUploadExternal`` shares them; each shared file is
recorded in ``files`` as an :class:`UploadedFile`. With ``enforce_limits`` a message
or view that Slack would refuse (bot/sandbox/slacklimits.py) is refused with ``invalid_blocks``,
as Slack refuses it. Only the standard library is used, and the limits module.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from bot.sandbox import slacklimits

TEAM_ID = "T111"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
APP_ID = "A111"

# Fields of users.info's user object that set_user(**kwargs) puts on the user, not the profile.
_USER_LEVEL_FIELDS = {
    "name",
    "color",
    "is_admin",
    "is_owner",
    "is_primary_owner",
    "is_restricted",
    "is_ultra_restricted",
    "is_bot",
    "is_app_user",
    "locale",
}

_DEFAULT_ERRORS = {429: "ratelimited", 500: "internal_error", 503: "service_unavailable"}
# The longest a hung call is held unanswered, in seconds, should a test forget to release it.
_HANG_LIMIT = 30


@dataclass
class Call:
    """One request to a Web API method, as received by the fake."""

    method: str
    params: dict
    token: str | None
    headers: dict  # lower-cased header names
    status: int = 200  # HTTP status the fake answered with (0 while a hung call waits)
    response: dict = field(default_factory=dict)  # JSON body the fake answered with
    at: float = field(default_factory=time.monotonic)  # when it arrived (time.monotonic)

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok"))


@dataclass
class UploadedFile:
    """A file shared by files.completeUploadExternal: what was uploaded, and where it went."""

    id: str
    name: str
    title: str | None
    alt_text: str | None
    content: bytes
    channel: str | None
    thread_ts: str | None
    initial_comment: str | None

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class _Failure:
    status: int
    retry_after: int
    error: str | None


def _maybe_json(value: str) -> Any:
    stripped = value.strip()
    if stripped[:1] in ("[", "{"):
        try:
            return json.loads(stripped)
        except ValueError:
            return value
    return value


def _parse_body(body: bytes, content_type: str) -> dict:
    if not body:
        return {}
    ctype = content_type.split(";")[0].strip().lower()
    text = body.decode("utf-8", "replace")
    if ctype == "application/json":
        data = json.loads(text)
        return data if isinstance(data, dict) else {"_json": data}
    if ctype in ("application/x-www-form-urlencoded", ""):
        pairs = parse_qsl(text, keep_blank_values=True)
        return {k: _maybe_json(v) for k, v in pairs}
    return {"_raw": text}


def _as_dict(value: Any) -> dict:
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        decoded = _maybe_json(value)
        if isinstance(decoded, dict):
            return decoded
    return {}


# What each method posts, as slacklimits.problems names it.
_SURFACES = {
    "chat.postMessage": "message",
    "chat.update": "message",
    "chat.postEphemeral": "message",
    "views.open": "modal",
    "views.push": "modal",
    "views.update": "modal",
    "views.publish": "home",
}


def surface_problems(method: str, params: dict) -> list[str]:
    """What Slack would refuse in the message or view that a call to `method` posts."""
    kind = _SURFACES.get(method)
    if kind is None:
        return []
    if kind == "message":
        blocks = params.get("blocks")
        surface = {"text": params.get("text"), "blocks": blocks if isinstance(blocks, list) else []}
    else:
        surface = _as_dict(params.get("view"))
        if not isinstance(surface.get("blocks"), list):
            return [f"{kind}: no blocks"]
        if kind == "modal" and not isinstance(surface.get("title"), dict):
            return ["modal: no title"]
    try:
        return slacklimits.problems(surface, kind)
    except (KeyError, TypeError, AttributeError) as error:
        return [f"{kind}: malformed ({error!r})"]


class SlackAPI:
    """Slack's Web API (and response URLs), answered in this process: ``handle`` takes one
    HTTP request, whichever server received it. ``observers`` hear of every call answered and
    every response URL post (``api_called(call)``, ``response_posted(name, body)``)."""

    def __init__(
        self, *, enforce_limits: bool = False, clock: Callable[[], float] | None = None
    ) -> None:
        self._cond = threading.Condition()
        self.enforce_limits = enforce_limits
        # With `clock` (seconds since the epoch), message timestamps follow it.
        self._clock = clock
        self.observers: list = []
        # Where this API is reached, for response URLs: set by whoever serves it.
        self.root_url = "http://127.0.0.1"
        self.calls: list[Call] = []
        self.responses: list[dict] = []
        self.errors: list[str] = []  # exceptions raised inside the fake's handlers
        self._users: dict[str, dict] = {}
        # user id -> (start, end) of their do-not-disturb, in Unix seconds; absent: off.
        self._dnd: dict[str, tuple[float, float]] = {}
        self._plans: dict[str, dict[int, _Failure]] = {}
        # method -> [(params to match, failures left, failure)], for fail(..., where=...).
        self._targeted: dict[str, list[list]] = {}
        self._attempts: dict[str, int] = {}
        self._ts_micros = 1_700_000_000_000_000
        self._view_counter = 0
        self._open_dms: set[str] = set()
        self._answers: dict[str, dict] = {}
        # OAuth: codes a user "approved" the app with, and tokens that no longer work.
        self._grants: dict[str, dict] = {}
        self._revoked: set[str] = set()
        self._refreshes = 0
        # limit_posts(): seconds between accepted posts to one channel, and when each was.
        self._post_gap: float | None = None
        self._last_post: dict[str, float] = {}
        # hang(): method -> released when the calls held may be answered.
        self._hung: dict[str, threading.Event] = {}
        # Files between files.getUploadURLExternal and files.completeUploadExternal, by id:
        # their name, alt text and (once POSTed to the upload URL) their bytes.
        self._pending_files: dict[str, dict[str, Any]] = {}
        self.files: list[UploadedFile] = []

    # ------------------------------------------------------------------ transport
    @property
    def base_url(self) -> str:
        return f"{self.root_url}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.root_url}/response/{name}"

    def handle(
        self, http_method: str, path: str, query: str, body: bytes, headers: dict
    ) -> tuple[int, dict, dict[str, str]]:
        """Answer one HTTP request (``headers`` with lower-cased names): status, JSON body and
        extra headers. A bug in here is answered 500 and kept in ``errors``."""
        try:
            if path.startswith("/api/") and len(path) > len("/api/") and "/" not in path[5:]:
                params = dict(parse_qsl(query, keep_blank_values=True))
                params = {k: _maybe_json(v) for k, v in params.items()}
                params.update(_parse_body(body, headers.get("content-type", "")))
                return self._handle_api(path[5:], params, headers)
            if http_method == "POST" and path.startswith("/response/") and len(path) > 10:
                text = body.decode("utf-8", "replace")
                try:
                    parsed: Any = json.loads(text) if text else {}
                except ValueError:
                    parsed = _parse_body(body, headers.get("content-type", "")) or text
                self._record_response(path[len("/response/") :], parsed)
                return 200, {"ok": True}, {}
            if http_method == "POST" and path.startswith("/upload/"):
                found = self._receive_upload(path[len("/upload/") :], body)
                return (200 if found else 404), {"ok": found}, {}
            return 404, {"ok": False, "error": "unknown_method"}, {}
        except Exception as exc:  # surface bugs in here as HTTP 500 + errors
            self.errors.append(f"{http_method} {path}: {exc!r}")
            return 500, {"ok": False, "error": "fake_slack_error"}, {}

    # ------------------------------------------------------------------ setup
    def set_user(
        self,
        user_id: str,
        *,
        tz: str | None = "America/New_York",
        deleted: bool = False,
        **profile: Any,
    ) -> None:
        """Make users.info answer for ``user_id``.

        ``tz=None`` leaves ``tz``, ``tz_label`` and ``tz_offset`` out of the user object.
        Keyword arguments go into ``profile``, except user-level fields (``name``,
        ``is_bot``, ``is_admin``, ``locale``, ...). ``real_name`` is set on both.
        """
        user_fields = {k: profile.pop(k) for k in list(profile) if k in _USER_LEVEL_FIELDS}
        real_name = profile.get("real_name", f"User {user_id}")
        profile.setdefault("real_name", real_name)
        profile.setdefault("real_name_normalized", real_name)
        profile.setdefault("display_name", "")
        profile.setdefault("display_name_normalized", profile["display_name"])
        profile.setdefault("team", TEAM_ID)
        user: dict[str, Any] = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": user_id.lower(),
            "deleted": deleted,
            "real_name": real_name,
            "is_admin": False,
            "is_owner": False,
            "is_bot": False,
            "is_app_user": False,
            "updated": 1_700_000_000,
        }
        if tz is not None:
            now = dt.datetime.now(ZoneInfo(tz))  # unknown zone names raise here
            offset = now.utcoffset() or dt.timedelta(0)
            user["tz"] = tz
            user["tz_label"] = now.tzname() or tz
            user["tz_offset"] = int(offset.total_seconds())
        user.update(user_fields)
        user["profile"] = profile
        with self._cond:
            self._users[user_id] = user

    def set_dnd(
        self, user_id: str, start: dt.datetime | None, end: dt.datetime | None = None
    ) -> None:
        """Make dnd.info say ``user_id``'s do-not-disturb runs from ``start`` to ``end``
        (``start=None``: off, the default for everyone)."""
        with self._cond:
            if start is None:
                self._dnd.pop(user_id, None)
            else:
                assert end is not None and end > start
                self._dnd[user_id] = (start.timestamp(), end.timestamp())

    def answer(self, method: str, body: dict) -> None:
        """Make every later successful call to ``method`` answer ``body`` (HTTP 200).

        For methods the fake has no answer of its own for, such as ``apps.connections.open``.
        """
        with self._cond:
            self._answers[method] = json.loads(json.dumps(body))

    def grant(
        self,
        code: str,
        *,
        team_id: str,
        token: str,
        enterprise_id: str | None = None,
        org_install: bool = False,
        expires_in: int | None = None,
    ) -> None:
        """Make oauth.v2.access exchange ``code`` for an installation of the bot in ``team_id``
        (or in the whole organisation ``enterprise_id`` when ``org_install``).

        With ``expires_in`` the token rotates: it comes with a refresh token, and
        oauth.v2.access with ``grant_type=refresh_token`` hands out a new one.
        """
        answer: dict[str, Any] = {
            "ok": True,
            "app_id": APP_ID,
            "authed_user": {"id": "U0INSTALLER"},
            "scope": "commands,chat:write,im:write,users:read",
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": BOT_USER_ID,
            "team": None if org_install else {"id": team_id, "name": f"Team {team_id}"},
            "enterprise": {"id": enterprise_id, "name": "Org"} if enterprise_id else None,
            "is_enterprise_install": org_install,
        }
        if expires_in is not None:
            answer["refresh_token"] = f"xoxe-1-refresh-{token}"
            answer["expires_in"] = expires_in
        with self._cond:
            self._grants[code] = answer

    def limit_posts(self, *, per_channel_seconds: float = 1.0) -> None:
        """Enforce Slack's posting limit: a chat.postMessage to a channel less than
        ``per_channel_seconds`` after the last one accepted there is answered 429 with
        ``Retry-After: 1`` (and not posted)."""
        with self._cond:
            self._post_gap = per_channel_seconds
            self._last_post.clear()

    def hang(self, method: str) -> None:
        """Hold every later call to ``method`` unanswered until :meth:`release` (at most 30 s).

        A held call is recorded as it arrives, with status 0, and completed when answered;
        a client that gave up meanwhile never sees the answer.
        """
        with self._cond:
            self._hung[method] = threading.Event()

    def release(self, method: str) -> None:
        """Answer the calls to ``method`` held by :meth:`hang`, and the later ones at once."""
        with self._cond:
            released = self._hung.pop(method, None)
        if released is not None:
            released.set()

    def release_all(self) -> None:
        """Answer every held call now (when the server stops)."""
        with self._cond:
            for released in self._hung.values():
                released.set()

    def revoke(self, token: str) -> None:
        """Make every later call made with ``token`` fail with ``token_revoked``."""
        with self._cond:
            self._revoked.add(token)

    def fail(
        self,
        method: str,
        *,
        status: int = 429,
        times: int = 1,
        retry_after: int = 0,
        error: str | None = None,
        where: dict | None = None,
    ) -> None:
        """Make the next ``times`` attempts at ``method`` fail (with ``where``, only attempts
        whose parameters include those, such as ``where={"channel": "C222"}``).

        429 -> HTTP 429, ``Retry-After: <retry_after>``, ``{"ok": false, "error": "ratelimited"}``;
        500/503 (or any non-200) -> that status with ``{"ok": false, "error": ...}``;
        200 -> HTTP 200 ``{"ok": false, "error": error}`` (e.g. ``error="not_in_channel"``).
        Attempts already scheduled by :meth:`fail_nth` are skipped over.
        """
        failure = _Failure(status, retry_after, error)
        if where is not None:
            with self._cond:
                self._targeted.setdefault(method, []).append([dict(where), times, failure])
            return
        with self._cond:
            plan = self._plans.setdefault(method, {})
            attempt = self._attempts.get(method, 0) + 1
            placed = 0
            while placed < times:
                if attempt not in plan:
                    plan[attempt] = failure
                    placed += 1
                attempt += 1

    def fail_nth(
        self,
        method: str,
        n: int,
        *,
        status: int = 429,
        retry_after: int = 0,
        error: str | None = None,
    ) -> None:
        """Make the ``n``-th attempt at ``method`` (1-based, counted from now) fail once."""
        if n < 1:
            raise ValueError("n is 1-based")
        with self._cond:
            attempt = self._attempts.get(method, 0) + n
            self._plans.setdefault(method, {})[attempt] = _Failure(status, retry_after, error)

    def reset(self) -> None:
        """Forget calls, responses, errors and scheduled failures (users are kept)."""
        with self._cond:
            self.calls.clear()
            self.files.clear()
            self.responses.clear()
            self.errors.clear()
            self._plans.clear()
            self._targeted.clear()
            self._attempts.clear()

    # ------------------------------------------------------------------ inspection
    def calls_to(self, method: str) -> list[Call]:
        """Successful (HTTP 200, ``ok: true``) calls to ``method``, in order."""
        with self._cond:
            return [c for c in self.calls if c.method == method and c.ok]

    def attempts_to(self, method: str) -> list[Call]:
        """Every attempt at ``method``, failed ones included, in order."""
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until ``calls_to(method)`` has ``count`` entries; return them."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self.calls if c.method == method and c.ok]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [
                        f"{c.method}({c.status}{'' if c.ok else ' failed'})" for c in self.calls
                    ]
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {count} successful "
                        f"{method} call(s), got {len(found)}; recorded calls: {seen}"
                    )
                self._cond.wait(remaining)

    def wait_for_attempts(self, method: str, count: int, timeout: float = 5.0) -> list[Call]:
        """Block until ``attempts_to(method)`` has ``count`` entries (held ones included)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(found := [c for c in self.calls if c.method == method]) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {count} attempt(s) at {method}, "
                        f"got {len(found)}"
                    )
                self._cond.wait(remaining)
            return found

    def wait_for_response(
        self, count: int = 1, timeout: float = 5.0, name: str | None = None
    ) -> list[dict]:
        """Block until ``count`` bodies were POSTed to response URLs (optionally to ``name``)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [r for r in self.responses if name is None or r["name"] == name]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {count} response URL post(s)"
                        f"{'' if name is None else f' to {name!r}'}, got {len(found)}; "
                        f"recorded calls: {[c.method for c in self.calls]}"
                    )
                self._cond.wait(remaining)

    # ------------------------------------------------------------------ server side
    def wait_for_files(self, count: int = 1, timeout: float = 5.0) -> list[UploadedFile]:
        """Block until ``count`` files were shared; return them."""
        self.wait_for("files.completeUploadExternal", count, timeout)
        with self._cond:
            return list(self.files)

    def _receive_upload(self, file_id: str, body: bytes) -> bool:
        with self._cond:
            pending = self._pending_files.get(file_id)
            if pending is None:
                return False
            pending["content"] = body
            return True

    def _upload_url(self, params: dict) -> dict:
        if not params.get("filename") or not str(params.get("length", "")).isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{len(self._pending_files) + 1:04d}"
        self._pending_files[file_id] = {
            "name": str(params["filename"]),
            "length": int(params["length"]),
            "alt_text": params.get("alt_txt"),
        }
        return {"ok": True, "upload_url": f"{self.root_url}/upload/{file_id}", "file_id": file_id}

    def _complete_upload(self, params: dict) -> dict:
        listed = params.get("files")
        if not isinstance(listed, list) or not listed:
            return {"ok": False, "error": "invalid_arguments"}
        shared = []
        for item in listed:
            pending = self._pending_files.get(str(item.get("id")))
            if pending is None or "content" not in pending:
                return {"ok": False, "error": "file_not_found"}
            if len(pending["content"]) != pending["length"]:
                return {"ok": False, "error": "file_size_mismatch"}
            shared.append((item, pending))
        files = []
        for item, pending in shared:
            uploaded = UploadedFile(
                id=str(item["id"]),
                name=pending["name"],
                title=item.get("title"),
                alt_text=pending["alt_text"],
                content=pending["content"],
                channel=params.get("channel_id") or params.get("channels"),
                thread_ts=params.get("thread_ts"),
                initial_comment=params.get("initial_comment"),
            )
            self.files.append(uploaded)
            files.append({"id": uploaded.id, "name": uploaded.name, "title": uploaded.title})
        return {"ok": True, "files": files}

    def _record_response(self, name: str, body: Any) -> None:
        with self._cond:
            self.responses.append({"name": name, "body": body})
            self._cond.notify_all()
        for observer in list(self.observers):
            observer.response_posted(name, body)

    def _handle_api(
        self, method: str, params: dict, headers: dict
    ) -> tuple[int, dict, dict[str, str]]:
        auth = headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        if token is None and isinstance(params.get("token"), str):
            token = params["token"]
        call = Call(method=method, params=params, token=token, headers=headers)
        extra: dict[str, str] = {}
        with self._cond:
            hung = self._hung.get(method)
            if hung is not None:
                call.status = 0
                self.calls.append(call)
                self._cond.notify_all()
        if hung is not None:
            hung.wait(_HANG_LIMIT)
        with self._cond:
            attempt = self._attempts.get(method, 0) + 1
            self._attempts[method] = attempt
            failure = self._targeted_failure(method, params)
            if failure is None:
                failure = self._plans.get(method, {}).pop(attempt, None)
            if failure is None and method == "chat.postMessage" and self._post_gap is not None:
                failure = self._rate_limited(str(params.get("channel")))
            refused = surface_problems(method, params) if self.enforce_limits else []
            if token in self._revoked:
                call.status = 200
                call.response = {"ok": False, "error": "token_revoked"}
            elif refused and failure is None:
                call.status = 200
                call.response = {
                    "ok": False,
                    "error": "invalid_blocks",
                    "response_metadata": {"messages": refused},
                }
            elif failure is not None:
                error = failure.error or _DEFAULT_ERRORS.get(failure.status, "fatal_error")
                call.status = failure.status
                call.response = {"ok": False, "error": error}
                if failure.status == 429:
                    extra["Retry-After"] = str(failure.retry_after)
            else:
                call.response = self._answer(method, params)
                call.status = 200
            if hung is None:
                self.calls.append(call)
            self._cond.notify_all()
        for observer in list(self.observers):
            observer.api_called(call)
        return call.status, call.response, extra

    def _rate_limited(self, channel: str) -> _Failure | None:
        now = time.monotonic()
        last = self._last_post.get(channel)
        if last is not None and now - last < self._post_gap:
            return _Failure(429, 1, None)
        self._last_post[channel] = now
        return None

    def _targeted_failure(self, method: str, params: dict) -> _Failure | None:
        for target in self._targeted.get(method, []):
            match, left, failure = target
            if left > 0 and all(str(params.get(k)) == str(v) for k, v in match.items()):
                target[1] -= 1
                return failure
        return None

    def next_ts(self) -> str:
        """A message timestamp later than every one handed out so far."""
        with self._cond:
            return self._next_ts()

    def _next_ts(self) -> str:
        self._ts_micros += 100
        if self._clock is not None:
            self._ts_micros = max(self._ts_micros, int(self._clock() * 1_000_000))
        return f"{self._ts_micros // 1_000_000}.{self._ts_micros % 1_000_000:06d}"

    def _answer(self, method: str, params: dict) -> dict:
        if method in self._answers:
            return json.loads(json.dumps(self._answers[method]))
        if method == "oauth.v2.access":
            return self._oauth_access(params)
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://test.slack.com/",
                "team": "Test",
                "user": "milestones",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        if method == "chat.postMessage":
            ts = self._next_ts()
            return {
                "ok": True,
                "channel": params.get("channel"),
                "ts": ts,
                "message": self._message(params, ts),
            }
        if method == "chat.update":
            ts = params.get("ts")
            message = self._message(params, ts)
            message["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
            return {
                "ok": True,
                "channel": params.get("channel"),
                "ts": ts,
                "text": params.get("text", ""),
                "message": message,
            }
        if method == "chat.getPermalink":
            channel, ts = str(params.get("channel")), str(params.get("message_ts"))
            return {
                "ok": True,
                "channel": channel,
                "permalink": f"https://test.slack.com/archives/{channel}/p{ts.replace('.', '')}",
            }
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "conversations.open":
            return self._conversations_open(params)
        if method == "dnd.info":
            return {"ok": True, **self._dnd_of(str(params.get("user"))), "snooze_enabled": False}
        if method == "dnd.teamInfo":
            users = [user for user in str(params.get("users", "")).split(",") if user]
            if not users:
                return {"ok": False, "error": "no_users_provided"}
            return {"ok": True, "users": {user: self._dnd_of(user) for user in users[:50]}}
        if method == "users.info":
            user = self._users.get(str(params.get("user")))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": json.loads(json.dumps(user))}
        if method == "files.getUploadURLExternal":
            return self._upload_url(params)
        if method == "files.completeUploadExternal":
            return self._complete_upload(params)
        if method in ("views.open", "views.update", "views.push", "views.publish"):
            return {"ok": True, "view": self._view(method, params)}
        return {"ok": True}

    def _dnd_of(self, user_id: str) -> dict:
        """A user's do-not-disturb as Slack describes it (1 for "none scheduled")."""
        start, end = self._dnd.get(user_id, (0, 0))
        return {
            "dnd_enabled": bool(end),
            "next_dnd_start_ts": int(start) or 1,
            "next_dnd_end_ts": int(end) or 1,
        }

    def _oauth_access(self, params: dict) -> dict:
        if params.get("grant_type") == "refresh_token":
            if not str(params.get("refresh_token", "")).startswith("xoxe-1-"):
                return {"ok": False, "error": "invalid_refresh_token"}
            self._refreshes += 1
            return {
                "ok": True,
                "token_type": "bot",
                "access_token": f"xoxe.xoxb-refreshed-{self._refreshes}",
                "refresh_token": f"xoxe-1-refresh-{self._refreshes}",
                "expires_in": 43200,
            }
        grant = self._grants.get(str(params.get("code")))
        if grant is None:
            return {"ok": False, "error": "invalid_code"}
        return json.loads(json.dumps(grant))

    def _message(self, params: dict, ts: Any) -> dict:
        message: dict[str, Any] = {
            "type": "message",
            "text": params.get("text", ""),
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if params.get(key) is not None:
                message[key] = params[key]
        return message

    def _conversations_open(self, params: dict) -> dict:
        if params.get("channel"):
            return {"ok": True, "channel": {"id": params["channel"]}}
        users = params.get("users")
        if isinstance(users, str):
            users = [u.strip() for u in users.split(",") if u.strip()]
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        channel_id = "D" + users[0]
        already_open = channel_id in self._open_dms
        self._open_dms.add(channel_id)
        return {
            "ok": True,
            "no_op": already_open,
            "already_open": already_open,
            "channel": {"id": channel_id},
        }

    def _view(self, method: str, params: dict) -> dict:
        posted = _as_dict(params.get("view"))
        if method == "views.update" and params.get("view_id"):
            view_id = str(params["view_id"])
        else:
            self._view_counter += 1
            view_id = f"V{self._view_counter:04d}"
        view: dict[str, Any] = {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": posted.get("type", "home" if method == "views.publish" else "modal"),
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "state": {"values": {}},
            "hash": f"{self._next_ts()}.fakehash",
            "clear_on_close": False,
            "notify_on_close": False,
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": APP_ID,
            "bot_id": BOT_ID,
        }
        view.update(posted)
        view["id"] = view_id
        return view
