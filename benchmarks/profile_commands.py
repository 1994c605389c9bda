"""Where a command's time goes: cProfile and SQL statements per request, in one process, no HTTP.

Usage: .venv/bin/python benchmarks/profile_commands.py [--requests 200] [--top 25]
       [--database-url URL] [--only list,add,done,press]

Seeds the database as benchmarks/ack_latency.py does (40 channels, 25 open milestones each),
then sends signed requests straight to the bot's WSGI app (no socket, no waitress) and for each
of `/milestone list`, `/milestone add`, `/milestone done M-n` (as the owner) and a press of
**Mark complete** prints: the median time per request, the answering thread's CPU time and
the process's up to the end of the request's background work, the SQL statements per request
(counted with an engine event, the request's own and its background work's), and the top of
cProfile's table sorted by cumulative time. The background work (announcements) is joined after each
request, outside the profile, so the profile is the request path up to the answer.

`--database-url` DROPS the public schema of that database, like ack_latency.py.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from ack_latency import (  # noqa: E402
    CALLER,
    SECRET,
    TEAM,
    Shape,
    add_text,
    seed,
    signed,
    slash_command,
)


def action_body(channel: str, user: str, value: str, response_url: str) -> str:
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
        "api_app_id": "A111",
        "token": "verification_token",
        "container": {
            "type": "message",
            "message_ts": "1700000000.000100",
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": "1.222.abc",
        "team": {"id": TEAM, "domain": "bench"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "bench"},
        "message": {"type": "message", "ts": "1700000000.000100", "text": "", "blocks": []},
        "response_url": response_url,
        "actions": [
            {
                "action_id": "milestone_complete",
                "block_id": "b1",
                "text": {"type": "plain_text", "text": "Mark complete", "emoji": True},
                "value": value,
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return "payload=" + quote(json.dumps(payload))


def call(wsgi, body: str) -> int:
    data, headers = signed(body)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(data),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(data)),
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[f"HTTP_{key}"] = value
    statuses = []

    def start_response(status, _headers, _exc_info=None):
        statuses.append(int(status.split()[0]))

    body_iter = wsgi(environ, start_response)
    try:
        b"".join(body_iter)
    finally:
        if hasattr(body_iter, "close"):
            body_iter.close()
    return statuses[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--database-url")
    parser.add_argument("--only", default="list,add,done,press")
    parser.add_argument(
        "--time-only", action="store_true", help="no profiler: the median time per request"
    )
    parser.add_argument(
        "--show-sql", action="store_true", help="print the statements of each kind's last request"
    )
    parser.add_argument("--dump", help="a folder to write each profile to (<kind>.prof)")
    args = parser.parse_args()

    from seeding import fresh_engine
    from sqlalchemy import event, select
    from sqlmodel import Session

    from bot.app import build_app
    from bot.config import load_settings
    from bot.runtime import build_runtime
    from bot.server import make_wsgi_app
    from bot.store.models import Milestone, Status
    from tests.support.fakeslack import FakeSlack

    slack = FakeSlack().start()
    slack.set_user(CALLER, tz="UTC")
    database_url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/profile.db"
    engine = fresh_engine(database_url)
    now = datetime.now(UTC)
    today = now.date()
    seeded = seed(engine, Shape(), today, now)
    engine.dispose()

    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.base_url,
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "WARNING",
        }
    )
    runtime = build_runtime(settings)
    wsgi = make_wsgi_app(build_app(runtime), runtime.engine)
    statements: Counter[str] = Counter()
    last: list[str] = []

    @event.listens_for(runtime.engine, "before_cursor_execute")
    def count(_conn, _cursor, statement, _params, _context, _many):
        statements[statement.split(None, 1)[0].upper()] += 1
        last.append(" ".join(statement.split())[:160])

    with Session(runtime.engine) as session:
        owned = session.exec(
            select(Milestone.id, Milestone.channel_id, Milestone.owner_id, Milestone.revision)
            .where(Milestone.status == Status.OPEN)
            .order_by(Milestone.id)
        ).all()
    rng = random.Random(5)
    rng.shuffle(owned)
    for_done, for_press = owned[: len(owned) // 2], owned[len(owned) // 2 :]

    def bodies(kind: str, count: int) -> list[str]:
        if kind == "list":
            return [slash_command(rng.choice(seeded.channels), "list") for _ in range(count)]
        if kind == "add":
            channels = [rng.choice(seeded.channels) for _ in range(count)]
            return [slash_command(c, add_text(rng, seeded, c, today)) for c in channels]
        rows = for_done if kind == "done" else for_press
        chosen, rows[:] = rows[:count], rows[count:]
        if kind == "done":
            return [
                slash_command(channel, f"done M-{id_}").replace(
                    f"user_id={CALLER}", f"user_id={owner}"
                )
                for id_, channel, owner, _ in chosen
            ]
        return [
            action_body(channel, owner, f"{id_}:{rev}", slack.response_url("action"))
            for id_, channel, owner, rev in chosen
        ]

    for kind in args.only.split(","):
        for body in bodies(kind, 20):  # warm up
            assert call(wsgi, body) == 200
            runtime.background.join(timeout=60)
        work = bodies(kind, args.requests)
        profile = cProfile.Profile()
        statements.clear()
        spent, cpu, all_cpu = [], [], []
        for body in work:
            process_started = time.process_time()
            started, cpu_started = time.perf_counter(), time.thread_time()
            if not args.time_only:
                profile.enable()
            status = call(wsgi, body)
            if not args.time_only:
                profile.disable()
            spent.append(time.perf_counter() - started)
            answered = len(last)
            cpu.append(time.thread_time() - cpu_started)
            assert status == 200, status
            runtime.background.join(timeout=60)
            # The whole process's: the answer, its background work, and what else the bot's
            # threads did meanwhile (the fake Slack runs in this process too).
            all_cpu.append(time.process_time() - process_started)
            if body is not work[-1]:
                last.clear()
        if args.show_sql:
            print("\n".join(["answer:", *last[:answered], "after the answer:", *last[answered:]]))
        per = {verb: n / len(work) for verb, n in statements.most_common()}
        median, on_cpu = statistics.median(spent) * 1000, statistics.median(cpu) * 1000
        with_background = statistics.median(all_cpu) * 1000
        print(
            f"\n=== {kind}: median {median:.2f} ms per request ({on_cpu:.2f} ms CPU; "
            f"{with_background:.2f} ms with its background work and the fake Slack), ",
            end="",
        )
        sql = ", ".join(f"{verb} {n:.1f}" for verb, n in per.items())
        print(f"SQL per request incl. background: {sql}")
        if args.time_only:
            continue
        if args.dump:
            profile.dump_stats(Path(args.dump) / f"{kind}.prof")
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.sort_stats("cumulative").print_stats(args.top)
        print("\n".join(out.getvalue().splitlines()[6:]))
    runtime.background.shutdown()
    slack.stop()


if __name__ == "__main__":
    main()
