"""Talking to Slack: the one Web API client, the background worker and the messenger."""

from __future__ import annotations

import contextvars
import logging
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import Message
from bot.config import Settings
from bot.metrics import (
    FAILURES,
    CountedConnectionErrorRetries,
    CountedRateLimitRetries,
    CountedServerErrorRetries,
)
from bot.people import Profile

log = logging.getLogger(__name__)

# The longest a call waits on Slack's Retry-After before giving up for now, in seconds.
MAX_RETRY_AFTER = 30
# The longest a call made before answering a Slack request waits for Slack, in seconds: Slack
# gives up on the answer after 3, and the caller has a fallback.
QUICK_TIMEOUT = 0.5
# Slack's answers that mean the bot's token no longer works in the workspace.
TOKEN_GONE = {"token_revoked", "invalid_auth", "not_authed"}
# Slack's answers that mean "the bot cannot post here" rather than "try again".
CHANNEL_GONE = {"channel_not_found", "not_in_channel", "is_archived"}
# ... and "this person cannot get messages": a deactivated or unknown account.
PERSON_GONE = {
    "account_inactive",
    "user_not_found",
    "user_disabled",
    "user_not_visible",
    "cannot_dm_bot",
}


class WorkspaceGone(Exception):
    """The workspace uninstalled the app or revoked its token: the bot may not speak there."""

    def __init__(self, team_id: str) -> None:
        super().__init__(f"workspace {team_id} has uninstalled the app")
        self.team_id = team_id


def make_client(settings: Settings, token: str | None) -> WebClient:
    """A Web API client with the bot's base URL and retries; `token` None for OAuth calls."""
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[
            CountedConnectionErrorRetries(max_retry_count=2),
            BoundedRateLimitRetries(max_retry_count=3),
            CountedServerErrorRetries(max_retry_count=2),
        ],
    )


def make_quick_client(settings: Settings, token: str) -> WebClient:
    """A client for calls made before the answer to a Slack request: it gives up after
    QUICK_TIMEOUT and never retries, so the answer is not held up when Slack is slow."""
    return WebClient(
        token=token, base_url=settings.slack_api_url, timeout=QUICK_TIMEOUT, retry_handlers=[]
    )


class BoundedRateLimitRetries(CountedRateLimitRetries):
    """Waits as long as a 429's Retry-After asks, up to MAX_RETRY_AFTER; beyond that the call
    fails, and what it was sending is kept for a later sweep rather than holding a worker."""

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        headers = {name.lower(): values for name, values in response.headers.items()}
        wait = (headers.get("retry-after") or ["1"])[0]
        return not wait.isdigit() or int(wait) <= MAX_RETRY_AFTER


def slack_error(error: Exception) -> str | None:
    """Slack's error code for a failed call, such as "not_in_channel"."""
    if isinstance(error, SlackApiError):
        return error.response.get("error")
    return None


