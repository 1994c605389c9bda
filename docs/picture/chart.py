"""Make docs/chart.png: the timeline `/milestone chart` posts, for a made-up launch plan.

The picture is the bot's own renderer (bot/render/timeline.py and chart.py) drawing milestones
made here in memory. A dev tool, not run by the tests:

    .venv/bin/python docs/picture/chart.py
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.domain.health import Detail, Verdict
from bot.domain.plan import Plan
from bot.render import chart, timeline
from bot.store.models import Goal, Health, Milestone, Status

PICTURE = Path(__file__).resolve().parent.parent / "chart.png"
TEAM, CHANNEL = "T0TEAM", "C0LAUNCH"
TODAY = date(2026, 12, 7)
DECLARED = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)

GOALS = [(1, "Launch the mobile app"), (2, "Pricing and billing")]
# id, title, goal, due (days from today), first due (None: never moved), health or reached
MILESTONES = [
    (1, "Design signed off", 1, -18, None, Status.REACHED),
    (2, "Beta version completed", 1, -4, -11, Status.REACHED),
    (3, "Beta tested by 50 users", 1, 6, -1, Health.AT_RISK),
    (4, "App store listing approved", 1, 16, None, Health.ON_TRACK),
    (5, "Public launch", 1, 27, 20, Health.ON_TRACK),
    (6, "Prices agreed", 2, -6, None, Health.OFF_TRACK),
    (7, "Billing provider chosen", 2, 3, None, Health.BLOCKED),
    (8, "Invoices tested end to end", 2, 19, None, Health.ON_TRACK),
    (9, "Support rota in place", None, 10, None, Health.ON_TRACK),
    (10, "Press kit ready", None, 22, 15, Health.AT_RISK),
]
DEPENDENCIES = {2: [1], 3: [2], 5: [3, 4, 8], 8: [7], 7: [6]}


def made_up_plan() -> Plan:
    goals = [
        Goal(
            id=i,
            team_id=TEAM,
            channel_id=CHANNEL,
            name=name,
            creator_id="U0ALEX",
            created_at=DECLARED,
        )
        for i, name in GOALS
    ]
    milestones, details = [], {}
    for i, title, goal_id, due, first, state in MILESTONES:
        reached = state == Status.REACHED
        milestones.append(
            Milestone(
                id=i,
                team_id=TEAM,
                channel_id=CHANNEL,
                title=title,
                owner_id="U0ALEX",
                creator_id="U0ALEX",
                goal_id=goal_id,
                due_date=TODAY + timedelta(days=due),
                first_due_date=TODAY + timedelta(days=first if first is not None else due),
                status=Status.REACHED if reached else Status.OPEN,
                created_at=DECLARED,
            )
        )
        details[i] = Detail(None if reached else Verdict(state))
    by_id = {m.id: m for m in milestones}
    return Plan(
        team_id=TEAM,
        channel_id=CHANNEL,
        milestones=milestones,
        goals=goals,
        details=details,
        prerequisites={d: [by_id[p] for p in ps] for d, ps in DEPENDENCIES.items()},
    )


def main() -> None:
    built = timeline.build(made_up_plan(), today=TODAY, title=timeline.title_of(today=TODAY))
    PICTURE.write_bytes(chart.render_png(built))
    print(f"wrote {PICTURE}")
    print(timeline.alt_text(built))


if __name__ == "__main__":
    main()
