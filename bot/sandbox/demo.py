"""The sandbox's demo data, made the way people make it: through the domain's functions, at
times in the past, each change announced by the bot as it would be."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.delivery.announce import announce
from bot.domain import goals, milestones, workspaces
from bot.domain.milestones import Change
from bot.runtime import Runtime
from bot.sandbox.world import CHANNELS, PEOPLE
from bot.store.db import session_scope
from bot.store.models import Health

ALEX, SAM, KIM, LEE = (person.id for person in PEOPLE)
LAUNCH = CHANNELS[0].id


def note_workspace(runtime: Runtime, team_id: str) -> None:
    """The app is installed in the sandbox's workspace (as a first request would note it)."""
    with session_scope(runtime.engine) as session:
        workspaces.installed(
            session, team_id=team_id, enterprise_id=None, org_install=False, now=runtime.clock()
        )


def seed(runtime: Runtime, team_id: str) -> None:
    """A goal in #mobile-launch with five milestones: reached, on track (and rescheduled), at
    risk, blocked (waiting on another) and overdue. Cards and notes go out as the bot posts them."""
    now = runtime.clock()
    start = now - timedelta(days=20)

    def at(moment: datetime, work) -> Change | None:
        with session_scope(runtime.engine) as session:
            change = work(session, moment)
        if change is not None:
            announce(runtime, change)
        return change

    def declare(title: str, owner: str, due: datetime, **more):
        def work(session, moment):
            return milestones.declare(
                session,
                team_id=team_id,
                channel_id=LAUNCH,
                creator_id=ALEX,
                title=title,
                due_date=due.date(),
                owner_id=owner,
                approver_id=more.get("approver"),
                today=moment.date(),
                now=moment,
                goal_id=goal_id,
                prerequisites=more.get("after", ()),
            )

        return at(start, work).milestone

    with session_scope(runtime.engine) as session:
        goal_id = goals.add_goal(
            session,
            team_id=team_id,
            channel_id=LAUNCH,
            creator_id=ALEX,
            name="Launch the mobile app",
            due_date=(now + timedelta(days=30)).date(),
            owner_id=ALEX,
            requires_approval=False,
            today=start.date(),
            now=start,
        ).id

    design = declare("Design review signed off", KIM, start + timedelta(days=10))
    beta = declare("Beta build in testers' hands", ALEX, start + timedelta(days=25), approver=SAM)
    payments = declare("Payments provider contract signed", LEE, now + timedelta(days=3))
    store = declare("App Store submission", ALEX, now + timedelta(days=14), after=(beta,))
    declare("Crash rate under 1% in beta", KIM, start + timedelta(days=15))

    def reload(session, milestone):
        return milestones.get(session, team_id=team_id, milestone_id=milestone.id)

    at(
        now - timedelta(days=9),
        lambda session, moment: milestones.request_completion(
            session, milestone=reload(session, design), user_id=KIM, now=moment
        ),
    )
    at(
        now - timedelta(days=3),
        lambda session, moment: milestones.reschedule(
            session,
            milestone=reload(session, beta),
            user_id=ALEX,
            new_due_date=(now + timedelta(days=9)).date(),
            reason="the testers' devices arrive a week later",
            today=moment.date(),
            now=moment,
        ),
    )
    at(
        now - timedelta(days=1),
        lambda session, moment: milestones.set_health(
            session,
            milestone=reload(session, payments),
            user_id=LEE,
            state=Health.AT_RISK,
            reason="their legal review takes longer than planned",
            now=moment,
        ),
    )
    at(
        now - timedelta(hours=5),
        lambda session, moment: milestones.set_health(
            session,
            milestone=reload(session, store),
            user_id=ALEX,
            state=Health.BLOCKED,
            reason="the developer account is not approved yet",
            now=moment,
        ),
    )
