"""The workspace the sandbox page shows: its people and channels, and the messages, ephemeral
answers, modals, App Homes and shared files that the bot's Web API calls and response URL posts
made."""

from __future__ import annotations

import base64
import copy
import itertools
import mimetypes
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.slackapi import BOT_USER_ID, TEAM_ID, Call, SlackAPI, UploadedFile

# Where the page fetches the bytes of a file the bot shared.
FILES_PATH = "/sandbox/files/"


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    tz: str


@dataclass(frozen=True)
class Channel:
    id: str
    name: str


# Four people in four time zones: declare as one, approve as another.
PEOPLE = (
    Person("U0ALEX", "Alex Rivera", "America/New_York"),
    Person("U0SAM", "Sam Okafor", "Europe/Paris"),
    Person("U0KIM", "Kim Tanaka", "Asia/Tokyo"),
    Person("U0LEE", "Lee Walker", "America/Los_Angeles"),
)
CHANNELS = (
    Channel("C0LAUNCH", "mobile-launch"),
    Channel("C0PLATFORM", "platform"),
    Channel("C0GENERAL", "general"),
)


def dm_channel(user_id: str) -> str:
    """The id of the bot's DM channel with `user_id`, as the Web API core opens it."""
    return "D" + user_id


@dataclass
class Target:
    """What a response URL answers: a command typed, or a button pressed on a message."""

    user_id: str
    channel_id: str
    message_ts: str | None = None  # the message the button was on
    ephemeral: bool = False  # ... which only `user_id` sees


@dataclass(frozen=True)
class SharedFile:
    """The bytes of a file the bot shared, as the sandbox serves them to the page."""

    name: str
    mimetype: str
    content: bytes


@dataclass
class Refusal:
    """A call the Web API refused as Slack would, shown on the page."""

    method: str
    channel_id: str | None
    error: str
    problems: list[str]
    at: float = field(default_factory=time.time)


