"""Talking to Slack: the one Web API client, its pacing, the background lanes and the messenger."""

from __future__ import annotations

import contextvars
import heapq
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.domain.people import Profile
from bot.metrics import (
    FAILURES,
    CountedConnectionErrorRetries,
    CountedRateLimitRetries,
    CountedServerErrorRetries,
)

log = logging.getLogger("bot.slack")

# What the Messenger posts: {"text": ..., "blocks": [...]}, as the builders of bot.render make it.
Message = dict

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
# views.open's answers when the trigger can no longer open anything (it lasts 3 seconds).
TRIGGER_GONE = {
    "expired_trigger_id",
    "exchanged_trigger_id",
    "invalid_trigger_id",
    "trigger_expired",
}


class WorkspaceGone(Exception):
    """The workspace uninstalled the app or revoked its token: the bot may not speak there."""

    def __init__(self, team_id: str) -> None:
        super().__init__(f"workspace {team_id} has uninstalled the app")
        self.team_id = team_id


class SlackRefused(SlackApiError):
    """A call the Messenger made that Slack refused in a way the bot acts on, not one to retry
    as it is. Still a SlackApiError, with Slack's answer; `code` is Slack's error code."""

    def __init__(self, error: SlackApiError) -> None:
        Exception.__init__(self, *error.args)
        self.response = error.response
        self.code: str = error.response.get("error")


class ChannelGone(SlackRefused):
    """The bot cannot post in the channel: not in it, archived, or deleted."""


class PersonGone(SlackRefused):
    """The person cannot get messages: a deactivated or unknown account."""


class TokenGone(SlackRefused):
    """The workspace's token no longer works: revoked, or never valid."""


class TriggerGone(SlackRefused):
    """The trigger of a views.open expired before the view could be opened."""


_REFUSALS: tuple[tuple[set[str], type[SlackRefused]], ...] = (
    (CHANNEL_GONE, ChannelGone),
    (PERSON_GONE, PersonGone),
    (TOKEN_GONE, TokenGone),
    (TRIGGER_GONE, TriggerGone),
)


@contextmanager
def _refusals_typed() -> Iterator[None]:
    """Slack's refusals of the calls in the block raised as the typed errors above."""
    try:
        yield
    except SlackApiError as error:
        code = error.response.get("error")
        for codes, refusal in _REFUSALS:
            if code in codes:
                raise refusal(error).with_traceback(error.__traceback__) from None
        raise


