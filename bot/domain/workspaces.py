"""The workspaces the bot serves: which organisation each belongs to, and which ones left.

A workspace that uninstalled the app, or revoked its token, gets no sweeps and no messages;
its data stays until an operator purges it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from bot.store.models import (
    Absence,
    ChannelSettings,
    Delivery,
    Dependency,
    Goal,
    HomeViewer,
    Milestone,
    MilestoneEvent,
    Person,
    PersonSchedule,
    PostingBudget,
    PublicLink,
    Workspace,
)


def seen(
    session: Session,
    *,
    team_id: str,
    enterprise_id: str | None,
    org_install: bool,
    now: datetime,
) -> None:
    """Note a workspace the first time a request comes from it; later calls change nothing."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        dialect.insert(Workspace)
        .values(
            team_id=team_id,
            enterprise_id=enterprise_id,
            org_install=org_install,
            first_seen_at=now,
        )
        .on_conflict_do_nothing(index_elements=["team_id"])
    )


def installed(
    session: Session,
    *,
    team_id: str,
    enterprise_id: str | None,
    org_install: bool,
    now: datetime,
) -> None:
    """The app was (re)installed: the workspace is served again."""
    seen(session, team_id=team_id, enterprise_id=enterprise_id, org_install=org_install, now=now)
    session.execute(
        update(Workspace)
        .where(col(Workspace.team_id) == team_id)
        .values(enterprise_id=enterprise_id, org_install=org_install, uninstalled_at=None)
    )


def installed_in_organisation(session: Session, *, enterprise_id: str) -> None:
    """An organisation-wide install: every workspace of the organisation is served again."""
    session.execute(
        update(Workspace)
        .where(col(Workspace.enterprise_id) == enterprise_id)
        .values(org_install=True, uninstalled_at=None)
    )


def uninstalled(session: Session, *, team_ids: list[str], now: datetime) -> None:
    """Stop serving these workspaces (app_uninstalled, tokens_revoked)."""
    for team_id in team_ids:
        seen(session, team_id=team_id, enterprise_id=None, org_install=False, now=now)
    session.execute(
        update(Workspace)
        .where(col(Workspace.team_id).in_(team_ids), col(Workspace.uninstalled_at).is_(None))
        .values(uninstalled_at=now)
    )


def in_organisation(session: Session, *, enterprise_id: str) -> list[str]:
    """The workspaces an organisation-wide install serves."""
    return list(
        session.execute(
            select(Workspace.team_id).where(col(Workspace.enterprise_id) == enterprise_id)
        ).scalars()
    )


def find(session: Session, team_id: str) -> Workspace | None:
    return session.get(Workspace, team_id)


def departed(session: Session) -> set[str]:
    """Workspaces that uninstalled the app or revoked its token: sweeps pass them by."""
    return set(
        session.execute(
            select(Workspace.team_id).where(col(Workspace.uninstalled_at).is_not(None))
        ).scalars()
    )


def purge(session: Session, *, team_id: str) -> dict[str, int]:
    """Delete everything the bot keeps about a workspace; how many rows, by table."""
    milestone_ids = select(Milestone.id).where(col(Milestone.team_id) == team_id)
    statements = {
        "dependencies": delete(Dependency).where(
            col(Dependency.milestone_id).in_(milestone_ids)
            | col(Dependency.prerequisite_id).in_(milestone_ids)
        ),
        "history": delete(MilestoneEvent).where(
            col(MilestoneEvent.milestone_id).in_(milestone_ids)
        ),
        "deliveries": delete(Delivery).where(col(Delivery.team_id) == team_id),
        "public links": delete(PublicLink).where(col(PublicLink.team_id) == team_id),
        "milestones": delete(Milestone).where(col(Milestone.team_id) == team_id),
        "goals": delete(Goal).where(col(Goal.team_id) == team_id),
        "channel settings": delete(ChannelSettings).where(col(ChannelSettings.team_id) == team_id),
        "people": delete(Person).where(col(Person.team_id) == team_id),
        "people's schedules": delete(PersonSchedule).where(col(PersonSchedule.team_id) == team_id),
        "absences": delete(Absence).where(col(Absence.team_id) == team_id),
        "home viewers": delete(HomeViewer).where(col(HomeViewer.team_id) == team_id),
        "posting budget": delete(PostingBudget).where(col(PostingBudget.team_id) == team_id),
        "workspace": delete(Workspace).where(col(Workspace.team_id) == team_id),
    }
    return {name: session.execute(statement).rowcount for name, statement in statements.items()}
