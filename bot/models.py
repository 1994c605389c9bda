"""SQLModel tables: milestones, their history, people's time zones, channel settings, deliveries.

Timestamps are aware UTC datetimes; due dates are calendar dates.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class Status:
    OPEN = "open"
    AWAITING_APPROVAL = "awaiting_approval"
    REACHED = "reached"
    CANCELLED = "cancelled"

    ACTIVE = (OPEN, AWAITING_APPROVAL)


class Milestone(SQLModel, table=True):
    __table_args__ = (
        Index("ix_milestone_channel", "team_id", "channel_id", "status"),
        Index("ix_milestone_status_due", "status", "due_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    title: str = Field(max_length=200)
    owner_id: str = Field(max_length=32)
    approver_id: str | None = Field(default=None, max_length=32)
    creator_id: str = Field(max_length=32)
    due_date: date | None = None
    status: str = Field(default=Status.OPEN, max_length=20)
    # Bumped by every change, so a button rendered before a change is recognised as stale.
    revision: int = 1
    created_at: datetime
    reached_at: datetime | None = None
    cancelled_at: datetime | None = None
    # The trigger_id of the slash command that declared it: a retried request declares nothing new.
    request_key: str | None = Field(default=None, unique=True, max_length=255)
    announcement_ts: str | None = Field(default=None, max_length=32)

    @property
    def reference(self) -> str:
        return f"M-{self.id}"

    @property
    def is_active(self) -> bool:
        return self.status in Status.ACTIVE


class MilestoneEvent(SQLModel, table=True):
    """One line of a milestone's history: who did what, when and why."""

    id: int | None = Field(default=None, primary_key=True)
    milestone_id: int = Field(foreign_key="milestone.id", index=True)
    kind: str = Field(max_length=32)
    actor_id: str | None = Field(default=None, max_length=32)
    at: datetime
    old_due_date: date | None = None
    new_due_date: date | None = None
    reason: str | None = Field(default=None, max_length=500)


class Person(SQLModel, table=True):
    """What the bot knows of a Slack user: their time zone, cached from users.info."""

    team_id: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(primary_key=True, max_length=32)
    timezone: str | None = Field(default=None, max_length=64)
    fetched_at: datetime


class ChannelSettings(SQLModel, table=True):
    team_id: str = Field(primary_key=True, max_length=32)
    channel_id: str = Field(primary_key=True, max_length=32)
    digest_enabled: bool = True
    digest_weekday: int = 0  # Monday
    digest_time: str = Field(default="09:00", max_length=5)
    # None: the bot's DEFAULT_TIMEZONE.
    digest_timezone: str | None = Field(default=None, max_length=64)


class Delivery(SQLModel, table=True):
    """A claim on one scheduled message; the unique key is what makes it go out once."""

    __table_args__ = (UniqueConstraint("team_id", "kind", "key", name="uq_delivery_key"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    kind: str = Field(max_length=20)
    key: str = Field(max_length=200)
    channel_id: str | None = Field(default=None, max_length=32)
    milestone_id: int | None = Field(default=None, foreign_key="milestone.id", index=True)
    due_date: date | None = None
    claimed_at: datetime
    sent_at: datetime | None = None