def make_client(
    settings: Settings, token: str | None, *, sleep: Callable[[float], None] = time.sleep
) -> WebClient:
    """A Web API client with the bot's base URL and retries (waiting with `sleep` between
    them); `token` None for OAuth calls."""
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[
            CountedConnectionErrorRetries(max_retry_count=2, sleep=sleep),
            BoundedRateLimitRetries(max_retry_count=3, sleep=sleep),
            CountedServerErrorRetries(max_retry_count=2, sleep=sleep),
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


class Budget(Protocol):
    """Where a workspace's GCRA theoretical arrival time is kept."""

    def advance(self, team_id: str, *, floor: float, spacing: float) -> float:
        """Move the workspace's theoretical arrival time to the later of it and `floor`, plus
        `spacing`, in one step; the new value."""
        ...


class LocalBudget:
    """The workspaces' budgets in this process's memory: enough for one process posting."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tat: dict[str, float] = {}

    def advance(self, team_id: str, *, floor: float, spacing: float) -> float:
        with self._lock:
            tat = max(self._tat.get(team_id, floor), floor) + spacing
            self._tat[team_id] = tat
            return tat


# The channels that work running in a lane posted to (see Pacer.recording).
_posted_to: contextvars.ContextVar[set[tuple[str, str]] | None] = contextvars.ContextVar(
    "posted_to", default=None
)


class Pacer:
    """Keeps posting within Slack's limits: about one message a second in a channel, and a
    budget of messages a minute per workspace (spent in bursts, refilled evenly).

    `wait` reserves the next free moment for the message and sleeps until it, so threads
    posting to one channel at once are spaced out rather than all refused with a 429; `turn`
    says when a channel may take its next message, so that Background can run other channels'
    work meanwhile instead of sleeping. The workspace budget is kept by `budget`: in memory,
    or in the database when several processes post for one workspace (bot/slack/budget.py). Its
    clock is the wall clock, which those processes share.
    """

    def __init__(
        self,
        *,
        per_channel_seconds: float = 1.0,
        per_workspace_minute: int = 600,
        budget: Budget | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        pause: Callable[[threading.Condition, float], object] = threading.Condition.wait,
    ) -> None:
        self._gap = per_channel_seconds
        self._spacing = 60.0 / per_workspace_minute
        self._burst = 60.0 - self._spacing  # a full minute's budget may go out at once
        self._budget = budget or LocalBudget()
        self.clock = clock
        self._sleep = sleep
        self._pause = pause
        self._lock = threading.Lock()
        self._channel_next: dict[tuple[str, str], float] = {}
        # Each workspace's theoretical arrival time, as last seen here (others may move it on).
        self._team_tat: dict[str, float] = {}

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
                    self._channel_next.get(key, 0.0), self.clock() + self._gap
                )
            posted = _posted_to.get()
            if posted is not None:
                posted.add((team_id, channel_id))

    def sleep(self, seconds: float) -> None:
        """Wait on the pacer's time: also how long the Slack clients wait before a retry."""
        self._sleep(seconds)

    def wait(self, team_id: str, channel_id: str) -> float:
        """Sleep until a message may go to the channel; the seconds slept."""
        key = (team_id, channel_id)
        with self._lock:
            now = self.clock()
            if len(self._channel_next) > 10_000:  # forget channels idle for long
                self._channel_next = {k: v for k, v in self._channel_next.items() if v > now}
            floor = max(now, self._channel_next.get(key, now))
            # Held meanwhile, so that threads posting to one channel at once queue up in turn.
            self._channel_next[key] = floor + self._gap
        # Outside the lock: the database's budget takes a round trip, and other channels' posts
        # need not wait for it.
        tat = self._budget.advance(team_id, floor=floor, spacing=self._spacing)
        at = max(floor, tat - self._spacing - self._burst)
        with self._lock:
            self._team_tat[team_id] = max(self._team_tat.get(team_id, tat), tat)
            self._channel_next[key] = max(self._channel_next.get(key, 0.0), at + self._gap)
        delay = at - self.clock()
        if delay > 0:
            self._sleep(delay)
        return max(delay, 0.0)

    def turn(self, team_id: str, channel_id: str) -> float:
        """When (on `clock`) the channel may take its next message, as far as this process
        knows: another process spending the workspace's budget meanwhile can make it later."""
        with self._lock:
            return max(
                self._channel_next.get((team_id, channel_id), 0.0),
                self._team_tat.get(team_id, 0.0) - self._burst,
            )

    def pause(self, condition: threading.Condition, seconds: float) -> None:
        """Wait on `condition` (held) for at most `seconds` of the pacer's clock."""
        self._pause(condition, seconds)

    @contextmanager
    def recording(self) -> Iterator[set[tuple[str, str]]]:
        """Collects the (team, channel) pairs posted to by slots in the block's context."""
        posted: set[tuple[str, str]] = set()
        token = _posted_to.set(posted)
        try:
            yield posted
        finally:
            _posted_to.reset(token)


# Threads running Slack calls after the HTTP answer: enough that a call hanging on a slow
# Slack, or a pacing wait inside one piece of work, leaves others to serve the other lanes.
WORKERS = 8


class Background:
    """Runs work in lanes, one per key (a channel, a person): each lane's work in order, the
    lanes side by side.

    A lane may run its next work once the channels its last work posted to may take another
    message (`Pacer.turn`); workers take the lane that is ready soonest and wait only when
    none is, so a channel working through a backlog holds up no other channel. A lane runs on
    one worker at a time, so a milestone's card is posted before the update that marks it
    reached. Work runs in a copy of the submitter's context, so its log lines carry the ids
    of the request or sweep that asked for it.
    """

    def __init__(self, pacer: Pacer, *, workers: int = WORKERS, name: str = "slack") -> None:
        self._pacer = pacer
        self._condition = threading.Condition()
        # key -> work not started; a lane is here while it has work queued or running.
        self._lanes: dict[str, deque[tuple[contextvars.Context, Callable[[], object]]]] = {}
        self._ready: list[tuple[float, int, str]] = []  # heap of (not before, order, key)
        self._resting: dict[str, float] = {}  # lanes emptied before their next turn came
        self._order = itertools.count()
        self._pending = 0
        self._closed = False
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{index}", daemon=True)
            for index in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, key: str, work: Callable[[], object]) -> None:
        with self._condition:
            if self._closed:
                raise RuntimeError("the background worker has stopped")
            self._pending += 1
            lane = self._lanes.get(key)
            if lane is None:
                lane = self._lanes[key] = deque()
                self._schedule(key, self._resting.pop(key, 0.0))
            lane.append((contextvars.copy_context(), work))
            self._condition.notify_all()

    def join(self, timeout: float | None = 10.0) -> bool:
        """Wait until all submitted work is done; False if it is still running at `timeout`."""
        with self._condition:
            return self._condition.wait_for(lambda: self._pending == 0, timeout=timeout)

    def shutdown(self) -> None:
        """Finish the work in hand and drop the rest (the sweeps send what a dropped card or
        note was for); callers `join` first to let the queues run down."""
        with self._condition:
            self._closed = True
            dropped = sum(len(lane) for lane in self._lanes.values())
            for lane in self._lanes.values():
                lane.clear()
            self._ready.clear()
            self._pending -= dropped
            self._condition.notify_all()
        if dropped:
            log.warning("stopping: %d queued Slack calls dropped", dropped)
        for thread in self._threads:
            thread.join()

    def _schedule(self, key: str, not_before: float) -> None:
        heapq.heappush(self._ready, (not_before, next(self._order), key))

    def _work(self) -> None:
        while True:
            with self._condition:
                key = self._next_lane()
                if key is None:
                    return
                context, work = self._lanes[key].popleft()
            posted = context.run(self._run_recorded, work)
            not_before = max((self._pacer.turn(*channel) for channel in posted), default=0.0)
            with self._condition:
                if self._lanes[key]:
                    self._schedule(key, not_before)
                else:
                    del self._lanes[key]
                    now = self._pacer.clock()
                    if len(self._resting) > 10_000:  # forget lanes whose turn has come
                        self._resting = {k: v for k, v in self._resting.items() if v > now}
                    if not_before > now:
                        self._resting[key] = not_before
                self._pending -= 1
                self._condition.notify_all()

    def _next_lane(self) -> str | None:
        """The key of the lane to run now, waiting for one to be ready; None once stopped."""
        while not self._closed:
            if not self._ready:
                self._condition.wait()
                continue
            not_before, _, key = self._ready[0]
            wait = not_before - self._pacer.clock()
            if wait <= 0:
                heapq.heappop(self._ready)
                return key
            self._pacer.pause(self._condition, wait)
        return None

    def _run_recorded(self, work: Callable[[], object]) -> set[tuple[str, str]]:
        with self._pacer.recording() as posted:
            _attempt(work)
        return posted


