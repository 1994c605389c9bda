"""Make docs/share-page.png: the page `/milestone share` gives stakeholders, as a browser shows it.

The page is the bot's own (bot.render.share_page, with the timeline from bot.render.chart), on
milestones made here in memory; Playwright screenshots it in an installed Chromium (CHROMIUM,
default /usr/bin/chromium). A dev tool, not run by the tests:

    .venv/bin/python docs/picture/share_page.py [--html out.html]
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

from snapshot import CHANNEL, TEAM, example_milestone, make_picture, screenshot

from bot.domain import health
from bot.domain.health import Detail
from bot.domain.plan import Plan
from bot.domain.public_view import Entry, PublicView, on_time
from bot.render.share_page import page_html
from bot.store.models import (
    EventKind,
    Goal,
    Health,
    LinkKind,
    Milestone,
    MilestoneEvent,
    PublicLink,
    Status,
)

HERE = Path(__file__).resolve().parent
PICTURE = HERE.parent / "share-page.png"

NAMES = {"U0ALEX": "Alex Moreau", "U0SAM": "Sam Okafor", "U0KIM": "Kim Tanaka"}
TODAY = date(2026, 12, 7)
NOW = datetime.combine(TODAY, time(9, 30), UTC)
DECLARED = datetime(2026, 10, 20, 9, 30, tzinfo=UTC)


def milestone(number: int, title: str, owner: str, due: date, **fields) -> Milestone:
    return example_milestone(
        number,
        title,
        owner,
        due,
        declared=DECLARED,
        goal_id=fields.pop("goal_id", 3),
        **fields,
    )


def example() -> PublicView:
    goal = Goal(
        id=3,
        team_id=TEAM,
        channel_id=CHANNEL,
        name="Launch the mobile app",
        creator_id="U0ALEX",
        created_at=DECLARED,
    )
    milestones = [
        milestone(
            9,
            "Design signed off",
            "U0KIM",
            date(2026, 11, 13),
            status=Status.REACHED,
            reached_at=datetime(2026, 11, 12, 16, 0, tzinfo=UTC),
        ),
        milestone(
            10,
            "Payments API live",
            "U0SAM",
            date(2026, 11, 27),
            status=Status.REACHED,
            first_due_date=date(2026, 11, 20),
            times_moved=1,
            reached_at=datetime(2026, 11, 26, 15, 0, tzinfo=UTC),
        ),
        milestone(
            12,
            "Beta in TestFlight",
            "U0ALEX",
            date(2026, 12, 11),
            first_due_date=date(2026, 12, 4),
            times_moved=1,
        ),
        milestone(
            13,
            "App Store review passed",
            "U0SAM",
            date(2026, 12, 18),
            marked_health=Health.BLOCKED,
            health_reason="waiting for the privacy labels",
        ),
        milestone(14, "Support team trained", "U0KIM", date(2026, 12, 16)),
        milestone(15, "Launch email sent", "U0ALEX", date(2026, 12, 4), goal_id=None),
    ]
    by_id = {m.id: m for m in milestones}
    prerequisites = {13: [by_id[12]], 14: [by_id[12]]}
    details = {}
    for m in milestones:
        waits = [p for p in prerequisites.get(m.id, []) if p.status != Status.REACHED]
        verdict = health.assess(m, today=TODAY, open_prerequisites=waits) if m.is_active else None
        details[m.id] = Detail(verdict, goal if m.goal_id else None, tuple(waits))
    events = [
        (
            MilestoneEvent(
                milestone_id=13,
                kind=EventKind.BLOCKED,
                actor_id="U0SAM",
                at=datetime(2026, 12, 4, 11, 0, tzinfo=UTC),
                reason="waiting for the privacy labels",
            ),
            by_id[13],
        ),
        (
            MilestoneEvent(
                milestone_id=12,
                kind=EventKind.RESCHEDULED,
                actor_id="U0ALEX",
                at=datetime(2026, 12, 2, 10, 0, tzinfo=UTC),
                old_due_date=date(2026, 12, 4),
                new_due_date=date(2026, 12, 11),
                reason="a crash on older phones",
            ),
            by_id[12],
        ),
    ]
    link = PublicLink(
        id=1,
        team_id=TEAM,
        channel_id=CHANNEL,
        kind=LinkKind.PAGE,
        goal_id=None,
        label="#mobile-launch",
        salt="",
        token_hash="",
        created_by="U0ALEX",
        created_at=NOW,
    )
    return PublicView(
        link=link,
        goal=None,
        entries=[Entry(m, details[m.id], NOW) for m in milestones],
        changes=events,
        on_time=on_time(milestones, since=datetime(2026, 9, 8, tzinfo=UTC), zone=UTC),
        names=dict(NAMES),
        now=NOW,
        plan=Plan(
            team_id=TEAM,
            channel_id=CHANNEL,
            milestones=milestones,
            goals=[goal],
            details=details,
            prerequisites=prerequisites,
        ),
        today=TODAY,
    )


def main() -> None:
    make_picture(
        __doc__.splitlines()[0],
        PICTURE,
        lambda: page_html(example()),
        lambda document, path: screenshot(document, path, width=1100, height=900, scale=1),
    )


if __name__ == "__main__":
    main()
