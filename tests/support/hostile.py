"""Hypothesis strategies for the worst input the bot accepts: domain objects whose user-written
fields are as long as the bot allows and made of text that grows when escaped, multi-byte
text and would-be pings, in channels holding hundreds of milestones."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import strategies as st

from bot.domain.goals import Progress
from bot.domain.health import Detail, Verdict
from bot.domain.milestones import MAX_DEFINITION_LENGTH, MAX_REASON_LENGTH, MAX_TITLE_LENGTH
from bot.store.models import Goal, Health, Milestone, MilestoneEvent, Status

# What hostile text is made of: characters escaping makes five times longer, markup a user
# might hope to slip through, emoji (with joiners, modifiers and flags), CJK, combining marks.
PIECES = (
    "&",
    "<",
    ">",
    "&amp;",
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!subteam^S0123|@team>",
    "@channel",
    "<@U0SOMEONE>",
    "<https://evil.example|click>",
    "😀",
    "👩\u200d💻",
    "👍🏽",
    "🇫🇷",
    "中文",
    "e\u0301",
    "\u0301",
    "*_~`",
    ":tada:",
    " ",
    "\n",
    "a",
)
# Longest display name the bot keeps (people._bounded).
MAX_DISPLAY_NAME = 100
STATUSES = [Status.OPEN, Status.AWAITING_APPROVAL, Status.REACHED, Status.CANCELLED]
TODAY = date(2026, 12, 15)
NOW = datetime(2026, 12, 15, 9, 30, tzinfo=UTC)

# Often a single character escaping makes five times longer: the worst case for a length.
_motif = st.one_of(
    st.sampled_from(["&", "<", ">"]),
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=12).map("".join),
)


def hostile_text(max_size: int) -> st.SearchStrategy[str]:
    """Hostile text of `max_size` characters, usually, or shorter: a motif repeated."""
    size = st.one_of(st.just(max_size), st.integers(1, max_size))
    return st.builds(lambda motif, n: (motif * n)[:n], _motif, size)


# Slack's ids: a letter for the kind, then 8 to 11 of A-Z and 0-9 (drawn as text, not with
# from_regex, which draws the same strings several times slower).
_ID_CHARACTERS = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=8, max_size=11)
user_ids = _ID_CHARACTERS.map("U".__add__)
channel_ids = _ID_CHARACTERS.map("C".__add__)
ids = st.integers(1, 10**9)
days = st.dates(TODAY - timedelta(days=400), TODAY + timedelta(days=400))
moments = st.datetimes(datetime(2025, 1, 1), datetime(2028, 1, 1), timezones=st.just(UTC))
titles = hostile_text(MAX_TITLE_LENGTH)
reasons = hostile_text(MAX_REASON_LENGTH)
definitions = hostile_text(MAX_DEFINITION_LENGTH)
display_names = hostile_text(MAX_DISPLAY_NAME)


# Strategies are built once: a strategy built inside a draw is validated again at each draw.
_statuses = st.sampled_from(STATUSES)
_maybe_user = st.none() | user_ids
_maybe_definition = st.none() | definitions
_maybe_day = st.none() | days
_maybe_moment = st.none() | moments
_maybe_reason = st.none() | reasons
_times_moved = st.integers(0, 10**4)
_revisions = st.integers(1, 10**6)


@st.composite
def milestones(draw, status: str | None = None) -> Milestone:
    status = status or draw(_statuses)
    # A milestone waits for approval only with an approver.
    approvers = user_ids if status == Status.AWAITING_APPROVAL else _maybe_user
    return Milestone(
        id=draw(ids),
        team_id="T0TEAM",
        channel_id=draw(channel_ids),
        title=draw(titles),
        owner_id=draw(_maybe_user),
        approver_id=draw(approvers),
        creator_id=draw(user_ids),
        definition_of_done=draw(_maybe_definition),
        due_date=draw(_maybe_day),
        first_due_date=draw(_maybe_day),
        times_moved=draw(_times_moved),
        status=status,
        revision=draw(_revisions),
        created_at=NOW,
        reached_at=draw(_maybe_moment),
        health_reason=draw(_maybe_reason),
    )


goals = st.builds(
    Goal,
    id=ids,
    team_id=st.just("T0TEAM"),
    channel_id=channel_ids,
    name=titles,
    owner_id=st.none() | user_ids,
    creator_id=user_ids,
    due_date=st.none() | days,
    requires_approval=st.booleans(),
    created_at=st.just(NOW),
)

verdicts = st.builds(
    Verdict,
    state=st.sampled_from([Health.ON_TRACK, Health.AT_RISK, Health.OFF_TRACK, Health.BLOCKED]),
    reason=st.none() | reasons,
)


def _numbered(obj, number: int):
    return obj.model_copy(update={"id": number})


def many(template: st.SearchStrategy, most: int, renumber=_numbered) -> st.SearchStrategy[list]:
    """Up to `most` objects: a few drawn, repeated under ids of their own by `renumber`
    (drawing hundreds of long texts would make every example slow, and show nothing more)."""

    def repeat(drawn: list, count: int) -> list:
        return [renumber(drawn[index % len(drawn)], index + 1) for index in range(count)]

    return st.builds(repeat, st.lists(template, min_size=1, max_size=3), st.integers(0, most))


def details(milestone_strategy=None) -> st.SearchStrategy[Detail]:
    """A milestone's health, goal and up to 300 prerequisites (open milestones by default)."""
    waits_on = many(milestone_strategy or milestones(status=Status.OPEN), 300)
    return st.builds(
        Detail,
        health=st.none() | verdicts,
        goal=st.none() | goals,
        waits_on=waits_on.map(tuple),
    )


progresses = st.builds(
    Progress,
    goal=goals,
    reached=st.integers(0, 10**4),
    total=st.integers(0, 10**4),
    next_milestone=st.none() | milestones(status=Status.OPEN),
    times_moved=st.integers(0, 10**4),
    slip_days=st.integers(-(10**4), 10**4),
)

progress_lists = many(progresses, 200, lambda p, number: replace(p, goal=_numbered(p.goal, number)))

events = st.builds(
    MilestoneEvent,
    id=ids,
    milestone_id=ids,
    kind=st.sampled_from(
        ["declared", "edited", "rescheduled", "blocked", "reached", "cancelled", "approved"]
    ),
    actor_id=st.none() | user_ids,
    at=moments,
    old_due_date=st.none() | days,
    new_due_date=st.none() | days,
    reason=st.none() | reasons,
)
