"""Public links: the secret URLs of a channel's calendar feed and of its stakeholder pages.

A link's token is made from a random salt and the bot's key (HMAC-SHA256), so the bot can
show a link again while the database keeps only the token's SHA-256, which a request's token
is looked up by. A request is served only when its token is also the one the key makes for
that link (compared in constant time): a link leaked from a backup of the database is no use
without the key, and a new key ends every link at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from sqlmodel import Session, col, select

from bot.domain.errors import MilestoneError
from bot.store.models import Goal, LinkKind, PublicLink

# A token is 43 url-safe characters (256 bits); anything else is never looked up.
TOKEN_LENGTH = 43
_TOKEN_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


CALENDAR_PATH = "/calendar/"
PAGE_PATH = "/share/"


def calendar_url(public_url: str, token: str) -> str:
    return f"{public_url}{CALENDAR_PATH}{token}.ics"


def page_url(public_url: str, token: str) -> str:
    return f"{public_url}{PAGE_PATH}{token}"


class NoLinks(MilestoneError):
    """The bot has no key to make links with, or no address to give them under."""


class NothingShared(MilestoneError):
    """There is no active share link for the channel (`goal` None) or for the goal named."""

    def __init__(self, goal: str | None) -> None:
        super().__init__(goal)
        self.goal = goal


def token_of(link: PublicLink, key: bytes) -> str:
    """The token of `link`, made again from its salt and the key."""
    mac = hmac.new(key, f"{link.kind}:{link.salt}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    kind: LinkKind,
    goal: Goal | None,
    label: str,
    user_id: str,
    now: datetime,
    key: bytes,
) -> PublicLink:
    link = PublicLink(
        team_id=team_id,
        channel_id=channel_id,
        kind=kind,
        goal_id=goal.id if goal else None,
        label=(goal.name if goal else label)[:200],
        salt=secrets.token_hex(16),
        token_hash="",
        created_by=user_id,
        created_at=now,
    )
    link.token_hash = _hash(token_of(link, key))
    session.add(link)
    session.flush()
    return link


def _active(
    session: Session, *, team_id: str, channel_id: str, kind: LinkKind, goal_id: int | None = None
) -> list[PublicLink]:
    query = select(PublicLink).where(
        PublicLink.team_id == team_id,
        PublicLink.channel_id == channel_id,
        PublicLink.kind == kind,
        col(PublicLink.revoked_at).is_(None),
    )
    if kind == LinkKind.PAGE:
        query = query.where(
            col(PublicLink.goal_id).is_(None) if goal_id is None else PublicLink.goal_id == goal_id
        )
    return list(session.exec(query.order_by(col(PublicLink.id))).all())


def _revoke(links: list[PublicLink], *, user_id: str, now: datetime) -> None:
    for link in links:
        link.revoked_at, link.revoked_by = now, user_id


def calendar(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    user_id: str,
    label: str,
    now: datetime,
    key: bytes,
    reset: bool = False,
) -> PublicLink:
    """The channel's calendar link, made if it has none; with `reset`, the one it had stops
    working and a new one is made."""
    active = _active(session, team_id=team_id, channel_id=channel_id, kind=LinkKind.CALENDAR)
    if active and not reset:
        return active[0]
    _revoke(active, user_id=user_id, now=now)
    return _new(
        session,
        team_id=team_id,
        channel_id=channel_id,
        kind=LinkKind.CALENDAR,
        goal=None,
        label=label,
        user_id=user_id,
        now=now,
        key=key,
    )


def share(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    goal: Goal | None,
    user_id: str,
    label: str,
    now: datetime,
    key: bytes,
) -> tuple[PublicLink, bool]:
    """The page link of the channel (or of `goal`), and whether it was made now (there was
    none)."""
    active = _active(
        session,
        team_id=team_id,
        channel_id=channel_id,
        kind=LinkKind.PAGE,
        goal_id=goal.id if goal else None,
    )
    if active:
        return active[0], False
    made = _new(
        session,
        team_id=team_id,
        channel_id=channel_id,
        kind=LinkKind.PAGE,
        goal=goal,
        label=label,
        user_id=user_id,
        now=now,
        key=key,
    )
    return made, True


def revoke_share(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    goal: str | None,
    user_id: str,
    now: datetime,
) -> list[PublicLink]:
    """End the page link of the channel, or of the goal named by `goal` (its reference or its
    name; a closed goal's too); NothingShared when there is none."""
    active = [
        link
        for link in shares(session, team_id=team_id, channel_id=channel_id)
        if (link.goal_id is None if goal is None else _names_goal(session, link, goal))
    ]
    if not active:
        raise NothingShared(goal)
    _revoke(active, user_id=user_id, now=now)
    return active


def _names_goal(session: Session, link: PublicLink, text: str) -> bool:
    if link.goal_id is None:
        return False
    goal = session.get(Goal, link.goal_id)
    wanted = " ".join(text.split()).lower()
    return goal is not None and wanted in (goal.reference.lower(), goal.name.lower())


def shares(session: Session, *, team_id: str, channel_id: str) -> list[PublicLink]:
    """The channel's page links that work, oldest first."""
    return list(
        session.exec(
            select(PublicLink)
            .where(
                PublicLink.team_id == team_id,
                PublicLink.channel_id == channel_id,
                PublicLink.kind == LinkKind.PAGE,
                col(PublicLink.revoked_at).is_(None),
            )
            .order_by(col(PublicLink.id))
        ).all()
    )


def resolve(
    session: Session, token: str, *, kind: LinkKind, key: bytes | None
) -> PublicLink | None:
    """The working link of `kind` whose token is `token`, or None: never told apart, whether
    the token is malformed, unknown, revoked, of another kind or made with an older key."""
    if key is None or len(token) != TOKEN_LENGTH or not _TOKEN_CHARACTERS.issuperset(token):
        return None
    link = session.exec(select(PublicLink).where(PublicLink.token_hash == _hash(token))).first()
    if link is None or link.revoked_at is not None or link.kind != kind:
        return None
    if not hmac.compare_digest(token.encode(), token_of(link, key).encode()):
        return None
    return link
