"""What a fresh schema costs each database test: create_all (before migrations), the
migrations themselves, and what the test fixtures do instead (copy a migrated SQLite file;
empty a migrated PostgreSQL schema), each followed by the start-up check at head.

Usage: .venv/bin/python benchmarks/schema_setup.py [--rounds 30] [--database-url URL]

Without --database-url, SQLite files in a temporary folder; with a PostgreSQL URL, that
database's public schema is dropped and made again (use a scratch database).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from bot.config import normalize_database_url  # noqa: E402
from bot.store import schema  # noqa: E402
from bot.store.db import make_engine  # noqa: E402
from bot.store.tables import all_metadata  # noqa: E402
from tests.support.databases import PostgresqlSchema  # noqa: E402


def measure(rounds: int, prepare_round: Callable[[int], None], work: Callable[[int], None]):
    """Median and maximum of `work`, in milliseconds, each round after `prepare_round`."""
    timings = []
    for round_number in range(rounds):
        prepare_round(round_number)
        started = time.perf_counter()
        work(round_number)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), max(timings)


def create_all(url: str) -> None:
    engine = make_engine(url)
    for metadata in all_metadata():
        metadata.create_all(engine)
    engine.dispose()


def sqlite_rows(folder: Path, rounds: int) -> list[tuple[str, float, float]]:
    def url(name: str, round_number: int) -> str:
        return f"sqlite:///{folder / f'{name}{round_number}.db'}"

    template = folder / "template.db"
    schema.migrate(f"sqlite:///{template}")

    def copy_and_check(round_number: int) -> None:
        copy = folder / f"copy{round_number}.db"
        shutil.copyfile(template, copy)
        schema.prepare(f"sqlite:///{copy}")

    def nothing(_round: int) -> None:
        pass

    return [
        (
            "create_all (before migrations)",
            *measure(rounds, nothing, lambda n: create_all(url("all", n))),
        ),
        (
            "the migrations, on an empty file",
            *measure(rounds, nothing, lambda n: schema.migrate(url("mig", n))),
        ),
        (
            "copy of a migrated file + start-up check (the fixtures)",
            *measure(rounds, nothing, copy_and_check),
        ),
    ]


def postgresql_rows(url: str, rounds: int) -> list[tuple[str, float, float]]:
    def drop(_round: int = 0) -> None:
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()

    def nothing(_round: int) -> None:
        pass

    tables = ", ".join(
        table.name for metadata in all_metadata() for table in metadata.tables.values()
    )

    def truncate_and_check(_round: int) -> None:
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        schema.prepare(url)

    fixtures = PostgresqlSchema(url)

    def delete_and_check(_round: int) -> None:
        fixtures.fresh()
        schema.prepare(url)

    rows = [
        (
            "create_all on an empty schema (before migrations)",
            *measure(rounds, drop, lambda _n: create_all(url)),
        ),
        (
            "the migrations, on an empty schema",
            *measure(rounds, drop, lambda _n: schema.migrate(url)),
        ),
    ]
    fixtures.fresh()  # migrated once, as in a test run
    rows += [
        ("TRUNCATE every table + start-up check", *measure(rounds, nothing, truncate_and_check)),
        (
            "DELETE from every table, restart sequences + start-up check (the fixtures)",
            *measure(rounds, nothing, delete_and_check),
        ),
    ]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--database-url", help="a scratch PostgreSQL database")
    args = parser.parse_args()
    if args.database_url:
        rows = postgresql_rows(normalize_database_url(args.database_url), args.rounds)
    else:
        with tempfile.TemporaryDirectory() as folder:
            rows = sqlite_rows(Path(folder), args.rounds)
    print(f"| per test ({args.rounds} rounds) | median | max |")
    print("| --- | --- | --- |")
    for label, median, worst in rows:
        print(f"| {label} | {median:.1f} ms | {worst:.1f} ms |")


if __name__ == "__main__":
    main()