class Pacer:
    """Keeps posting within Slack's limits: about one message a second in a channel, and a
    budget of messages a minute per workspace (spent in bursts, refilled evenly).

    `wait` reserves the next free moment for the message and sleeps until it, so threads
    posting to one channel at once are spaced out rather than all refused with a 429.
    """

    def __init__(
        self,
        *,
        per_channel_seconds: float = 1.0,
        per_workspace_minute: int = 600,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._gap = per_channel_seconds
        self._spacing = 60.0 / per_workspace_minute
        self._burst = 60.0 - self._spacing  # a full minute's budget may go out at once
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._channel_next: dict[tuple[str, str], float] = {}
        self._team_tat: dict[str, float] = {}  # GCRA's theoretical arrival time

    @contextmanager
    def slot(self, team_id: str, channel_id: str) -> Iterator[float]:
        """Wait for the channel's turn, then post in the block: the next message to the channel
        waits a full gap after this one was answered (so after Slack received it, whatever
        the delays between here and Slack). Yields the seconds waited."""
        waited = self.wait(team_id, channel_id)
        try:
            yield waited
        finally:
            with self._lock:
                key = (team_id, channel_id)
                self._channel_next[key] = max(
                    self._channel_next.get(key, 0.0), self._clock() + self._gap
                )

    def wait(self, team_id: str, channel_id: str) -> float:
        """Sleep until a message may go to the channel; the seconds slept."""
        with self._lock:
            now = self._clock()
            if len(self._channel_next) > 10_000:  # forget channels idle for long
                self._channel_next = {k: v for k, v in self._channel_next.items() if v > now}
            tat = max(self._team_tat.get(team_id, now), now)
            at = max(now, self._channel_next.get((team_id, channel_id), now), tat - self._burst)
            self._channel_next[team_id, channel_id] = at + self._gap
            self._team_tat[team_id] = max(tat, at) + self._spacing
        delay = at - now
        if delay > 0:
            self._sleep(delay)
        return max(delay, 0.0)


class Background:
    """Runs Slack calls after the HTTP answer, in order per key (a channel or a person).

    Work for one key goes to one worker thread, so a milestone's announcement is posted
    before the update that marks it reached. It runs in a copy of the submitter's context, so
    its log lines carry the ids of the request or sweep that asked for it.
    """

    def __init__(self, workers: int = 4) -> None:
        self._executors = [
            ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"slack-{index}")
            for index in range(workers)
        ]
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, key: str, work: Callable[[], None]) -> None:
        with self._idle:
            self._pending += 1
        executor = self._executors[zlib.crc32(key.encode()) % len(self._executors)]
        executor.submit(self._run, contextvars.copy_context(), work)

    def _run(self, context: contextvars.Context, work: Callable[[], None]) -> None:
        try:
            context.run(_attempt, work)
        finally:
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def join(self, timeout: float = 10.0) -> bool:
        """Wait until all submitted work is done; False if it is still running at `timeout`."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)

    def shutdown(self) -> None:
        for executor in self._executors:
            executor.shutdown(wait=True)


def _attempt(work: Callable[[], None]) -> None:
    try:
        work()
    except WorkspaceGone as gone:
        log.info("not sent: %s", gone)
    except Exception:
        log.exception("background Slack work failed")
        FAILURES.labels("background").inc()


class Messenger:
    """Posts, updates and DMs built messages as the bot of one workspace.

    The client is looked up at each call (`client_of`), so a token refreshed or revoked
    meanwhile is noticed, and a workspace that is gone raises WorkspaceGone where the message
    is sent, not where it was prepared.
    """

    def __init__(
        self,
        client_of: Callable[[], WebClient],
        *,
        pace: Callable[[str], AbstractContextManager] = lambda _channel: nullcontext(),
    ) -> None:
        self._client_of = client_of
        self._pace = pace

    @property
    def client(self) -> WebClient:
        return self._client_of()

    def post(
        self,
        channel: str,
        message: Message,
        *,
        thread_ts: str | None = None,
        broadcast: bool = False,
    ) -> str:
        kwargs: dict = {}
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
            kwargs["reply_broadcast"] = broadcast
        with self._pace(channel):
            response = self.client.chat_postMessage(
                channel=channel, text=message["text"], blocks=message["blocks"], **kwargs
            )
        return response["ts"]

    def update(self, channel: str, ts: str, message: Message) -> None:
        self.client.chat_update(
            channel=channel, ts=ts, text=message["text"], blocks=message["blocks"]
        )

    def direct_message(self, user_id: str, message: Message) -> tuple[str, str]:
        """Post in the app's DM with `user_id`; the message's (channel, ts)."""
        channel = self.client.conversations_open(users=user_id)["channel"]["id"]
        return channel, self.post(channel, message)

    def ephemeral(self, channel: str, user_id: str, message: Message) -> None:
        """A message in `channel` that only `user_id` sees."""
        self.client.chat_postEphemeral(
            channel=channel, user=user_id, text=message["text"], blocks=message["blocks"]
        )

    def open_view(self, trigger_id: str, view: dict) -> None:
        self.client.views_open(trigger_id=trigger_id, view=view)

    def publish_home(self, user_id: str, view: dict) -> None:
        """Show `view` on the user's App Home tab, replacing what was there."""
        self.client.views_publish(user_id=user_id, view=view)

    def profile_of(self, user_id: str) -> Profile:
        """The user's time zone, name and status from users.info; a field is None when empty.

        The name is the one Slack shows: the display name, or the full name when it is unset.
        """
        user = self.client.users_info(user=user_id).get("user") or {}
        profile = user.get("profile") or {}
        return Profile(
            timezone=user.get("tz") or None,
            display_name=(
                profile.get("display_name") or profile.get("real_name") or user.get("real_name")
            )
            or None,
            status_text=profile.get("status_text") or None,
            status_emoji=profile.get("status_emoji") or None,
            deleted=bool(user.get("deleted")),
        )
