"""The bot as an operator runs it: `milestone-bot` in a process of its own, with a controlled
environment and working folder, and milestones put straight into its database beforehand.

`milestone-bot` is started through tests/support/launcher.py (forked from a process that has
imported the bot); any other program, such as gunicorn, with subprocess."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

import requests

from bot.domain import channels, milestones
from bot.store.db import make_engine, session_scope
from bot.store.schema import migrate
from tests.support.launcher import Started

# The console script installed beside this Python (pip install -e '.[test]').
MILESTONE_BOT = str(Path(sys.executable).with_name("milestone-bot"))
STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0


# A process runs on the wall clock: unless a test says otherwise, whenever it runs is working
# time, so that its reminders and statuses do not depend on the hour or day the suite runs.
AROUND_THE_CLOCK = {"WORKING_HOURS": "00:00-24:00", "WORKING_DAYS": "mon-sun"}


def environment(home: Path, **settings: str) -> dict[str, str]:
    """Only what a shell gives every program, working time around the clock, plus
    `settings`: no stray SLACK_* variables."""
    return {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(home),
        **AROUND_THE_CLOCK,
        **settings,
    }


def run(
    *args: str, cwd: Path, env: dict[str, str], timeout: float = 30.0
) -> subprocess.CompletedProcess:
    """`milestone-bot <args>` to its end, as subprocess.run(capture_output=True, text=True)."""
    with tempfile.TemporaryDirectory(prefix="milestone-bot-output-") as kept:
        stdout, stderr = Path(kept) / "stdout", Path(kept) / "stderr"
        started = Started(MILESTONE_BOT, list(args), cwd=cwd, env=env, stdout=stdout, stderr=stderr)
        try:
            returncode = started.wait(timeout)
        except subprocess.TimeoutExpired:
            started.kill()
            started.wait()
            raise
        return subprocess.CompletedProcess(started.args, returncode, _read(stdout), _read(stderr))


def run_installed(
    *args: str, cwd: Path, env: dict[str, str], timeout: float = 30.0
) -> subprocess.CompletedProcess:
    """`milestone-bot <args>` through the installed console script: a new interpreter."""
    return subprocess.run(
        [MILESTONE_BOT, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def _read(path: Path) -> str:
    """What the process wrote, as subprocess's text mode gives it (universal newlines)."""
    return path.read_text(encoding="utf-8") if path.exists() else ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def closed_port() -> Iterator[int]:
    """A local port nothing answers on for the block: bound here and never listening, so
    connecting is refused at once, and no server of a test running beside this one can take
    it (a port found free and let go could be, and then hold the connection unanswered)."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        yield holder.getsockname()[1]


def _output_file(path: Path):
    """An empty file the process writes to and the test reads while it runs. The two share the
    file's offset, so the process writes in append mode: a test reading from the start moves
    the offset back without making the process write over what it wrote before."""
    path.write_text("")
    return path.open("a+")


class BotProcess:
    """`milestone-bot <args>` (or another `program`, such as gunicorn) running in the
    background; its output is kept in files."""

    def __init__(
        self,
        *args: str,
        cwd: Path,
        env: dict[str, str],
        program: str = MILESTONE_BOT,
        forked: bool = True,
    ) -> None:
        """`forked`: `milestone-bot` forked from the test worker's forkserver, its imports done
        (tests/support/launcher.py); otherwise the console script in an interpreter of its own,
        as a deployment starts it (for measuring its memory)."""
        self.url = f"http://127.0.0.1:{env.get('PORT', '3000')}"
        self._stdout = _output_file(cwd / "bot.stdout")
        self._stderr = _output_file(cwd / "bot.stderr")
        if program == MILESTONE_BOT and forked:
            self.process = Started(
                program,
                list(args),
                cwd=cwd,
                env=env,
                stdout=self._stdout.name,
                stderr=self._stderr.name,
            )
        else:
            self.process = subprocess.Popen(
                [program, *args],
                cwd=cwd,
                env=env,
                stdout=self._stdout,
                stderr=self._stderr,
                text=True,
            )

    def wait_until_healthy(self) -> requests.Response:
        """Poll GET /healthz (serve) until the bot answers; fail if it exits or takes too long.

        A check that gets no answer in 2 s is asked again: the port takes connections as soon
        as it is bound, before the process serves them, and its first sweeps start with it."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            try:
                return requests.get(f"{self.url}/healthz", timeout=2)
            except (requests.ConnectionError, requests.Timeout):
                if self.process.poll() is not None:
                    raise AssertionError(
                        f"the bot exited with {self.process.returncode}: {self.output()}"
                    ) from None
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"the bot did not answer in {STARTUP_TIMEOUT}s: {self.output()}"
                    ) from None
                time.sleep(0.05)

    def terminate(self) -> int:
        """SIGTERM, as Docker and systemd send it; the exit status."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(
                f"the bot did not stop within {STOP_TIMEOUT}s of SIGTERM: {self.output()}"
            ) from None

    def output(self) -> str:
        self._stdout.seek(0)
        self._stderr.seek(0)
        return f"stdout:\n{self._stdout.read()}\nstderr:\n{self._stderr.read()}"

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._stdout.close()
        self._stderr.close()

    def __enter__(self) -> BotProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def declare_milestone(
    database_url: str,
    *,
    team_id: str,
    channel_id: str,
    owner_id: str,
    title: str,
    due_date: date,
) -> str:
    """A milestone declared through the service, as if on the day before `due_date`, its
    channel card posted then; the database is migrated first."""
    migrate(database_url)
    engine = make_engine(database_url)
    try:
        declared_on = min(due_date, datetime.now(UTC).date()) - timedelta(days=1)
        with session_scope(engine) as session:
            change = milestones.declare(
                session,
                team_id=team_id,
                channel_id=channel_id,
                creator_id=owner_id,
                title=title,
                due_date=due_date,
                owner_id=owner_id,
                approver_id=None,
                today=declared_on,
                now=datetime.combine(declared_on, clock_time(12), tzinfo=UTC),
            )
            session.flush()
            milestones.record_announcement(
                session, milestone_id=change.milestone.id, ts="1700000000.000100", shown_health=None
            )
            return change.milestone.reference
    finally:
        engine.dispose()


def schedule_digest(database_url: str, *, team_id: str, channel_id: str, at: datetime) -> None:
    """Make the channel's weekly status fall on `at`'s weekday and minute, in UTC."""
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            channels.update_digest(
                session,
                team_id=team_id,
                channel_id=channel_id,
                enabled=True,
                weekday=at.weekday(),
                at=at.astimezone(UTC).time().replace(second=0, microsecond=0),
                timezone="UTC",
            )
    finally:
        engine.dispose()


def refusal_line(result) -> str:
    """The one line a refused start ends with: exit status 2, no traceback. Libraries may log
    before it (retries, failed calls), so it is the last line of stderr."""
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr, result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("milestone-bot: ")
    return line
