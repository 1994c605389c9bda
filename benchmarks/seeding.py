"""Shared by the sweep and memory benchmarks: a database filled fast with realistic milestones,
and a count of the SQL statements a piece of work runs.

Rows go in with bulk inserts (PostgreSQL's COPY, SQLite's executemany), not through the
service layer, so a million milestones take seconds rather than hours. The data is the same
for a given seed on both databases.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, make_url, select, text, update
from sqlalchemy.engine import Engine
from sqlmodel import col

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.domain.dependencies import waiting_on_later  # noqa: E402
from bot.store import schema  # noqa: E402
from bot.store.db import make_engine  # noqa: E402
from bot.store.models import (  # noqa: E402
    Absence,
    ChannelSettings,
    Dependency,
    EventKind,
    Goal,
    Health,
    Milestone,
    MilestoneEvent,
    Person,
    PersonSchedule,
    Status,
)

ZONES = ["UTC", "America/New_York", "Europe/Paris", "Asia/Tokyo", "America/Los_Angeles"]
BATCH = 20_000


@dataclass(frozen=True)
class Shape:
    teams: int
    channels_per_team: int
    milestones_per_channel: int
    people_per_team: int = 300
    # Of every 100 milestones: how many are reached, cancelled, waiting for approval; the rest
    # are open, due between `open_from` and `open_to` days from now.
    reached: int = 55
    cancelled: int = 10
    awaiting: int = 5
    open_from: int = -10
    open_to: int = 120

    @property
    def channels(self) -> int:
        return self.teams * self.channels_per_team

    @property
    def milestones(self) -> int:
        return self.channels * self.milestones_per_channel


def fresh_engine(url: str) -> Engine:
    """An engine on `url` with the bot's tables (made by its migrations), emptied first."""
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    else:
        engine.dispose()
        database = make_url(url).database
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    schema.migrate(url)
    return engine


def _insert(engine: Engine, model, rows: Iterator[dict]) -> int:
    """Insert `rows` into `model`'s table in batches; how many."""
    table = model.__table__
    count = 0
    batch: list[dict] = []

    def flush() -> None:
        if not batch:
            return
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                columns = list(batch[0])
                cursor = connection.connection.cursor()
                names = ", ".join(columns)
                with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row([row[c] for c in columns])
            else:
                connection.execute(table.insert(), batch)
        batch.clear()

    for row in rows:
        batch.append(row)
        count += 1
        if len(batch) >= BATCH:
            flush()
    flush()
    return count


def people_of(shape: Shape, team: int | None = None) -> list[str]:
    """The user ids of one workspace (by number), or of all of them."""
    teams = range(shape.teams) if team is None else [team]
    return [f"U{t:04d}{p:05d}" for t in teams for p in range(shape.people_per_team)]


