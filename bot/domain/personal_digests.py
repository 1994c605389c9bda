"""Personal digests: who asked for their own week by DM, and when."""

from __future__ import annotations

from datetime import datetime, time

from sqlmodel import Session

from bot.store.models import PersonalDigest


def set_personal_digest(
    session: Session, *, team_id: str, user_id: str, weekday: int, at: time, now: datetime
) -> PersonalDigest:
    """Send `user_id` their week every `weekday` at `at` on their own calendar."""
    digest = session.get(PersonalDigest, (team_id, user_id))
    if digest is None:
        digest = PersonalDigest(team_id=team_id, user_id=user_id, weekday=weekday, at="", since=now)
    digest.weekday = weekday
    digest.at = at.strftime("%H:%M")
    digest.since = now
    session.add(digest)
    return digest


def stop_personal_digest(session: Session, *, team_id: str, user_id: str) -> bool:
    """No more personal digests for `user_id`; False when they had none."""
    digest = session.get(PersonalDigest, (team_id, user_id))
    if digest is None:
        return False
    session.delete(digest)
    return True
