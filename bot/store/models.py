"""SQLModel tables: milestones, their history, people's time zones, channel settings, deliveries.

Timestamps are aware UTC datetimes; due dates are calendar dates.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum, nonmember

from sqlalchemy import ColumnElement, Index, UniqueConstraint, literal, text
from sqlmodel import Field, SQLModel


class Status(StrEnum):
    """Where a milestone is in its life."""

    OPEN = "open"
    AWAITING_APPROVAL = "awaiting_approval"
    REACHED = "reached"
    CANCELLED = "cancelled"

    ACTIVE = nonmember((OPEN, AWAITING_APPROVAL))


def active_status(status: ColumnElement[str]) -> ColumnElement[bool]:
    """`status IN ('open', 'awaiting_approval')` with its two values bound one by one: in a
    statement built once, this is not expanded again at every execution, as an IN of a list is."""
    return status.in_([literal(value, status.type) for value in Status.ACTIVE])


class Health(StrEnum):
    """How a milestone is doing: derived, or marked by hand (blocked, at_risk)."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    BLOCKED = "blocked"


class GoalStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class EventKind(StrEnum):
    """What happened to a milestone: a line of its history, and the kind of a Change."""

    DECLARED = "declared"
    COMPLETION_REQUESTED = "completion_requested"
    REACHED = "reached"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    RESCHEDULED = "rescheduled"
    EDITED = "edited"
    APPROVER_CHANGED = "approver_changed"
    CANCELLED = "cancelled"
    BLOCKED = "blocked"
    AT_RISK = "at_risk"
    UNBLOCKED = "unblocked"


class NudgeRoute(StrEnum):
    """Where a channel's overdue nudges go; off also silences reminders and escalations."""

    DM = "dm"
    CHANNEL = "channel"
    OFF = "off"


class EscalateTo(StrEnum):
    """Who hears after repeated nudges."""

    CHANNEL = "channel"
    APPROVER = "approver"


