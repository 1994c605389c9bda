"""The database engine and sessions; SQLite gets WAL, foreign keys and a busy timeout.

A connection taken while answering a Slack request (`answering_request`) waits at most
REQUEST_LOCK_WAIT_MS for another's lock, and on PostgreSQL each of its statements at most
REQUEST_STATEMENT_MS: the person is told to try again well inside the 3 seconds Slack waits
for the answer. Sweeps and background work, with nobody waiting, wait longer. The waits are
set when the pool lends a connection, and only when they change from its last borrower's.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import bindparam, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import Session, create_engine

from bot.store import models  # noqa: F401  (registers the tables on SQLModel.metadata)

# The longest a transaction waits for a lock held by another, in milliseconds: in front of a
# person, and elsewhere. The request's limits leave room for a quick Slack call before it.
REQUEST_LOCK_WAIT_MS = 1500
REQUEST_STATEMENT_MS = 2000
BACKGROUND_LOCK_WAIT_MS = 15000
# On PostgreSQL, how long a new connection may take (libpq's connect_timeout), unless
# DATABASE_URL sets its own.
CONNECT_TIMEOUT_S = 5
# On SQLite, how long a background writer lets the requests' writers go before it.
BACKGROUND_YIELDS_MS = 50

# Set in the thread answering a Slack request; background work runs in threads of its own.
_answering = threading.local()


@contextmanager
def answering_request() -> Iterator[None]:
    """Connections taken in this thread during the block wait only briefly for locks."""
    before = getattr(_answering, "active", False)
    _answering.active = True
    try:
        yield
    finally:
        _answering.active = before


def listed(values: Iterable[str]) -> BindParameter:
    """`values` (ids read from the database) for an IN, written into the statement when it
    runs rather than bound one by one: psycopg parses every placeholder of a statement again
    each time it runs one too long for its cache, and a sweep's lists hold hundreds of ids."""
    return bindparam(None, list(values), expanding=True, literal_execute=True)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": BACKGROUND_LOCK_WAIT_MS / 1000},
        )
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "checkout", _sqlite_waits)
        WriterTurns(engine)
    else:
        # No pool_pre_ping: the checkout below is the ping (a restarted PostgreSQL costs no
        # failed command), and sets the waits in the same round trip. A server out of reach
        # fails a connection after CONNECT_TIMEOUT_S rather than the minutes TCP would take
        # (or never, behind a host that accepts and never answers), unless the URL says.
        given = make_url(url).query
        timeout = {} if "connect_timeout" in given else {"connect_timeout": CONNECT_TIMEOUT_S}
        engine = create_engine(url, pool_size=10, max_overflow=10, connect_args=timeout)
        event.listen(engine, "checkout", _postgresql_waits)
    return engine


