"""The database: the schema made on the first start; SQLite in WAL mode with foreign keys; ids
written into statements."""

import socket
import threading
import time
from datetime import UTC, datetime

from sqlalchemy import delete, inspect, text
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from bot.runtime import build_runtime
from bot.store.db import CONNECT_TIMEOUT_S, listed, make_engine, session_scope
from bot.store.models import Person
from bot.store.schema import migrate
from tests.support.harness import make_settings


def test_tables_are_created_on_the_first_start(empty_database_url, slack):
    runtime = build_runtime(make_settings(empty_database_url, slack))
    tables = set(inspect(runtime.engine).get_table_names())
    runtime.engine.dispose()

    assert {"milestone", "milestoneevent", "person", "channelsettings", "delivery"} <= tables
    assert {"slack_installations", "slack_bots", "slack_oauth_states"} <= tables


def test_sqlite_uses_wal_and_foreign_keys(tmp_path):
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    migrate(url)
    engine = make_engine(url)

    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


HOSTILE_IDS = ["U1' OR '1'='1", "U2\\'; DROP TABLE person; --", 'U3"', "U4%s%(x)s", "U5"]


def test_ids_written_into_a_statement_match_only_themselves(database_url):
    """The sweeps' long lists of ids go into the statement as literals (`listed`): whatever
    an id holds, it is quoted as one value."""
    engine = make_engine(database_url)
    now = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    with session_scope(engine) as session:
        session.add_all(Person(team_id="T1", user_id=user, fetched_at=now) for user in HOSTILE_IDS)
    with session_scope(engine) as session:
        found = session.exec(
            select(Person.user_id).where(col(Person.user_id).in_(listed(HOSTILE_IDS[:4])))
        ).all()
        also = session.exec(
            select(Person.user_id).where(col(Person.user_id).in_(listed(["U1"])))
        ).all()
    with session_scope(engine) as session:
        session.execute(delete(Person).where(col(Person.team_id) == "T1"))
    engine.dispose()

    assert sorted(found) == sorted(HOSTILE_IDS[:4])
    assert also == []


def test_a_postgresql_server_that_never_answers_fails_a_connection_in_seconds():
    """A host that takes the connection and never answers (a hung server, a broken proxy)
    must not hold a request, a sweep or the health check for ever."""
    with socket.create_server(("127.0.0.1", 0)) as silent:  # the kernel accepts; nobody answers
        port = silent.getsockname()[1]
        engine = make_engine(f"postgresql+psycopg://bot@127.0.0.1:{port}/milestones")
        outcome: dict = {}

        def connect() -> None:
            started = time.monotonic()
            try:
                engine.connect()
            except OperationalError as error:
                outcome["error"] = error
            outcome["took"] = time.monotonic() - started

        attempt = threading.Thread(target=connect, daemon=True)
        attempt.start()
        attempt.join(timeout=CONNECT_TIMEOUT_S * 3)
        assert not attempt.is_alive(), "the connection was still waiting"
    engine.dispose()

    assert "error" in outcome
    assert CONNECT_TIMEOUT_S - 1 <= outcome["took"] < CONNECT_TIMEOUT_S * 3
