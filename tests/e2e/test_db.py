"""The database: the schema made on the first start; SQLite in WAL mode with foreign keys, its
log copied back by a thread of its own in the long-running processes."""

import contextlib
import gc
import shutil
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, inspect, text
from sqlmodel import col, select

from bot.runtime import build_runtime
from bot.store.db import checkpoints_of, listed, make_engine, session_scope
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


def _rows_in_the_database_file_alone(tmp_path: Path) -> int:
    """The rows of `scratch` in a copy of bot.db without its write-ahead log: what the
    checkpoints have copied into the database file so far."""
    copy = tmp_path / "copy.db"
    shutil.copyfile(tmp_path / "bot.db", copy)
    try:
        with contextlib.closing(sqlite3.connect(copy)) as connection:
            return connection.execute("SELECT count(*) FROM scratch").fetchone()[0]
    except sqlite3.DatabaseError:  # copied in the middle of a checkpoint, or before any
        return -1
    finally:
        copy.unlink()


def _write_2000_rows(engine) -> None:
    """About 500 pages, in 20 commits: under SQLite's own threshold, so only the thread copies
    them into the database file. Each commit's connection left no checkpoint to itself."""
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE scratch (data BLOB)"))
    for _ in range(20):
        with engine.begin() as connection:
            connection.execute(
                text(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) "
                    "INSERT INTO scratch SELECT randomblob(1000) FROM n"
                )
            )
            assert connection.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 0


def test_a_long_running_process_copies_sqlites_log_back_in_a_thread_of_its_own(tmp_path):
    """No commit copies the write-ahead log back into the database (that is SQLite's default,
    once it passes 1,000 pages); a thread does, soon after the writes."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    migrate(url)
    engine = make_engine(url, checkpoints_apart=True)
    checkpoints = checkpoints_of(engine)
    assert checkpoints is not None and checkpoints.thread.is_alive()
    _write_2000_rows(engine)

    deadline = time.monotonic() + 15
    while _rows_in_the_database_file_alone(tmp_path) != 2000:
        assert time.monotonic() < deadline, "the log was not copied into the database"
        time.sleep(0.05)

    # The thread ends with its engine.
    engine.dispose()
    del engine
    gc.collect()
    checkpoints.thread.join(timeout=5)
    assert not checkpoints.thread.is_alive()


def test_other_engines_leave_the_checkpoints_to_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    migrate(url)
    engine = make_engine(url)

    assert checkpoints_of(engine) is None
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 1000
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
