"""Talking to Slack: the one Web API client, the background worker and the messenger."""

from __future__ import annotations

import contextvars
import logging
import threading
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

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

# Slack's answers that mean "the bot cannot post here" rather than "try again".
CHANNEL_GONE = {"channel_not_found", "not_in_channel", "is_archived"}


def make_client(settings: Settings, token: str | None = None) -> WebClient:
    """The Web API client every part of the bot uses: base URL and retries (counted in the
    metrics) set once."""
    return WebClient(
        token=token or settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[
            CountedConnectionErrorRetries(max_retry_count=2),
            CountedRateLimitRetries(max_retry_count=3),
            CountedServerErrorRetries(max_retry_count=2),
        ],
    )


def slack_error(error: Exception) -> str | None:
    """Slack's error code for a failed call, such as "not_in_channel"."""
    if isinstance(error, SlackApiError):
        return error.response.get("error")
    return None


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
    except Exception:
        log.exception("background Slack work failed")
        FAILURES.labels("background").inc()


class Messenger:
    """Posts, updates and DMs built messages through one WebClient."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

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
        )