def _configure_sqlite(dbapi_connection, record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BACKGROUND_LOCK_WAIT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    record.info[_WAITS] = BACKGROUND_LOCK_WAIT_MS


# The key in a pooled connection's info of the waits it was last given.
_WAITS = "waits"


def _sqlite_waits(dbapi_connection, record: ConnectionPoolEntry, _proxy) -> None:
    """At checkout: the busy timeout of the thread taking the connection, which the pool lends
    to requests and sweeps in turn; set (straight through the driver) only when it changes."""
    wait = REQUEST_LOCK_WAIT_MS if getattr(_answering, "active", False) else BACKGROUND_LOCK_WAIT_MS
    if record.info.get(_WAITS) != wait:
        dbapi_connection.execute(f"PRAGMA busy_timeout={wait}")
        record.info[_WAITS] = wait


class WriterTurns:
    """SQLite takes one writer at a time; this engine's writers take turns in the process
    rather than in SQLite's busy handler, and requests' writers go first.

    The busy handler sleeps between its tries (1, 2, 5, 10, 15, 20, 25 ms and more), so a
    write that finds another's transaction open waits milliseconds for a lock held a fraction
    of one: a request's insert behind an announcement's update, announcements behind each other.
    Here a transaction takes its turn at its first write (when the driver begins it) and gives
    it back when it commits or rolls back, or its connection goes back to the pool or is
    closed; the next writer goes on at once. A writer answering a request goes before the
    background's waiting writers, which let requests go first for at most
    BACKGROUND_YIELDS_MS, so that a stream of requests cannot hold them back for long. A writer
    waits for its turn as long as it would wait for SQLite's lock, and then fails as SQLite
    would ("database is locked"). Writers in other processes still meet in SQLite's busy
    handler.
    """

    def __init__(self, engine: Engine) -> None:
        self._condition = threading.Condition()
        self._holder: int | None = None  # the raw connection whose transaction writes
        self._requests_waiting = 0
        dialect = engine.dialect
        commit, rollback = dialect.do_commit, dialect.do_rollback

        def do_commit(dbapi_connection) -> None:
            try:
                commit(dbapi_connection)
            finally:
                self.give_back(dbapi_connection)

        def do_rollback(dbapi_connection) -> None:
            try:
                rollback(dbapi_connection)
            finally:
                self.give_back(dbapi_connection)

        dialect.do_commit, dialect.do_rollback = do_commit, do_rollback
        event.listen(engine, "before_cursor_execute", self._take)
        for ending in ("checkin", "invalidate", "close", "close_detached"):
            event.listen(engine.pool, ending, self._given_back_at_end)

    def _take(self, connection, cursor, statement: str, *_args) -> None:
        raw = id(cursor.connection)
        if self._holder == raw or not statement.lstrip()[:7].upper().startswith(_WRITES):
            return
        answering = getattr(_answering, "active", False)
        started = time.monotonic()
        give_up = started + (REQUEST_LOCK_WAIT_MS if answering else BACKGROUND_LOCK_WAIT_MS) / 1000
        stop_yielding = started + BACKGROUND_YIELDS_MS / 1000
        with self._condition:
            self._requests_waiting += answering
            try:
                while True:
                    now = time.monotonic()
                    yielding = not answering and self._requests_waiting and now < stop_yielding
                    if self._holder is None and not yielding:
                        self._holder = raw
                        return
                    if now >= give_up:
                        raise sqlite3.OperationalError("database is locked")
                    until = min(give_up, stop_yielding) if yielding else give_up
                    self._condition.wait(until - now)
            finally:
                self._requests_waiting -= answering

    def give_back(self, dbapi_connection) -> None:
        raw = id(getattr(dbapi_connection, "dbapi_connection", dbapi_connection))
        with self._condition:
            if self._holder == raw:
                self._holder = None
                self._condition.notify_all()

    def _given_back_at_end(self, dbapi_connection, *_args) -> None:
        if dbapi_connection is not None:
            self.give_back(dbapi_connection)


# The statements before which the driver begins a transaction: the ones that write.
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


# For a request: short waits. Elsewhere: the server's own settings (none, by default).
_REQUEST_WAITS = (
    f"SELECT set_config('lock_timeout', '{REQUEST_LOCK_WAIT_MS}ms', false), "
    f"set_config('statement_timeout', '{REQUEST_STATEMENT_MS}ms', false)"
)
_SERVER_WAITS = (
    "SELECT set_config(name, reset_val, false) FROM pg_settings "
    "WHERE name IN ('lock_timeout', 'statement_timeout')"
)


def _postgresql_waits(dbapi_connection, record: ConnectionPoolEntry, _proxy) -> None:
    """At checkout, one round trip that both checks the connection is alive (a dead one is
    replaced, as pool_pre_ping would) and gives it the waits of the thread taking it: the
    request's limits, or back to the server's. Set for the session, in autocommit, so that a
    transaction rolled back later does not undo them; the next checkout sets them again."""
    answering = getattr(_answering, "active", False)
    statement = "SELECT 1"
    if record.info.get(_WAITS) != answering:
        statement = _REQUEST_WAITS if answering else _SERVER_WAITS
    autocommit = dbapi_connection.autocommit
    try:
        dbapi_connection.autocommit = True
        with dbapi_connection.cursor() as cursor:
            cursor.execute(statement)
        dbapi_connection.autocommit = autocommit
    except Exception as error:
        record.info.pop(_WAITS, None)
        raise DisconnectionError(f"the connection did not answer: {error}") from error
    record.info[_WAITS] = answering


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection for reads, its statements in no transaction. On PostgreSQL that spares the
    BEGIN and ROLLBACK round trips, and each statement sees what was committed when it began,
    as it would in the READ COMMITTED transaction otherwise opened; SQLite's driver begins no
    transaction for reads anyway."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection


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
