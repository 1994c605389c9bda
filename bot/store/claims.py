"""Claiming scheduled deliveries in the database, so each goes out once across processes.

A delivery is claimed before it is sent and marked sent after. One that failed for now is
claimed again by a later sweep; one whose process died while sending it (still `claimed`
long after) is too, once STALE_AFTER has passed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Insert, bindparam, delete, func, or_, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from bot.store.models import Delivery, DeliveryState

# Far longer than any send takes (timeouts and retries included): a claim this old was left
# by a process that stopped without finishing.
STALE_AFTER = timedelta(minutes=15)
# A delivery that failed this often is given up (and logged) rather than tried forever.
MAX_ATTEMPTS = 8


def settled(*, now: datetime):
    """A condition on Delivery: claims that a claim now would not win (sent, given up, or in
    the hands of a live process)."""
    return ~_claimable(stale_before=now - STALE_AFTER)


def _claimable(*, stale_before):
    """Rows a new claim may take over: failed, or abandoned by a process that died (claimed
    before `stale_before`, a time or a bound parameter)."""
    return or_(
        col(Delivery.state) == DeliveryState.FAILED,
        (col(Delivery.state) == DeliveryState.CLAIMED) & (col(Delivery.claimed_at) < stale_before),
    )


CLAIMS_PER_STATEMENT = 1000


def _claim_statement(dialect) -> Insert:
    """INSERT ... ON CONFLICT DO UPDATE ... WHERE ... RETURNING in `dialect`, with the claim's
    rows and its `stale_before` left to bind."""
    insert = dialect.insert(Delivery)
    return (
        insert.on_conflict_do_update(
            index_elements=["team_id", "kind", "key"],
            set_={
                "state": DeliveryState.CLAIMED,
                "claimed_at": insert.excluded.claimed_at,
                "attempts": Delivery.attempts + 1,
            },
            where=_claimable(stale_before=bindparam("stale_before")),
        )
        .returning(col(Delivery.kind), col(Delivery.key), col(Delivery.id))
        # Sent as multi-row statements of CLAIMS_PER_STATEMENT rows ("insertmanyvalues"): one
        # statement's bound values stay under the databases' limits (32,766 on SQLite, 65,535
        # on PostgreSQL) however many channels or milestones a sweep claims, and the statement
        # is compiled once rather than with every row's values in it, which took longer than
        # running it.
        .execution_options(insertmanyvalues_page_size=CLAIMS_PER_STATEMENT)
    )


# Built once: building it (the conflict's EXCLUDED row, its conditions) cost more than a
# single claim's running it.
_CLAIMS = {"postgresql": _claim_statement(postgresql), "sqlite": _claim_statement(sqlite)}


def claim(session: Session, rows: list[dict]) -> dict[tuple[str, str], int]:
    """Claim `rows` (team_id, kind, key, claimed_at, ...; the same keys in each); return
    {(kind, key): id} of those won.

    One statement per thousand rows: a key claimed and not yet given up, by an earlier run or
    by another process at the same moment, comes back as not won; a failed or abandoned one
    is taken over by exactly one claimant.
    """
    unique = list({(row["team_id"], row["kind"], row["key"]): row for row in rows}.values())
    if not unique:
        return {}
    stale_before = max(row["claimed_at"] for row in unique) - STALE_AFTER
    statement = _CLAIMS[session.get_bind().dialect.name]
    # Every row carries it; the statement takes it from the first.
    unique = [{**row, "stale_before": stale_before} for row in unique]
    found = session.connection().execute(statement, unique)
    return {(kind, key): id_ for kind, key, id_ in found}


def taken(session: Session, keys: list[tuple[str, str, str]], *, now: datetime) -> set[tuple]:
    """Of (team_id, kind, key), those a claim now would not win: sent, given up, or in hand."""
    if not keys:
        return set()
    rows = session.exec(
        select(Delivery.team_id, Delivery.kind, Delivery.key).where(
            tuple_(col(Delivery.team_id), col(Delivery.kind), col(Delivery.key)).in_(keys),
            settled(now=now),
        )
    ).all()
    return set(rows)


_MARK_SENT = (
    update(Delivery.__table__)
    .where(Delivery.__table__.c.id == bindparam("delivery_id"))
    .values(state=DeliveryState.SENT, last_error=None)
)


def mark_sent(session: Session, delivery_id: int, *, now: datetime) -> None:
    session.connection().execute(_MARK_SENT, {"delivery_id": delivery_id, "sent_at": now})


def mark_failed(session: Session, delivery_id: int, *, error: str) -> bool:
    """Record a failed attempt for a later sweep to retry; False when it is given up instead."""
    delivery = session.get(Delivery, delivery_id)
    given_up = delivery.attempts >= MAX_ATTEMPTS
    delivery.state = DeliveryState.DROPPED if given_up else DeliveryState.FAILED
    delivery.last_error = error[:200]
    session.add(delivery)
    return not given_up


def release(session: Session, delivery_id: int) -> None:
    """Give back a claim never tried (the process is stopping): the next sweep sends it."""
    session.execute(
        update(Delivery)
        .where(col(Delivery.id) == delivery_id, col(Delivery.state) == DeliveryState.CLAIMED)
        .values(state=DeliveryState.FAILED, attempts=Delivery.attempts - 1)
    )


def mark_dropped(session: Session, delivery_id: int, *, error: str) -> None:
    """Never to be sent: the channel or the person is gone for good."""
    session.execute(
        update(Delivery)
        .where(col(Delivery.id) == delivery_id)
        .values(state=DeliveryState.DROPPED, last_error=error[:200])
    )


def count_sent(session: Session, *, milestone_id: int, kind: str, due_date) -> int:
    return session.exec(
        select(func.count())
        .select_from(Delivery)
        .where(
            Delivery.milestone_id == milestone_id,
            Delivery.kind == kind,
            Delivery.due_date == due_date,
            col(Delivery.sent_at).is_not(None),
        )
    ).one()


def sent_counts(session: Session, *, kind: str, milestone_ids: list[int]) -> dict[tuple, int]:
    """{(milestone_id, due_date): how many of `kind` were sent} for these milestones."""
    found: dict[tuple, int] = {}
    for start in range(0, len(milestone_ids), CLAIMS_PER_STATEMENT):
        rows = session.exec(
            select(Delivery.milestone_id, Delivery.due_date, func.count())
            .where(
                Delivery.kind == kind,
                col(Delivery.milestone_id).in_(milestone_ids[start : start + CLAIMS_PER_STATEMENT]),
                col(Delivery.sent_at).is_not(None),
            )
            .group_by(Delivery.milestone_id, Delivery.due_date)
        ).all()
        found.update({(milestone_id, due): count for milestone_id, due, count in rows})
    return found


FORGET_PER_STATEMENT = 1000


def forget(session: Session, *, kinds: list[str], before: datetime) -> int:
    """Delete up to FORGET_PER_STATEMENT claims of `kinds` made before `before`, oldest
    first; how many (fewer than FORGET_PER_STATEMENT: none of them is left)."""
    oldest = (
        select(Delivery.id)
        .where(col(Delivery.kind).in_(kinds), col(Delivery.claimed_at) < before)
        .order_by(col(Delivery.claimed_at))
        .limit(FORGET_PER_STATEMENT)
    )
    return session.execute(delete(Delivery).where(col(Delivery.id).in_(oldest))).rowcount
