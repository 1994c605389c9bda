"""Where a channel's milestones stand this week: the content of the weekly status."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.goals import Progress
from bot.domain.health import Detail
from bot.store.models import Health, Milestone, Status

WINDOW = timedelta(days=7)


@dataclass
class ChannelStatus:
    team_id: str
    channel_id: str
    today: date
    # The channel's time zone: reached times are shown on its calendar.
    zone: ZoneInfo
    reached: list[Milestone] = field(default_factory=list)
    overdue: list[Milestone] = field(default_factory=list)
    due_soon: list[Milestone] = field(default_factory=list)
    awaiting_approval: list[Milestone] = field(default_factory=list)
    # Open, not overdue nor due this week, but blocked or at risk.
    troubled: list[Milestone] = field(default_factory=list)
    details: dict[int, Detail] = field(default_factory=dict)
    # The channel's open goals, in the order they were declared.
    progress: list[Progress] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.reached or self.overdue or self.due_soon or self.awaiting_approval or self.troubled
        )


def channel_status(
    milestones: list[Milestone],
    *,
    team_id: str,
    channel_id: str,
    today: date,
    zone: ZoneInfo,
    reached_since: datetime,
    details: dict[int, Detail] | None = None,
    progress: list[Progress] | None = None,
) -> ChannelStatus:
    """Sort a channel's milestones into the status sections; cancelled ones are left out.

    Milestones reached at or after `reached_since` are news. A weekly status gives the time of
    the status before it, so a milestone reached just after one status is in the next.
    """
    status = ChannelStatus(
        team_id=team_id,
        channel_id=channel_id,
        today=today,
        zone=zone,
        details=details or {},
        progress=progress or [],
    )
    for milestone in sorted(milestones, key=lambda m: (m.due_date or date.max, m.id)):
        if milestone.status == Status.REACHED:
            if milestone.reached_at and milestone.reached_at >= reached_since:
                status.reached.append(milestone)
        elif milestone.status == Status.AWAITING_APPROVAL:
            status.awaiting_approval.append(milestone)
        elif milestone.status != Status.OPEN:
            continue
        elif milestone.due_date is not None and milestone.due_date < today:
            status.overdue.append(milestone)
        elif milestone.due_date is not None and milestone.due_date <= today + WINDOW:
            status.due_soon.append(milestone)
        elif _troubled(status.details.get(milestone.id)):
            status.troubled.append(milestone)
    return status


def _troubled(detail: Detail | None) -> bool:
    return bool(
        detail and detail.health and detail.health.state in (Health.BLOCKED, Health.AT_RISK)
    )