class Goal(SQLModel, table=True):
    """The outcome a channel's milestones lead to ("Launch the mobile app")."""

    __table_args__ = (Index("ix_goal_channel", "team_id", "channel_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    name: str = Field(max_length=200)
    owner_id: str | None = Field(default=None, max_length=32)
    creator_id: str = Field(max_length=32)
    due_date: date | None = None
    status: str = Field(default=GoalStatus.OPEN, max_length=20)
    # Its milestones are expected to have an approver; the coach says when one has none.
    requires_approval: bool = False
    created_at: datetime
    closed_at: datetime | None = None

    @property
    def reference(self) -> str:
        return f"G-{self.id}"


class MilestoneFacts:
    """What follows from a milestone's columns: for the table's objects, and for plain rows of
    the same columns, read where whole objects would cost more than the work done with them."""

    __slots__ = ()

    @property
    def reference(self) -> str:
        return f"M-{self.id}"

    @property
    def is_active(self) -> bool:
        return self.status in Status.ACTIVE

    @property
    def responsible_id(self) -> str:
        """Who answers for it: the owner, or while it has none, whoever declared it."""
        return self.owner_id or self.creator_id

    @property
    def slip_days(self) -> int:
        if self.first_due_date is None or self.due_date is None:
            return 0
        return (self.due_date - self.first_due_date).days


class Milestone(MilestoneFacts, SQLModel, table=True):
    __table_args__ = (
        Index("ix_milestone_channel", "team_id", "channel_id", "status"),
        # Covers what the nudge sweep decides a reminder on (which owner, which channel, due
        # when), so it reads the table only for the milestones it reminds about.
        Index(
            "ix_milestone_reminders",
            "status",
            "due_date",
            "team_id",
            "channel_id",
            "owner_id",
            "creator_id",
            postgresql_include=["id"],
        ),
        # Covers what the health sweep reads to leave out cards that surely show the right
        # health, so it scans this index instead of the table (SQLite keeps the id in every
        # index; PostgreSQL needs it included).
        Index(
            "ix_milestone_health",
            "status",
            "shown_health",
            "marked_health",
            "due_date",
            "announcement_ts",
            postgresql_include=["id"],
        ),
        # The few cards waiting on a milestone due after them, for the health sweep to find
        # those not showing it without reading the links.
        Index(
            "ix_milestone_waits_on_later",
            "status",
            "shown_health",
            "marked_health",
            "due_date",
            "announcement_ts",
            sqlite_where=text("waits_on_later = 1"),
            postgresql_where=text("waits_on_later"),
            postgresql_include=["id"],
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    title: str = Field(max_length=200)
    # None: nobody owns it yet; the person who declared it answers for it meanwhile.
    owner_id: str | None = Field(default=None, max_length=32)
    approver_id: str | None = Field(default=None, max_length=32)
    creator_id: str = Field(max_length=32)
    goal_id: int | None = Field(default=None, foreign_key="goal.id", index=True)
    definition_of_done: str | None = Field(default=None, max_length=2000)
    due_date: date | None = None
    # Slip, kept as it happens: the first due date given, and how often it moved since.
    first_due_date: date | None = None
    times_moved: int = 0
    # Health set by hand (blocked, at_risk) and why; derived health is computed, not stored.
    marked_health: str | None = Field(default=None, max_length=20)
    health_reason: str | None = Field(default=None, max_length=500)
    # The health the channel card shows, so a sweep can update cards whose health changed.
    shown_health: str | None = Field(default=None, max_length=20)
    # Whether a prerequisite still open (or awaiting approval) is due after it, which puts it
    # at risk: kept by every change of a due date, a status or a link
    # (dependencies.refresh_waits_on_later), so that the health sweep need not read the links.
    waits_on_later: bool = False
    status: str = Field(default=Status.OPEN, max_length=20)
    # Bumped by every change, so a button rendered before a change is recognised as stale.
    revision: int = 1
    created_at: datetime
    reached_at: datetime | None = None
    cancelled_at: datetime | None = None
    # The trigger_id of the slash command that declared it: a retried request declares nothing new.
    request_key: str | None = Field(default=None, unique=True, max_length=255)
    announcement_ts: str | None = Field(default=None, max_length=32)
    # The approver's request message, updated once they decide, from wherever they decide.
    approval_channel: str | None = Field(default=None, max_length=32)
    approval_ts: str | None = Field(default=None, max_length=32)
    # The message it was made from ("Make it a milestone"): its permalink, which the card links.
    source_permalink: str | None = Field(default=None, max_length=500)


class Dependency(SQLModel, table=True):
    """`milestone_id` cannot be reached before `prerequisite_id` is."""

    milestone_id: int = Field(foreign_key="milestone.id", primary_key=True)
    prerequisite_id: int = Field(foreign_key="milestone.id", primary_key=True, index=True)


class MilestoneEvent(SQLModel, table=True):
    """One line of a milestone's history: who did what, when and why."""

    id: int | None = Field(default=None, primary_key=True)
    milestone_id: int = Field(foreign_key="milestone.id", index=True)
    kind: str = Field(max_length=32)  # an EventKind
    actor_id: str | None = Field(default=None, max_length=32)
    # Indexed: the weekly status reads the week's events, a small part of all the history.
    at: datetime = Field(index=True)
    old_due_date: date | None = None
    new_due_date: date | None = None
    reason: str | None = Field(default=None, max_length=500)
    # An approver_changed event: who approved it before, and who does now (None: nobody).
    old_approver_id: str | None = Field(default=None, max_length=32)
    new_approver_id: str | None = Field(default=None, max_length=32)


class Person(SQLModel, table=True):
    """What the bot knows of a Slack user: their time zone, cached from users.info."""

    team_id: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(primary_key=True, max_length=32)
    timezone: str | None = Field(default=None, max_length=64)
    # Names shown where mentions are off; None when Slack gave none.
    display_name: str | None = Field(default=None, max_length=100)
    # The Slack status when last looked up ("On vacation", ":palm_tree:").
    status_text: str | None = Field(default=None, max_length=200)
    status_emoji: str | None = Field(default=None, max_length=100)
    fetched_at: datetime
    # Set when Slack says the account is deactivated: the bot sends them no more DMs.
    inactive_since: datetime | None = None


class PersonSchedule(SQLModel, table=True):
    """When someone wants reminders: their working hours, days and public holidays, each None
    for the deployment's default. Kept apart from Person, which is a cache of Slack's answer."""

    team_id: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(primary_key=True, max_length=32)
    working_hours: str | None = Field(default=None, max_length=11)
    working_days: str | None = Field(default=None, max_length=40)
    holidays: str | None = Field(default=None, max_length=24)


class ChannelSettings(SQLModel, table=True):
    team_id: str = Field(primary_key=True, max_length=32)
    channel_id: str = Field(primary_key=True, max_length=32)
    digest_enabled: bool = True
    digest_weekday: int = 0  # Monday
    digest_time: str = Field(default="09:00", max_length=5)
    # None: the bot's DEFAULT_TIMEZONE.
    digest_timezone: str | None = Field(default=None, max_length=64)
    # Where overdue nudges go.
    nudges: str = Field(default=NudgeRoute.DM, max_length=10)
    # Whether the weekly status and /milestone status @-mention owners or show plain names.
    mentions: bool = True
    # Whether the weekly status and /milestone status carry the timeline in their thread.
    status_chart: bool = True
    # Who hears after repeated nudges.
    escalate_to: str = Field(default=EscalateTo.CHANNEL, max_length=10)
    # Owner and approver must be different people.
    separate_approvals: bool = False
    # Coach rule ids turned off here, comma separated.
    coach_disabled: str = Field(default="", max_length=200)
    # Who may change these settings, user ids comma separated; empty: anyone. Workspace admins
    # and owners always may.
    managers: str = Field(default="", max_length=400)
    # Set when Slack said the bot cannot post here (archived, removed, deleted): sweeps pass the
    # channel by until the bot is added back or someone uses /milestone in it.
    paused_at: datetime | None = None
    paused_reason: str | None = Field(default=None, max_length=40)
    # When channel posts (nudges routed here, escalations) may go out; None: the deployment's
    # WORKING_HOURS, WORKING_DAYS and HOLIDAYS. Hours "09:00-18:00", days "mon-fri", holidays
    # a country code as the holidays library spells it ("GB", "US-CA").
    working_hours: str | None = Field(default=None, max_length=11)
    working_days: str | None = Field(default=None, max_length=40)
    holidays: str | None = Field(default=None, max_length=24)


class PersonalDigest(SQLModel, table=True):
    """Someone who asked for their own week by DM (`/milestone me digest monday 09:00`): when,
    on their calendar. No row: no personal digest (the default)."""

    team_id: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(primary_key=True, max_length=32)
    weekday: int  # Monday is 0
    at: str = Field(max_length=5)  # HH:MM
    # When they asked: the first personal digest is the first time after this.
    since: datetime


class Absence(SQLModel, table=True):
    """Days someone said they are away (both ends included): no nudges about them then."""

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    user_id: str = Field(max_length=32)
    first_day: date
    last_day: date


class DeliveryState(StrEnum):
    CLAIMED = "claimed"  # a process is sending it (or died doing so: see claims.STALE_AFTER)
    SENT = "sent"
    FAILED = "failed"  # failed for now: a later sweep claims it again
    DROPPED = "dropped"  # can never be delivered (the channel or person is gone)


class DeliveryKind(StrEnum):
    """What a claimed delivery is; with its key, what makes it go out once."""

    ANNOUNCEMENT = "announcement"  # the channel card
    APPROVAL = "approval"  # the request to the approver
    CELEBRATION = "celebration"
    RESCHEDULED = "rescheduled"  # the note under the card
    CANCELLED = "cancelled"  # the note under the card
    APPROVER_CHANGED = "approver_changed"  # the note under the card
    APPROVER_REPLACED = "approver_replaced"  # the DM to the approver replaced or removed
    SLIP = "slip"  # a prerequisite now due after a dependent
    READY = "ready"  # a dependent's last prerequisite reached
    NUDGE = "nudge"
    DUE_SOON = "due_soon"
    ESCALATION = "escalation"
    DIGEST = "digest"  # the weekly status
    PERSONAL_DIGEST = "personal_digest"  # a person's own week, by DM, if they asked for it
    STATUS_REQUEST = "status_request"  # /milestone status, answered once per request
    CHART_REQUEST = "chart_request"  # /milestone chart, uploaded once per request
    EXPORT_REQUEST = "export_request"  # /milestone export, sent once per request
    WORKFLOW_STEP = "workflow_step"  # a Workflow Builder step, run once per function execution


class Delivery(SQLModel, table=True):
    """A claim on one scheduled message; the unique key is what makes it go out once."""

    __table_args__ = (
        UniqueConstraint("team_id", "kind", "key", name="uq_delivery_key"),
        # For forgetting the claims that only guard a request against Slack's retries.
        Index("ix_delivery_kind_claimed_at", "kind", "claimed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    kind: str = Field(max_length=20)  # a DeliveryKind
    key: str = Field(max_length=200)
    channel_id: str | None = Field(default=None, max_length=32)
    milestone_id: int | None = Field(default=None, foreign_key="milestone.id", index=True)
    due_date: date | None = None
    claimed_at: datetime
    sent_at: datetime | None = None
    state: str = Field(default=DeliveryState.CLAIMED, max_length=10)
    attempts: int = 1
    last_error: str | None = Field(default=None, max_length=200)


class HomeViewer(SQLModel, table=True):
    """Someone who has opened the bot's App Home: only their Home is refreshed after changes."""

    team_id: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(primary_key=True, max_length=32)
    opened_at: datetime


class Workspace(SQLModel, table=True):
    """A Slack workspace the bot serves; every other row's team_id names one.

    Enterprise Grid workspaces carry their organisation's id; an app installed for the whole
    organisation has one installation (`org_install`) for all of its workspaces.
    """

    team_id: str = Field(primary_key=True, max_length=32)
    enterprise_id: str | None = Field(default=None, max_length=32)
    org_install: bool = False
    first_seen_at: datetime
    # Set by app_uninstalled or tokens_revoked: no sweeps, no messages, until installed again.
    # The workspace's data stays until `milestone-bot purge-team`.
    uninstalled_at: datetime | None = None


class PostingBudget(SQLModel, table=True):
    """A workspace's budget of messages a minute, spent by every process posting there: the
    GCRA's theoretical arrival time of its next message, in seconds since the epoch."""

    team_id: str = Field(primary_key=True, max_length=32)
    next_at: float


class LinkKind(StrEnum):
    """What a public link serves: the channel's calendar feed, or a page for stakeholders."""

    CALENDAR = "calendar"
    PAGE = "page"


class PublicLink(SQLModel, table=True):
    """A secret URL that shows a channel's (or one goal's) milestones outside Slack.

    Its token is never stored: `token_hash` is the SHA-256 of it, looked up on each request,
    and the token itself is made again from `salt` and the bot's FEED_SECRET when the link is
    shown in Slack. Revoked links stay, for `/milestone share list`'s history and the audit.
    """

    __table_args__ = (Index("ix_public_link_channel", "team_id", "channel_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    kind: str = Field(max_length=10)  # a LinkKind
    goal_id: int | None = Field(default=None, foreign_key="goal.id")
    # What the page is called: the goal's name, or the channel's name when it was shared.
    label: str = Field(max_length=200)
    salt: str = Field(max_length=64)
    token_hash: str = Field(max_length=64, unique=True)
    created_by: str = Field(max_length=32)
    created_at: datetime
    revoked_at: datetime | None = None
    revoked_by: str | None = Field(default=None, max_length=32)
