"""The database engine and sessions; SQLite gets WAL, foreign keys and a busy timeout.

A transaction begun while answering a Slack request (`answering_request`) waits at most
REQUEST_LOCK_WAIT_MS for another's lock, and on PostgreSQL each of its statements at most
REQUEST_STATEMENT_MS: the person is told to try again well inside the 3 seconds Slack waits
for the answer. Sweeps and background work, with nobody waiting, wait longer.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session, create_engine

from bot.store import models  # noqa: F401  (registers the tables on SQLModel.metadata)

# The longest a transaction waits for a lock held by another, in milliseconds: in front of a
# person, and elsewhere. The request's limits leave room for a quick Slack call before it.
REQUEST_LOCK_WAIT_MS = 1500
REQUEST_STATEMENT_MS = 2000
BACKGROUND_LOCK_WAIT_MS = 15000

# Set in the thread answering a Slack request; background work runs in threads of its own.
_answering = threading.local()


@contextmanager
def answering_request() -> Iterator[None]:
    """Transactions begun in this thread during the block wait only briefly for locks."""
    before = getattr(_answering, "active", False)
    _answering.active = True
    try:
        yield
    finally:
        _answering.active = before


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": BACKGROUND_LOCK_WAIT_MS / 1000},
        )
        event.listen(engine, "connect", _configure_sqlite)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    event.listen(engine, "begin", _limit_waits)
    return engine


def _configure_sqlite(dbapi_connection, record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BACKGROUND_LOCK_WAIT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    record.info["busy_timeout"] = BACKGROUND_LOCK_WAIT_MS


def _limit_waits(connection: Connection) -> None:
    """At the start of each transaction: short waits when a person waits for the answer."""
    answering = getattr(_answering, "active", False)
    if connection.dialect.name == "sqlite":
        # SQLite's busy timeout belongs to the connection, which the pool lends to requests
        # and sweeps in turn: set it when it is not the one this transaction needs.
        wait = REQUEST_LOCK_WAIT_MS if answering else BACKGROUND_LOCK_WAIT_MS
        if connection.info.get("busy_timeout") != wait:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={wait}")
            connection.info["busy_timeout"] = wait
    elif answering:
        # Local to the transaction: the connection goes back to the pool without them.
        connection.exec_driver_sql(
            f"SELECT set_config('lock_timeout', '{REQUEST_LOCK_WAIT_MS}ms', true), "
            f"set_config('statement_timeout', '{REQUEST_STATEMENT_MS}ms', true)"
        )


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# PostgreSQL's codes for a lock or statement that ran out of time (lock_timeout,
# statement_timeout).
_TIMED_OUT = {"55P03", "57014"}


def waited_too_long(error: BaseException) -> bool:
    """Whether `error` is a transaction giving up on a lock another one held, or on a statement
    past its time limit: the database was busy, not broken."""
    if not isinstance(error, OperationalError):
        return False
    if isinstance(error.orig, sqlite3.OperationalError):
        return "locked" in str(error.orig) or "busy" in str(error.orig)
    return getattr(error.orig, "sqlstate", None) in _TIMED_OUT