def seed(
    engine: Engine,
    shape: Shape,
    *,
    now: datetime,
    seed: int = 7,
    digest_at: tuple[int, str] | None = None,
    history: bool = False,
) -> dict[str, int]:
    """Teams, channels, people, goals, milestones, dependencies and absences; counts by table.

    With `history`, each milestone's history too: declared, and reached, cancelled, moved (in
    the last 60 days) or marked blocked (in the last 30) as its state says, so about one in
    thirty has changed in the week before `now`.

    Every channel's cards are posted (announcement_ts set) and show the health they had a day
    ago, so a sweep at `now` finds the few that changed since, as in a running bot. Half the
    channels keep the default settings (weekly status on Monday at 09:00), unless `digest_at`
    (weekday, "HH:MM" in UTC) moves every channel's.
    """
    rng = random.Random(seed)
    today = now.date()
    teams = [f"T{t:04d}" for t in range(shape.teams)]
    people = {
        team: [f"U{t:04d}{p:05d}" for p in range(shape.people_per_team)]
        for t, team in enumerate(teams)
    }
    counts = {}
    counts["person"] = _insert(
        engine,
        Person,
        (
            {
                "team_id": team,
                "user_id": user,
                "timezone": rng.choice(ZONES),
                "display_name": f"Person {user}",
                "status_text": "On vacation" if rng.random() < 0.01 else None,
                "status_emoji": None,
                # Looked up just now: the sweeps need not ask Slack about anyone.
                "fetched_at": now,
            }
            for team in teams
            for user in people[team]
        ),
    )
    counts["absence"] = _insert(
        engine,
        Absence,
        (
            {
                "team_id": team,
                "user_id": user,
                "first_day": today - timedelta(days=2),
                "last_day": today + timedelta(days=5),
            }
            for team in teams
            for user in people[team][:: max(1, shape.people_per_team // 6)]
        ),
    )
    channels = [
        (team, f"C{t:04d}{c:06d}")
        for t, team in enumerate(teams)
        for c in range(shape.channels_per_team)
    ]
    counts["channelsettings"] = _insert(
        engine,
        ChannelSettings,
        (
            {
                "team_id": team,
                "channel_id": channel,
                "digest_enabled": True,
                "digest_weekday": digest_at[0] if digest_at else 0,
                "digest_time": digest_at[1] if digest_at else "09:00",
                "digest_timezone": "UTC" if digest_at else None,
                "nudges": "off" if index % 20 == 3 else "dm",
                "mentions": index % 4 != 1,
                "escalate_to": "channel",
                "separate_approvals": False,
                "coach_disabled": "",
                "managers": "",
                "paused_at": None,
                "paused_reason": None,
            }
            for index, (team, channel) in enumerate(channels)
            if index % 2 == 1 or digest_at  # else half keep the defaults and have no row
        ),
    )
    goals_per_channel = 2
    counts["goal"] = _insert(
        engine,
        Goal,
        (
            {
                "id": index * goals_per_channel + g + 1,
                "team_id": team,
                "channel_id": channel,
                "name": f"Goal {g} of {channel}",
                "owner_id": people[team][(index + g) % shape.people_per_team],
                "creator_id": people[team][index % shape.people_per_team],
                "due_date": today + timedelta(days=90),
                "status": "open",
                "requires_approval": False,
                "created_at": now - timedelta(days=200),
                "closed_at": None,
            }
            for index, (team, channel) in enumerate(channels)
            for g in range(goals_per_channel)
        ),
    )
    per_channel = shape.milestones_per_channel
    dependencies: list[tuple[int, int]] = []
    events: list[dict] = []

    def record(milestone: dict) -> None:
        def line(kind: EventKind, at: datetime, **fields) -> dict:
            return {
                "milestone_id": milestone["id"],
                "kind": kind.value,
                "actor_id": milestone["owner_id"],
                "at": at,
                "old_due_date": fields.get("old_due_date"),
                "new_due_date": fields.get("new_due_date"),
                "reason": fields.get("reason"),
                "old_approver_id": None,
                "new_approver_id": None,
            }

        events.append(
            line(
                EventKind.DECLARED,
                milestone["created_at"],
                new_due_date=milestone["first_due_date"],
            )
        )
        if milestone["times_moved"]:
            events.append(
                line(
                    EventKind.RESCHEDULED,
                    now - timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 23)),
                    old_due_date=milestone["first_due_date"],
                    new_due_date=milestone["due_date"],
                    reason="the vendor is late",
                )
            )
        if milestone["marked_health"]:
            at = now - timedelta(days=rng.randint(0, 30), hours=rng.randint(0, 23))
            events.append(line(EventKind.BLOCKED, at, reason=milestone["health_reason"]))
        if milestone["reached_at"]:
            events.append(line(EventKind.REACHED, milestone["reached_at"]))
        if milestone["cancelled_at"]:
            events.append(line(EventKind.CANCELLED, milestone["cancelled_at"], reason="scope"))

    def milestones() -> Iterator[dict]:
        for index, (team, channel) in enumerate(channels):
            first_id = index * per_channel + 1
            for m in range(per_channel):
                milestone_id = first_id + m
                roll = rng.randrange(100)
                owner = rng.choice(people[team])
                due = today + timedelta(days=rng.randint(shape.open_from, shape.open_to))
                status, reached_at, cancelled_at = Status.OPEN, None, None
                if roll < shape.reached:
                    status = Status.REACHED
                    due = today - timedelta(days=rng.randint(1, 700))
                    reached_at = datetime.combine(due, now.timetz()) - timedelta(
                        hours=rng.randint(0, 48)
                    )
                    if rng.random() < 0.05:
                        reached_at = now - timedelta(
                            days=rng.randint(0, 6), hours=rng.randint(0, 23)
                        )
                elif roll < shape.reached + shape.cancelled:
                    status = Status.CANCELLED
                    cancelled_at = now - timedelta(days=rng.randint(1, 300))
                elif roll < shape.reached + shape.cancelled + shape.awaiting:
                    status = Status.AWAITING_APPROVAL
                # Open ones close to one another wait on each other now and then.
                if m >= 1 and rng.random() < 0.1:
                    dependencies.append((milestone_id, milestone_id - 1))
                marked = Health.BLOCKED if status == Status.OPEN and rng.random() < 0.02 else None
                shown = None
                if status in Status.ACTIVE:
                    yesterday = today - timedelta(days=1)
                    shown = Health.OFF_TRACK if due < yesterday else Health.ON_TRACK
                    shown = marked or shown
                row = {
                    "id": milestone_id,
                    "team_id": team,
                    "channel_id": channel,
                    "title": f"Checkpoint {milestone_id} reached and verified",
                    "owner_id": owner,
                    "approver_id": rng.choice(people[team]) if roll % 3 == 0 else None,
                    "creator_id": owner,
                    "goal_id": index * goals_per_channel + (m % 3) + 1 if m % 3 < 2 else None,
                    "definition_of_done": None,
                    "due_date": due,
                    "first_due_date": due - timedelta(days=rng.choice([0, 0, 0, 7])),
                    "times_moved": rng.choice([0, 0, 0, 1]),
                    "marked_health": marked,
                    "health_reason": "waiting for legal" if marked else None,
                    "shown_health": shown,
                    "status": status,
                    "revision": 1,
                    "created_at": now - timedelta(days=800),
                    "reached_at": reached_at,
                    "cancelled_at": cancelled_at,
                    "request_key": None,
                    "announcement_ts": f"1700000000.{milestone_id:06d}",
                    "approval_channel": None,
                    "approval_ts": None,
                }
                if history:
                    record(row)
                yield row

    counts["milestone"] = _insert(engine, Milestone, milestones())
    counts["milestoneevent"] = _insert(engine, MilestoneEvent, iter(events))
    counts["dependency"] = _insert(
        engine,
        Dependency,
        ({"milestone_id": d, "prerequisite_id": p} for d, p in dependencies),
    )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # Statistics first: PostgreSQL would plan the update below as if the tables were empty.
        connection.execute(text("ANALYZE"))
        # As the bot keeps it with every change (the rows went in around it).
        connection.execute(
            update(Milestone)
            .where(col(Milestone.id).in_(select(Dependency.milestone_id)))
            .values(waits_on_later=waiting_on_later())
        )
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            for table in ("milestone", "goal"):
                connection.execute(
                    text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
                )
        # As autovacuum would have by then on a table this size: planner statistics, and the
        # visibility map that lets index-only scans skip the table.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    return counts


