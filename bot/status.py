"""Where a channel's milestones stand this week: the content of the weekly status."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.models import Milestone, Status

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

    @property
    def is_empty(self) -> bool:
        return not (self.reached or self.overdue or self.due_soon or self.awaiting_approval)


def channel_status(
    milestones: list[Milestone],
    *,
    team_id: str,
    channel_id: str,
    today: date,
    zone: ZoneInfo,
    reached_since: datetime,
) -> ChannelStatus:
    """Sort a channel's milestones into the status sections; cancelled ones are left out.

    Milestones reached at or after `reached_since` are news. A weekly status gives the time of
    the status before it, so a milestone reached just after one status is in the next.
    """
    status = ChannelStatus(team_id=team_id, channel_id=channel_id, today=today, zone=zone)
    for milestone in sorted(milestones, key=lambda m: (m.due_date or date.max, m.id)):
        if milestone.status == Status.REACHED:
            if milestone.reached_at and milestone.reached_at >= reached_since:
                status.reached.append(milestone)
        elif milestone.status == Status.AWAITING_APPROVAL:
            status.awaiting_approval.append(milestone)
        elif milestone.status == Status.OPEN and milestone.due_date is not None:
            if milestone.due_date < today:
                status.overdue.append(milestone)
            elif milestone.due_date <= today + WINDOW:
                status.due_soon.append(milestone)
    return status