def _attempt(work: Callable[[], object]) -> None:
    try:
        work()
    except WorkspaceGone as gone:
        log.info("not sent: %s", gone)
    except Exception:
        log.exception("background Slack work failed")
        FAILURES.labels("background").inc()


# dnd.teamInfo answers for at most this many people a call.
DND_USERS_PER_CALL = 50


def _dnd_end(answer: dict, now: datetime) -> datetime | None:
    """When the do-not-disturb Slack describes in `answer` (scheduled hours, or a snooze where
    Slack tells) ends, if it is on at `now`."""
    instant = now.timestamp()
    ends = []
    if answer.get("snooze_enabled") and (answer.get("snooze_endtime") or 0) > instant:
        ends.append(answer["snooze_endtime"])
    start, end = answer.get("next_dnd_start_ts") or 0, answer.get("next_dnd_end_ts") or 0
    if answer.get("dnd_enabled") and start <= instant < end:
        ends.append(end)
    return datetime.fromtimestamp(max(ends), UTC) if ends else None


class Messenger:
    """Posts, updates and DMs built messages as the bot of one workspace.

    The client is looked up at each call (`client_of`), so a token refreshed or revoked
    meanwhile is noticed, and a workspace that is gone raises WorkspaceGone where the message
    is sent, not where it was prepared. Slack's refusals the bot acts on are raised as
    ChannelGone, PersonGone, TokenGone or TriggerGone.
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
        with self._pace(channel), _refusals_typed():
            response = self.client.chat_postMessage(
                channel=channel, text=message["text"], blocks=message["blocks"], **kwargs
            )
        return response["ts"]

    def upload(
        self,
        channel: str,
        *,
        filename: str,
        content: bytes,
        title: str,
        alt_text: str | None = None,
        thread_ts: str | None = None,
        comment: str | None = None,
    ) -> str:
        """Share a file in `channel` (in the thread of `thread_ts`), paced as a post: slack_sdk's
        files_upload_v2 asks for an upload URL, sends the bytes there, then shares the file.
        The file's id."""
        with self._pace(channel), _refusals_typed():
            response = self.client.files_upload_v2(
                channel=channel,
                filename=filename,
                content=content,
                title=title,
                alt_txt=alt_text,
                thread_ts=thread_ts,
                initial_comment=comment,
            )
        return response["file"]["id"]

    def update(self, channel: str, ts: str, message: Message) -> None:
        with _refusals_typed():
            self.client.chat_update(
                channel=channel, ts=ts, text=message["text"], blocks=message["blocks"]
            )

    def direct_message(self, user_id: str, message: Message) -> tuple[str, str]:
        """Post in the app's DM with `user_id`; the message's (channel, ts)."""
        channel = self.direct_channel(user_id)
        return channel, self.post(channel, message)

    def direct_channel(self, user_id: str) -> str:
        """The id of the app's DM with `user_id`, opened if need be."""
        with _refusals_typed():
            return self.client.conversations_open(users=user_id)["channel"]["id"]

    def ephemeral(self, channel: str, user_id: str, message: Message) -> None:
        """A message in `channel` that only `user_id` sees."""
        with _refusals_typed():
            self.client.chat_postEphemeral(
                channel=channel, user=user_id, text=message["text"], blocks=message["blocks"]
            )

    def open_view(self, trigger_id: str, view: dict) -> None:
        with _refusals_typed():
            self.client.views_open(trigger_id=trigger_id, view=view)

    def permalink(self, channel: str, ts: str) -> str:
        """The permalink of the message `ts` in `channel` (chat.getPermalink)."""
        with _refusals_typed():
            return self.client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]

    def publish_home(self, user_id: str, view: dict) -> None:
        """Show `view` on the user's App Home tab, replacing what was there."""
        with _refusals_typed():
            self.client.views_publish(user_id=user_id, view=view)

    def do_not_disturb(self, user_ids: list[str], now: datetime) -> dict[str, datetime | None]:
        """For each user, when their do-not-disturb ends if it is on at `now` (else None):
        dnd.info for one, dnd.teamInfo for up to 50 at a time (Slack's limit) for more."""
        if len(user_ids) == 1:
            [user_id] = user_ids
            return {user_id: _dnd_end(self.client.dnd_info(user=user_id).data, now)}
        found = {}
        for start in range(0, len(user_ids), DND_USERS_PER_CALL):
            batch = user_ids[start : start + DND_USERS_PER_CALL]
            users = self.client.dnd_teamInfo(users=",".join(batch)).get("users") or {}
            found.update({user_id: _dnd_end(users.get(user_id) or {}, now) for user_id in batch})
        return found

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