class QueryCounter:
    """Counts the SQL statements sent through `engine` while counting is on."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        self._on = False
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args) -> None:
        if self._on:
            self.count += 1

    @contextmanager
    def counting(self) -> Iterator[QueryCounter]:
        self.count = 0
        self._on = True
        try:
            yield self
        finally:
            self._on = False


def database_name(engine: Engine) -> str:
    return "PostgreSQL" if engine.dialect.name == "postgresql" else "SQLite"


def week_day(day: date) -> str:
    return day.strftime("%a %d %b %Y")


# Working hours, days and holidays some people choose (each None: the deployment's default).
SCHEDULES = [
    ("10:00-17:00", None, None),
    (None, "mon-thu", None),
    (None, None, "FR"),
    ("08:00-16:00", None, "US-NY"),
    ("07:00-19:00", "sun-thu", None),
    (None, None, "GB"),
]


def seed_schedules(engine: Engine, shape: Shape, *, share: float = 0.1, seed: int = 11) -> int:
    """Give `share` of the people working hours, days or holidays of their own (a random
    generator of its own: the rest of the data is as `seed` makes it)."""
    rng = random.Random(seed)
    count = _insert(
        engine,
        PersonSchedule,
        (
            {
                "team_id": "T" + user[1:5],
                "user_id": user,
                "working_hours": hours,
                "working_days": days,
                "holidays": holidays,
            }
            for user in people_of(shape)
            if rng.random() < share
            for hours, days, holidays in [rng.choice(SCHEDULES)]
        ),
    )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE personschedule"))
    return count