class World:
    """What each person sees, kept from the calls the Web API answered (it observes `api`)."""

    def __init__(self, api: SlackAPI) -> None:
        self.api = api
        self._lock = threading.Condition()
        self.version = 0
        self.channels: dict[str, list[dict]] = {}  # channel -> top-level messages, in order
        self.replies: dict[tuple[str, str], list[dict]] = {}  # (channel, thread_ts) -> replies
        self.ephemeral: list[dict] = []  # each with "channel" and "only" (the user who sees it)
        self.homes: dict[str, dict] = {}
        self.modals: dict[str, list[dict]] = {}  # user -> their stack of open modals
        self.refusals: list[Refusal] = []
        self.files: dict[str, SharedFile] = {}  # key in its URL -> the file
        self._triggers: dict[str, str] = {}  # trigger_id -> the user who triggered it
        self._targets: dict[str, Target] = {}
        self._names = itertools.count(1)
        for person in PEOPLE:
            api.set_user(person.id, tz=person.tz, real_name=person.name)
        api.observers.append(self)

    # ------------------------------------------------------------------ from the page
    def trigger(self, user_id: str) -> str:
        """A fresh trigger_id for something `user_id` did, so a modal it opens is theirs."""
        trigger_id = f"{next(self._names)}.{int(time.time())}.sandbox"
        with self._lock:
            self._triggers[trigger_id] = user_id
        return trigger_id

    def response_url(self, target: Target) -> str:
        name = f"r{next(self._names)}"
        with self._lock:
            self._targets[name] = target
        return self.api.response_url(name)

    def answered(self, target: Target, body: dict) -> None:
        """The bot's answer to a request (its HTTP body or a response URL post)."""
        if not (body.get("text") or body.get("blocks") or body.get("delete_original")):
            return
        with self._lock:
            original = self._find(target) if target.message_ts else None
            if body.get("delete_original") and original is not None:
                self._remove(original)
            elif body.get("replace_original") and original is not None:
                original["text"] = body.get("text", "")
                original["blocks"] = body.get("blocks") or []
            elif body.get("response_type") == "in_channel":
                self._post(target.channel_id, self._bot_message(body))
            else:
                message = self._bot_message(body)
                message.update(channel=target.channel_id, only=target.user_id)
                self.ephemeral.append(message)
            self._changed()

    def pop_modal(self, user_id: str, *, all_of_them: bool = False) -> None:
        with self._lock:
            stack = self.modals.get(user_id, [])
            if all_of_them:
                stack.clear()
            elif stack:
                stack.pop()
            self._changed()

    def replace_modal(self, user_id: str, view: dict, *, push: bool = False) -> None:
        with self._lock:
            stack = self.modals.setdefault(user_id, [])
            if push or not stack:
                view.setdefault("id", f"VSB{next(self._names):04d}")
                stack.append(view)
            else:
                view["id"] = stack[-1]["id"]
                stack[-1] = view
            self._changed()

    def view_of(self, user_id: str, view_id: str) -> dict | None:
        with self._lock:
            for view in self.modals.get(user_id, []):
                if view["id"] == view_id:
                    return copy.deepcopy(view)
            home = self.homes.get(user_id)
            if home is not None and home["id"] == view_id:
                return copy.deepcopy(home)
        return None

    def file(self, key: str) -> SharedFile | None:
        """A shared file by the key in its URL (FILES_PATH + key)."""
        with self._lock:
            return self.files.get(key)

    def message(self, channel_id: str, ts: str) -> dict | None:
        with self._lock:
            found = self._find(Target("", channel_id, ts))
            return copy.deepcopy(found) if found else None

    # ------------------------------------------------------------------ what the page shows
    def wait(self, since: int, timeout: float) -> int:
        """Block until the version passes `since` (or `timeout`); the version."""
        with self._lock:
            self._lock.wait_for(lambda: self.version != since, timeout)
            return self.version

    def wake(self) -> None:
        """Answer every page waiting for news now (the sandbox stops)."""
        with self._lock:
            self._changed()

    def seen_by(self, user_id: str) -> dict:
        """Everything `user_id` sees, for the page."""
        with self._lock:
            conversations = {}
            for channel_id in [c.id for c in CHANNELS] + [dm_channel(user_id)]:
                top = [
                    {**m, "replies": self.replies.get((channel_id, m["ts"]), [])}
                    for m in self.channels.get(channel_id, [])
                ]
                mine = [
                    m for m in self.ephemeral if m["channel"] == channel_id and m["only"] == user_id
                ]
                conversations[channel_id] = sorted(top + mine, key=lambda m: float(m["ts"]))
            stack = self.modals.get(user_id, [])
            return copy.deepcopy(
                {
                    "version": self.version,
                    "conversations": conversations,
                    "home": self.homes.get(user_id),
                    "modal": stack[-1] if stack else None,
                    "refusals": [r.__dict__ for r in self.refusals[-5:]],
                }
            )

    # ------------------------------------------------------------------ kept across restarts
    def snapshot(self) -> dict:
        """What the page shows that is worth keeping: the conversations and the Homes (open
        modals are not: Slack closes them too)."""
        with self._lock:
            return copy.deepcopy(
                {
                    "channels": self.channels,
                    "replies": [[c, ts, replies] for (c, ts), replies in self.replies.items()],
                    "ephemeral": self.ephemeral,
                    "homes": self.homes,
                    "files": {
                        key: {
                            "name": shared.name,
                            "mimetype": shared.mimetype,
                            "content": base64.b64encode(shared.content).decode(),
                        }
                        for key, shared in self.files.items()
                    },
                }
            )

    def restore(self, snapshot: dict) -> None:
        with self._lock:
            self.channels = snapshot["channels"]
            self.replies = {(c, ts): replies for c, ts, replies in snapshot["replies"]}
            self.ephemeral = snapshot["ephemeral"]
            self.homes = snapshot["homes"]
            self.files = {
                key: SharedFile(kept["name"], kept["mimetype"], base64.b64decode(kept["content"]))
                for key, kept in snapshot.get("files", {}).items()
            }
            self._changed()

    # ------------------------------------------------------------------ from the Web API
    def api_called(self, call: Call) -> None:
        with self._lock:
            if not call.ok:
                error = call.response.get("error", "")
                if error == "invalid_blocks":
                    messages = call.response.get("response_metadata", {}).get("messages", [])
                    channel = call.params.get("channel")
                    self.refusals.append(Refusal(call.method, channel, error, list(messages)))
                    self._changed()
                return
            handled = self._apply(call.method, call.params, call.response)
            if handled:
                self._changed()

    def response_posted(self, name: str, body: Any) -> None:
        target = self._targets.get(name)
        if target is not None and isinstance(body, dict):
            self.answered(target, body)

    def _apply(self, method: str, params: dict, response: dict) -> bool:
        match method:
            case "chat.postMessage":
                message = dict(response["message"])
                self._post(str(params["channel"]), message)
            case "chat.update":
                found = self._find(Target("", str(params["channel"]), str(params["ts"])))
                if found is None:
                    return False
                found.update(
                    text=params.get("text", ""),
                    blocks=params.get("blocks") or [],
                    edited=True,
                )
            case "chat.postEphemeral":
                message = self._bot_message(params)
                message.update(
                    ts=response["message_ts"],
                    channel=str(params["channel"]),
                    only=str(params["user"]),
                )
                self.ephemeral.append(message)
            case "views.open" | "views.push":
                user_id = self._triggers.get(str(params.get("trigger_id")))
                if user_id is None:
                    return False
                self.modals.setdefault(user_id, []).append(response["view"])
            case "views.update":
                view = response["view"]
                for stack in self.modals.values():
                    for index, shown in enumerate(stack):
                        if shown["id"] == view["id"]:
                            stack[index] = view
            case "views.publish":
                self.homes[str(params["user_id"])] = response["view"]
            case "files.completeUploadExternal":
                return self._share([str(shared["id"]) for shared in response["files"]])
            case _:
                return False
        return True

    # ------------------------------------------------------------------ under the lock
    def _changed(self) -> None:
        self.version += 1
        self._lock.notify_all()

    def _bot_message(self, body: dict) -> dict:
        return {
            "type": "message",
            "user": BOT_USER_ID,
            "team": TEAM_ID,
            "ts": self.api.next_ts(),
            "text": body.get("text", ""),
            "blocks": body.get("blocks") or [],
        }

    def _post(self, channel_id: str, message: dict) -> None:
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != message["ts"]:
            self.replies.setdefault((channel_id, thread_ts), []).append(message)
        else:
            self.channels.setdefault(channel_id, []).append(message)

    def _share(self, file_ids: list[str]) -> bool:
        """The files just shared, as Slack shows them: one message from the bot in their
        channel (in the thread when one was given), with the comment as its text."""
        uploaded = [found for file_id in file_ids if (found := self._uploaded(file_id))]
        if not uploaded or not uploaded[0].channel:
            return False
        first = uploaded[0]
        message = self._bot_message({"text": first.initial_comment or ""})
        message.update(subtype="file_share", upload=True, files=[])
        if first.thread_ts:
            message["thread_ts"] = first.thread_ts
        for shared in uploaded:
            key = uuid.uuid4().hex
            mimetype = mimetypes.guess_type(shared.name)[0] or "application/octet-stream"
            self.files[key] = SharedFile(shared.name, mimetype, shared.content)
            message["files"].append(
                {
                    "id": shared.id,
                    "name": shared.name,
                    "title": shared.title or shared.name,
                    "alt_text": shared.alt_text,
                    "mimetype": mimetype,
                    "size": shared.size,
                    "url_private": FILES_PATH + key,
                }
            )
        self._post(first.channel, message)
        return True

    def _uploaded(self, file_id: str) -> UploadedFile | None:
        return next((f for f in reversed(self.api.files) if f.id == file_id), None)

    def _find(self, target: Target) -> dict | None:
        for message in self.ephemeral:
            if message["ts"] == target.message_ts and message["channel"] == target.channel_id:
                return message
        for message in self.channels.get(target.channel_id, []):
            if message["ts"] == target.message_ts:
                return message
        for (channel_id, _), replies in self.replies.items():
            if channel_id == target.channel_id:
                for message in replies:
                    if message["ts"] == target.message_ts:
                        return message
        return None

    def _remove(self, message: dict) -> None:
        for messages in [self.ephemeral, *self.channels.values(), *self.replies.values()]:
            if message in messages:
                messages.remove(message)
                return
