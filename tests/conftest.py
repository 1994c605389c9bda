"""The fixtures every test may use: databases (SQLite always, PostgreSQL when TEST_DATABASE_URL
is set), the fake Slack Web API, the clock we set, and the bot served over real HTTP. The plain
helpers they are built from live in tests/support."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import hypothesis
import pytest
import yaml

from bot.store import schema
from tests.support.databases import (
    PostgresqlSchema,
    create_database,
    drop_database,
    kept_engine,
    worker_database_url,
)
from tests.support.fakeslack import FakeSlack
from tests.support.harness import (
    APPROVER,
    OTHER,
    OWNER,
    START,
    Clock,
    make_settings,
    running_bot,
)

ROOT = Path(__file__).resolve().parents[1]

# No deadline per example: four test processes share two cores, so an example's time says
# more about its neighbours than about the code (speed is measured by benchmarks/, not here).
hypothesis.settings.register_profile("suite", deadline=None)
hypothesis.settings.load_profile("suite")
# Fewer examples for the property tests while working on them (`pytest tests/unit
# --hypothesis-profile=quick`); `make test` runs them in full.
hypothesis.settings.register_profile(
    "quick", parent=hypothesis.settings.get_profile("suite"), max_examples=10
)


def _database_params() -> list:
    params = [pytest.param("sqlite", id="sqlite")]
    if os.environ.get("TEST_DATABASE_URL"):
        params.append(pytest.param("postgresql", id="postgresql"))
    return params


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated to the head revision once per run, copied for each test (the
    migrations take longer than the copy; tests/e2e/test_migrations.py runs them for real)."""
    path = tmp_path_factory.mktemp("template") / "milestones.db"
    schema.migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgresql_schema() -> Iterator[PostgresqlSchema | None]:
    """TEST_DATABASE_URL's database; under pytest-xdist, each worker's own database beside it
    (`<name>_gw0`, ...), made at the worker's start and dropped at its end."""
    url = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "master")
    if not url or worker == "master":
        yield PostgresqlSchema(url) if url else None
        return
    own = worker_database_url(url, worker)
    create_database(own)
    yield PostgresqlSchema(own)
    drop_database(own)


@pytest.fixture(scope="session")
def sqlite_path(tmp_path_factory) -> Path:
    """Where each test's SQLite database is, the same file for every test of a worker, so that
    the test's engine can be kept (tests/support/databases.py, kept_engine)."""
    return tmp_path_factory.mktemp("database") / "milestones.db"


@pytest.fixture(params=_database_params())
def database_url(request) -> Iterator[str]:
    """A database at the head revision, with no rows. A test that changes its schema (adds a
    trigger, drops a table) is marked `changes_schema`."""
    if request.param == "sqlite":
        path = request.getfixturevalue("sqlite_path")
        # A fresh copy of the template moved into place: whoever still had the last test's
        # file open keeps that file, not this one; the kept engine lets go of it.
        kept_engine(f"sqlite:///{path}").dispose()
        copy = path.with_name("copy.db")
        shutil.copyfile(request.getfixturevalue("sqlite_template"), copy)
        for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
        os.replace(copy, path)
        yield f"sqlite:///{path}"
        return
    postgresql = request.getfixturevalue("postgresql_schema")
    postgresql.fresh()
    yield postgresql.url
    if request.node.get_closest_marker("changes_schema"):
        postgresql.at_head = False


@pytest.fixture(params=_database_params())
def empty_database_url(request, tmp_path) -> str:
    """A database without any table."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'milestones.db'}"
    postgresql = request.getfixturevalue("postgresql_schema")
    postgresql.drop()
    return postgresql.url


@pytest.fixture
def slack():
    fake = FakeSlack().start()
    fake.set_user(OWNER, tz="America/New_York", real_name="Olive Owner")
    fake.set_user(APPROVER, tz="Europe/Paris", real_name="Arun Approver")
    fake.set_user(OTHER, tz="Asia/Tokyo", real_name="Otto Other")
    yield fake
    fake.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def bot(database_url, slack, clock):
    with running_bot(make_settings(database_url, slack), slack, clock) as running:
        yield running


@pytest.fixture(scope="module")
def manifest() -> dict:
    """manifest.yml, as Slack reads it."""
    return yaml.safe_load((ROOT / "manifest.yml").read_text())
