"""`milestone-bot` in a process of its own, forked from one that has imported the bot already.

Starting the console script costs about a second of CPU, nearly all of it importing SQLAlchemy,
Bolt, Alembic and the bot; the suite starts the bot a few hundred times. Python's forkserver
imports them once per test worker (PRELOADED below) and forks every start from it:
each start is still a process of its own, with its own pid, environment, working folder, output
files, signals and exit status, running the console script's `bot.cli.main` with the same
arguments. What it skips is the interpreter's start and the imports; tests/e2e/test_deployment.py
and `python -m bot` in test_cli.py run the installed script itself.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

import bot.cli

# What `milestone-bot` commands import, imported once in the forkserver. By name, not through
# this module: the forkserver starts in the folder the test worker is in at that moment (a test
# may have moved into its tmp_path), where `tests` may not be importable, and Python drops a
# preload that fails to import without a word. Each child imports this module when it starts,
# with the worker's sys.path; with the bot already imported, that is quick.
PRELOADED = [
    "bot.app",
    "bot.cli",
    "bot.delivery.scheduler",
    "bot.render.chart",
    "bot.server",
    "bot.store.schema",
    "psycopg",
]
_FORKSERVER = multiprocessing.get_context("forkserver")
_FORKSERVER.set_forkserver_preload(PRELOADED)


def _as_the_console_script(
    program: str, args: list[str], cwd: str, env: dict[str, str], stdout: str, stderr: str
) -> None:
    """The child: what the console script does, in the environment and folder it was given.

    Output goes to the two files in append mode, as Python sets up its streams when they are
    files: stdout fully buffered, stderr line-buffered."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    time.tzset()
    for fd, path in ((1, stdout), (2, stderr)):
        opened = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.dup2(opened, fd)
        os.close(opened)
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding="utf-8"
    )
    sys.stderr = io.TextIOWrapper(
        io.BufferedWriter(io.FileIO(2, "w", closefd=False)),
        encoding="utf-8",
        errors="backslashreplace",
        line_buffering=True,
    )
    sys.argv = [program, *args]
    # multiprocessing turns SystemExit into the exit status, as the interpreter does.
    sys.exit(bot.cli.main())


class Started:
    """The parts of subprocess.Popen the tests use, for a forked start."""

    def __init__(
        self,
        program: str,
        args: list[str],
        *,
        cwd: Path,
        env: dict[str, str],
        stdout: Path,
        stderr: Path,
    ) -> None:
        self.args = [program, *args]
        self._process = _FORKSERVER.Process(
            target=_as_the_console_script,
            args=(program, list(args), str(cwd), dict(env), str(stdout), str(stderr)),
            # Stopped (SIGTERM) should a test leave it running, instead of awaited forever.
            daemon=True,
        )
        self._process.start()
        self.pid = self._process.pid

    @property
    def returncode(self) -> int | None:
        return self._process.exitcode

    def poll(self) -> int | None:
        return self._process.exitcode

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired(self.args, timeout)
        return self._process.exitcode

    def send_signal(self, signal_number: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signal_number)

    def kill(self) -> None:
        self._process.kill()
