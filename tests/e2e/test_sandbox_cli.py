"""`milestone-bot sandbox` and `make run`: without Slack settings a newcomer gets the sandbox;
with them, the bot as before; the sandbox never uses Slack's settings."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import requests

from bot.sandbox.server import ClockMove
from tests.support.botprocess import MILESTONE_BOT, environment, refusal_line, run
from tests.support.browsing import running_sandbox

ROOT = Path(__file__).resolve().parents[2]
URL_LINE = re.compile(r"open (http://127\.0\.0\.1:\d+)/")


class Started:
    """A program started in a session of its own, stopped with SIGTERM to that session."""

    def __init__(self, command: list[str], *, cwd: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []

    def url(self) -> str:
        """The URL from the sandbox's line (the lines before it are kept in `lines`)."""
        for line in self.process.stdout:
            self.lines.append(line)
            if found := URL_LINE.search(line):
                return found.group(1)
        raise AssertionError(f"no URL printed: {self.lines}")

    def stop(self) -> int:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        return self.process.wait(timeout=20)


def make_folder(tmp_path: Path) -> Path:
    """A folder with the Makefile and this checkout's .venv (already installed): a clone's."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    return tmp_path


def make_run(*args: str) -> list[str]:
    # -o: the .venv is installed already; do not check the runtime lock again.
    return ["make", "-s", "-o", ".venv/.installed", "run", *args]


def test_make_run_without_slack_settings_starts_the_sandbox_and_serves_the_page(tmp_path):
    folder = make_folder(tmp_path)
    env = environment(folder)
    started = Started(make_run("SANDBOX_ARGS=--port 0"), cwd=folder, env=env)
    try:
        url = started.url()
        page = requests.get(url + "/", timeout=10)
        state = requests.get(url + "/sandbox/state?as=U0ALEX&wait=0", timeout=10).json()
    finally:
        started.stop()  # make itself ends by the signal, its sandbox by stopping

    assert "connect to real Slack" in "".join(started.lines)
    assert page.status_code == 200
    assert "<title>Milestones sandbox</title>" in page.text
    titles = [m["text"] for m in state["conversations"]["C0LAUNCH"]]
    assert len(titles) == 5 and "App Store submission" in " ".join(titles)
    assert (folder / "sandbox.db").exists()


def test_make_run_with_a_bot_token_in_dotenv_runs_the_bot_which_refuses_without_its_secret(
    tmp_path,
):
    folder = make_folder(tmp_path)
    (folder / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\n")
    result = subprocess.run(
        make_run(),
        cwd=folder,
        env=environment(folder),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "sandbox" not in result.stdout
    refusals = [line for line in result.stderr.splitlines() if line.startswith("milestone-bot: ")]
    assert len(refusals) == 1 and "SLACK_SIGNING_SECRET" in refusals[0], result.stderr


def test_milestone_bot_serve_still_refuses_to_start_without_settings(tmp_path):
    line = refusal_line(run("serve", cwd=tmp_path, env=environment(tmp_path)))
    assert "SLACK_BOT_TOKEN" in line


def test_the_sandbox_ignores_slack_settings_and_starts_empty_when_asked(tmp_path):
    # Settings that would fail at once if they were used: nothing listens on port 9.
    env = environment(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-real-looking",
        SLACK_CLIENT_ID="123.456",
        SLACK_API_URL="http://127.0.0.1:9/api/",
    )
    command = [MILESTONE_BOT, "sandbox", "--port", "0", "--empty", "--db", "empty.db"]
    started = Started(command, cwd=tmp_path, env=env)
    try:
        url = started.url()
        state = requests.get(url + "/sandbox/state?as=U0ALEX&wait=0", timeout=10).json()
    finally:
        status = started.stop()
    assert started.lines == [started.lines[-1]]  # one line: the URL
    assert state["conversations"]["C0LAUNCH"] == []
    assert status == 0


def test_reset_starts_the_sandbox_over(tmp_path):
    (tmp_path / "sandbox.db").write_text("not a database")
    started = Started(
        [MILESTONE_BOT, "sandbox", "--port", "0", "--reset"],
        cwd=tmp_path,
        env=environment(tmp_path),
    )
    try:
        url = started.url()
        state = requests.get(url + "/sandbox/state?as=U0ALEX&wait=0", timeout=10).json()
    finally:
        started.stop()
    assert len(state["conversations"]["C0LAUNCH"]) == 5


def test_a_port_in_use_stops_the_sandbox_with_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("sandbox", "--port", str(port), cwd=tmp_path, env=environment(tmp_path))
    line = refusal_line(result)
    assert str(port) in line and "--port" in line


def test_sandbox_help_describes_each_option(tmp_path):
    result = run("sandbox", "--help", cwd=tmp_path, env=environment(tmp_path))
    assert result.returncode == 0
    for option in ["--port", "--open", "--empty", "--reset", "--db"]:
        assert option in result.stdout
    assert "never reads the SLACK_* settings" in " ".join(result.stdout.split())


def test_a_restart_keeps_the_cards_and_the_clock_and_the_cards_still_change(tmp_path):
    with running_sandbox(tmp_path) as sandbox:
        moved = sandbox.move_clock(ClockMove.DAY)
    with running_sandbox(tmp_path) as sandbox:
        assert sandbox.clock() >= moved
        sandbox.command("U0LEE", "C0LAUNCH", "done M-3")
        cards = sandbox.world.seen_by("U0LEE")["conversations"]["C0LAUNCH"]

    # The milestones' cards: a day on from the real clock may also have brought the weekly
    # status (on a Sunday after 09:00), which is not what this test is about.
    milestone_cards = [
        card for card in cards if not card.get("only") and card["text"] != "Weekly milestone status"
    ]
    assert len(milestone_cards) == 5
    [payments] = [card for card in cards if "M-3" in card["text"]]
    assert payments["text"] == "Milestone M-3 reached: Payments provider contract signed"
    assert any(reply["text"].startswith(":tada: M-3 reached") for reply in payments["replies"])
