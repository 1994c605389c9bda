"""Command latency and throughput: the bot against two bare Bolt apps, on the same server stack.

Usage: .venv/bin/python benchmarks/ack_latency.py [--runs 5] [--requests 400] [--database-url URL]
       [--open-per-channel 25]

Each run is a fresh process (so runs do not share caches, threads or a warmed interpreter):
it starts a fake Slack Web API (tests/support/fakeslack.py) and a load generator, each in a process
of its own so neither competes with the bot for its interpreter; fills the database with a
realistic mix (see `seed`); then serves, in the run's process, each on waitress with 8
threads as `milestone-bot serve` does:

- the bot (`/milestone list` and `/milestone add`),
- a bare Bolt app with Bolt's defaults, whose listener only acks (Bolt polls for the ack
  every 10 ms),
- a bare Bolt app acking inline (`process_before_response=True`).

For each it sends signed slash commands one at a time (median and p99 time to the HTTP
answer), then with 8 concurrent clients (requests per second, and the latencies under that
load); and `add` once more, one request every 25 ms. Then the inline bare app, `list` and
`add` again, each served by two processes sharing one listening socket (as two
`milestone-bot serve --no-scheduler` replicas behind a load balancer, the kernel handing each
connection to one of them), loaded by two load generators of 4 clients each: requests per
second. The tables printed at the end give, for each figure, the median over the runs, and
which of the issue's targets are met.

`--database-url` runs against that database instead of a fresh SQLite file: its public schema
is DROPPED and migrated again at the start of every run, so give it a database of its own.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import multiprocessing
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

SECRET = "benchmark-secret"
TEAM = "T111"
CALLER = "U0OWNER"
CONCURRENCY = 8
APPS = ("bare Bolt, defaults (polls ack)", "bare Bolt, ack inline", "bot: list", "bot: add")
# `add` again, one request every PACE seconds: its answer without the announcement of the
# add before it still running in the same interpreter (back to back, the two interleave).
PACED = "bot: add, one every 25 ms"
PACE = 0.025
# Throughput again with the app in WORKERS processes sharing one listening socket, each on
# waitress with 8 threads, as `milestone-bot serve --no-scheduler` replicas run (the kernel
# hands each connection to one of them, where production has a load balancer), loaded by
# WORKERS load generators of CONCURRENCY / WORKERS clients each.
WORKERS = 2
TWO_PROCESSES = ("bare Bolt, ack inline", "bot: list", "bot: add")


# ---------------------------------------------------------------- the database


@dataclass
class Shape:
    """How much the seeded database holds; the defaults are what a busy workspace looks like."""

    channels: int = 40
    open_per_channel: int = 25  # open or waiting for approval
    closed_per_channel: int = 115  # reached or cancelled, kept for history
    goals_per_channel: int = 3
    people: int = 60


@dataclass
class Seeded:
    channels: list[str]
    goals: dict[str, list[int]] = field(default_factory=dict)
    open_milestones: dict[str, list[int]] = field(default_factory=dict)


_RESULTS = [
    "completed",
    "signed",
    "released",
    "approved",
    "launched",
    "live",
    "shipped",
    "migrated",
    "published",
    "delivered",
]
_THINGS = [
    "Beta version",
    "Vendor contract",
    "Payment API",
    "Store listing",
    "Security audit",
    "Data migration",
    "Onboarding flow",
    "Pricing page",
    "Mobile app",
    "Partner agreement",
    "Load test",
    "Support playbook",
    "Billing service",
    "Search index",
    "Design system",
    "Analytics dashboard",
    "SSO integration",
    "Customer pilot",
    "Hiring plan",
    "Office move",
    "Compliance review",
    "Backup policy",
    "Release notes",
    "API documentation",
    "Sales deck",
    "Marketing site",
    "Recommendation engine",
    "Checkout redesign",
]
# A few titles the coach has something to say about, as in real channels.
_WEAK = (
    "Work on the {thing}",
    "Improve the {thing}",
    "Send the {thing} email",
    "Progress on {thing}",
)


def title(rng: random.Random) -> str:
    thing = rng.choice(_THINGS)
    if rng.random() < 0.1:
        return rng.choice(_WEAK).format(thing=thing.lower())
    version = f" v{rng.randint(1, 9)}" if rng.random() < 0.3 else ""
    region = rng.choice(("", "", "", " for EMEA", " for the US", " in Japan"))
    return f"{thing}{version}{region} {rng.choice(_RESULTS)}"


def seed(engine, shape: Shape, today: date, now: datetime) -> Seeded:
    """A workspace's history: per channel, goals, open milestones (some waiting for approval,
    some blocked, some linked), and many reached or cancelled ones with their history."""
    from sqlalchemy import text
    from sqlmodel import Session

    from bot.store.models import (
        ChannelSettings,
        Dependency,
        Goal,
        Milestone,
        MilestoneEvent,
        Person,
        Status,
    )

    rng = random.Random(7)
    people = [f"U{index:07d}" for index in range(shape.people)]
    seeded = Seeded(channels=[f"C{index:07d}" for index in range(shape.channels)])
    with Session(engine) as session:
        zones = ("UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo")
        for user_id in [*people, CALLER]:
            timezone = "UTC" if user_id == CALLER else rng.choice(zones)
            session.add(Person(team_id=TEAM, user_id=user_id, timezone=timezone, fetched_at=now))
        for channel in seeded.channels:
            if rng.random() < 0.3:
                session.add(ChannelSettings(team_id=TEAM, channel_id=channel, nudges="channel"))
            goals = [
                Goal(
                    team_id=TEAM,
                    channel_id=channel,
                    name=f"Goal {index} of {channel}",
                    creator_id=rng.choice(people),
                    owner_id=rng.choice(people),
                    requires_approval=index == 0,
                    due_date=today + timedelta(days=rng.randint(30, 200)),
                    created_at=now - timedelta(days=200),
                )
                for index in range(shape.goals_per_channel)
            ]
            session.add_all(goals)
            session.flush()
            seeded.goals[channel] = [goal.id for goal in goals]
            milestones = []
            for index in range(shape.open_per_channel + shape.closed_per_channel):
                is_open = index < shape.open_per_channel
                owner = rng.choice(people)
                due = today + timedelta(
                    days=rng.randint(-10, 90) if is_open else -rng.randint(1, 400)
                )
                if is_open:
                    status = Status.AWAITING_APPROVAL if rng.random() < 0.1 else Status.OPEN
                else:
                    status = Status.CANCELLED if rng.random() < 0.15 else Status.REACHED
                milestone = Milestone(
                    team_id=TEAM,
                    channel_id=channel,
                    title=title(rng),
                    owner_id=owner,
                    approver_id=rng.choice(people) if rng.random() < 0.4 else None,
                    creator_id=owner,
                    goal_id=rng.choice([None, *seeded.goals[channel]]),
                    due_date=due,
                    first_due_date=due,
                    status=status,
                    marked_health="blocked" if is_open and rng.random() < 0.05 else None,
                    created_at=now - timedelta(days=rng.randint(1, 400)),
                    reached_at=now if status == Status.REACHED else None,
                    cancelled_at=now if status == Status.CANCELLED else None,
                    announcement_ts=f"{1_700_000_000 + rng.randint(0, 10**7)}.000100",
                )
                milestones.append(milestone)
            session.add_all(milestones)
            session.flush()
            open_ids = [m.id for m in milestones if m.status in Status.ACTIVE]
            seeded.open_milestones[channel] = open_ids
            for milestone in milestones:
                session.add(
                    MilestoneEvent(
                        milestone_id=milestone.id,
                        kind="declared",
                        actor_id=milestone.creator_id,
                        at=milestone.created_at,
                        new_due_date=milestone.first_due_date,
                    )
                )
                if milestone.status in (Status.REACHED, Status.CANCELLED):
                    session.add(
                        MilestoneEvent(
                            milestone_id=milestone.id,
                            kind=milestone.status,
                            actor_id=milestone.owner_id,
                            at=now,
                        )
                    )
            for later, earlier in zip(open_ids[1::4], open_ids[::4], strict=False):
                session.add(Dependency(milestone_id=later, prerequisite_id=earlier))
        session.commit()
    if engine.dialect.name == "postgresql":
        # A running database has planner statistics (autovacuum gathers them); a fresh one not.
        with engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()
    return seeded


def add_text(rng: random.Random, seeded: Seeded, channel: str, today: date) -> str:
    """A declaration as people type them: a due date, often an owner, sometimes more."""
    parts = [f'add "{title(rng)}"']
    if rng.random() < 0.9:
        parts.append(f"due {today + timedelta(days=rng.randint(1, 90)):%Y-%m-%d}")
    if rng.random() < 0.3:
        parts.append(f"owner <@U{rng.randint(0, 59):07d}|someone>")
    if rng.random() < 0.2:
        parts.append(f"approver <@U{rng.randint(0, 59):07d}|someone>")
    if rng.random() < 0.2:
        parts.append(f"goal G-{rng.choice(seeded.goals[channel])}")
    if rng.random() < 0.1:
        parts.append(f"after M-{rng.choice(seeded.open_milestones[channel])}")
    return " ".join(parts)


# ---------------------------------------------------------------- the load generator


def signed(body: str) -> tuple[bytes, dict]:
    from slack_sdk.signature import SignatureVerifier

    timestamp = str(int(time.time()))
    return body.encode(), {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(
            timestamp=timestamp, body=body
        ),
    }


def slash_command(channel: str, text: str) -> str:
    return urlencode(
        {
            "team_id": TEAM,
            "channel_id": channel,
            "user_id": CALLER,
            "command": "/milestone",
            "text": text,
            "response_url": "http://127.0.0.1:9/response",
            "trigger_id": uuid.uuid4().hex,
        }
    )


def _client(
    url: str, requests: list[tuple[bytes, dict]], timings: list[float], pace: float
) -> None:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port)
    first = time.perf_counter()
    for index, (payload, headers) in enumerate(requests):
        if pace:
            time.sleep(max(0.0, first + index * pace - time.perf_counter()))
        started = time.perf_counter()
        connection.request("POST", parts.path, body=payload, headers=headers)
        response = connection.getresponse()
        answer = response.read()
        timings.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            raise RuntimeError(f"{response.status}: {answer[:300]!r}")
    connection.close()


def load(url: str, bodies: list[str], clients: int, pace: float = 0.0) -> tuple[list[float], float]:
    """Send `bodies` over `clients` keep-alive connections, each sending the next as soon as
    it has the answer, or `pace` seconds after the one before; each request's time, and the
    wall."""
    requests = [signed(body) for body in bodies]  # signed before the clock starts
    shares = [requests[index::clients] for index in range(clients)]
    timings: list[list[float]] = [[] for _ in shares]
    failures: list[Exception] = []

    def client(share: list[tuple[bytes, dict]], timing: list[float]) -> None:
        try:
            _client(url, share, timing, pace)
        except Exception as error:  # a refused request must fail the run, not thin its figures
            failures.append(error)

    threads = [
        threading.Thread(target=client, args=(share, timing))
        for share, timing in zip(shares, timings, strict=True)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if failures:
        raise failures[0]
    return [t for timing in timings for t in timing], wall


def load_generator(jobs) -> None:
    """Serves `load` over a pipe, in its own process."""
    while (job := jobs.recv()) is not None:
        try:
            jobs.send(load(*job))
        except Exception as error:
            jobs.send(error)


def run_fake_slack(urls) -> None:
    from tests.support.fakeslack import FakeSlack

    slack = FakeSlack().start()
    slack.set_user(CALLER, tz="UTC")
    urls.put(slack.base_url)
    threading.Event().wait()


# ---------------------------------------------------------------- one run


def serve(wsgi) -> str:
    import waitress

    server = waitress.create_server(wsgi, host="127.0.0.1", port=0, threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    return f"http://127.0.0.1:{server.effective_port}/slack/events"


def run_worker(app: str, slack_url: str, env: dict, listening, commands) -> None:
    """One of WORKERS server processes: `app` on waitress (8 threads) on the shared socket
    `listening`; answers "served" (requests it answered) and "settle" (its background work
    done) over `commands` until None."""
    import waitress

    if app.startswith("bot"):
        from bot.app import build_app
        from bot.config import load_settings
        from bot.runtime import build_runtime, set_start_up_aside
        from bot.server import make_wsgi_app

        runtime = build_runtime(load_settings(env))
        wsgi = make_wsgi_app(build_app(runtime), runtime.engine)
        set_start_up_aside()  # as `milestone-bot serve` does once ready
    else:
        runtime, wsgi = None, bare_app(slack_url, inline=True)
    served = itertools.count()

    def counted(environ, start_response):
        next(served)
        return wsgi(environ, start_response)

    server = waitress.create_server(counted, sockets=[listening], threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    commands.send("ready")
    while (command := commands.recv()) is not None:
        if command == "served":
            commands.send(next(served))
        elif command == "settle":
            commands.send(runtime.background.join(timeout=120) if runtime else True)
    if runtime:
        runtime.background.shutdown()


def bare_app(slack_url: str, *, inline: bool):
    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient

    client = WebClient(token="xoxb-bench", base_url=slack_url)
    app = App(client=client, signing_secret=SECRET, process_before_response=inline)

    @app.command("/milestone")
    def only_ack(ack):
        ack()

    # Bolt's own WSGI adapter: the baseline is Bolt alone, without the bot's edge checks.
    return SlackRequestHandler(app)


def percentile(timings: list[float], share: float) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def one_run(args: argparse.Namespace) -> dict:

    from seeding import fresh_engine

    from bot.app import build_app
    from bot.config import load_settings
    from bot.runtime import build_runtime, set_start_up_aside
    from bot.server import make_wsgi_app

    context = multiprocessing.get_context("spawn")
    urls = context.Queue()
    fake = context.Process(target=run_fake_slack, args=(urls,), daemon=True)
    fake.start()
    jobs, their_end = context.Pipe()
    generator = context.Process(target=load_generator, args=(their_end,), daemon=True)
    generator.start()
    slack_url = urls.get(timeout=30)

    database_url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    engine = fresh_engine(database_url)
    now = datetime.now(UTC)
    today = now.date()
    shape = Shape(open_per_channel=args.open_per_channel)
    seeded = seed(engine, shape, today, now)
    engine.dispose()

    env = {
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack_url,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
    }
    runtime = build_runtime(load_settings(env))
    urls_by_app = {
        APPS[0]: serve(bare_app(slack_url, inline=False)),
        APPS[1]: serve(bare_app(slack_url, inline=True)),
        APPS[2]: serve(make_wsgi_app(build_app(runtime), runtime.engine)),
    }
    urls_by_app[APPS[3]] = urls_by_app[APPS[2]]
    rng = random.Random(11)

    def bodies(app: str, count: int) -> list[str]:
        channels = [rng.choice(seeded.channels) for _ in range(count)]
        if app == APPS[3]:
            return [slash_command(c, add_text(rng, seeded, c, today)) for c in channels]
        return [slash_command(c, "list") for c in channels]

    def measure(app: str, count: int, clients: int, pace: float = 0.0) -> tuple[list[float], float]:
        jobs.send((urls_by_app[app], bodies(app, count), clients, pace))
        answer = jobs.recv()
        if isinstance(answer, Exception):
            raise answer
        runtime.background.join(timeout=120)  # the announcements of `add`, before the next
        return answer

    for app in APPS[:3]:
        measure(app, 40, CONCURRENCY)  # warm up: connections, caches, Bolt's auth.test
    # As `milestone-bot serve` does once ready (the bare apps in this process share it).
    set_start_up_aside()
    results = {}
    for app in APPS:
        alone, _ = measure(app, args.requests, 1)
        loaded, wall = measure(app, args.requests, CONCURRENCY)
        results[app] = {
            "median": statistics.median(alone),
            "p99": percentile(alone, 0.99),
            "rps": len(loaded) / wall,
            "loaded median": statistics.median(loaded),
            "loaded p99": percentile(loaded, 0.99),
        }
    paced, _ = measure(APPS[3], args.requests, 1, pace=PACE)
    results[PACED] = {"median": statistics.median(paced), "p99": percentile(paced, 0.99)}
    runtime.background.shutdown()

    # The same load on WORKERS processes, from WORKERS load generators.
    more_jobs = [jobs]
    for _ in range(WORKERS - 1):
        ours, theirs = context.Pipe()
        context.Process(target=load_generator, args=(theirs,), daemon=True).start()
        more_jobs.append(ours)
    for app in TWO_PROCESSES:
        results[f"{app}, {WORKERS} processes"] = in_processes(
            context, app, slack_url, env, more_jobs, lambda count, app=app: bodies(app, count), args
        )
    for generator in more_jobs:
        generator.send(None)
    fake.terminate()
    return results


def in_processes(context, app, slack_url, env, generators, bodies, args) -> dict:
    """Throughput of `app` served by WORKERS processes on one socket, loaded by `generators`."""
    listening = socket.create_server(("127.0.0.1", 0), backlog=1024)
    url = f"http://127.0.0.1:{listening.getsockname()[1]}/slack/events"
    workers = []
    for _ in range(WORKERS):
        ours, theirs = context.Pipe()
        process = context.Process(
            target=run_worker, args=(app, slack_url, env, listening, theirs), daemon=True
        )
        process.start()
        workers.append((process, ours))
    for _, commands in workers:
        if commands.recv() != "ready":
            raise RuntimeError("a worker did not start")
    listening.close()  # the workers hold it

    def spread(count: int) -> tuple[list[float], float]:
        share = bodies(count)
        for index, generator in enumerate(generators):
            generator.send((url, share[index :: len(generators)], CONCURRENCY // WORKERS, 0.0))
        answers = [generator.recv() for generator in generators]
        for answer in answers:
            if isinstance(answer, Exception):
                raise answer
        for _, commands in workers:  # the announcements of `add`, before the next
            _ask(commands, "settle")
        return [t for timing, _ in answers for t in timing], max(wall for _, wall in answers)

    spread(40 * WORKERS)  # warm up each worker
    before = [_ask(commands, "served") for _, commands in workers]
    loaded, wall = spread(args.requests * WORKERS)
    served = [
        _ask(commands, "served") - earlier
        for (_, commands), earlier in zip(workers, before, strict=True)
    ]
    for process, commands in workers:
        commands.send(None)
        process.join(timeout=30)
    return {
        "rps": len(loaded) / wall,
        "loaded median": statistics.median(loaded),
        "loaded p99": percentile(loaded, 0.99),
        # The least busy worker's part of the requests (0.5: evenly spread).
        "share": min(served) / max(sum(served), 1),
    }


def _ask(commands, question: str):
    commands.send(question)
    return commands.recv()


# ---------------------------------------------------------------- several runs


def report(runs: list[dict], args: argparse.Namespace) -> None:
    def median_of(app: str, column: str) -> float | None:
        values = [run[app][column] for run in runs if column in run[app]]
        return statistics.median(values) if values else None

    columns = ("median", "p99", "rps", "loaded median", "loaded p99")
    summary = {
        app: {column: median_of(app, column) for column in columns} for app in (*APPS, PACED)
    }
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"\n{len(runs)} runs, {args.requests} requests per figure, {database}, "
        f"{args.open_per_channel} open milestones per channel at the start; each figure is the "
        "median of the runs.\n"
    )
    print(
        "| app | median | p99 | req/s, 8 clients | median, 8 clients | p99, 8 clients |\n"
        "| --- | --- | --- | --- | --- | --- |"
    )
    formats = ("{:.2f} ms", "{:.2f} ms", "{:.0f}", "{:.2f} ms", "{:.2f} ms")
    for app, figures in summary.items():
        cells = [
            "–" if figures[column] is None else form.format(figures[column])
            for column, form in zip(columns, formats, strict=True)
        ]
        print(f"| {app} | {' | '.join(cells)} |")
    spread = {
        f"{app}, {WORKERS} processes": {
            column: median_of(f"{app}, {WORKERS} processes", column)
            for column in ("rps", "loaded median", "loaded p99", "share")
        }
        for app in TWO_PROCESSES
    }
    print(
        f"\n{WORKERS} processes, {CONCURRENCY} clients:\n\n"
        "| app | req/s | median | p99 | least busy process's share |\n"
        "| --- | --- | --- | --- | --- |"
    )
    for app, figures in spread.items():
        print(
            f"| {app} | {figures['rps']:.0f} | {figures['loaded median']:.2f} ms | "
            f"{figures['loaded p99']:.2f} ms | {figures['share']:.2f} |"
        )
    default, inline = summary[APPS[0]], summary[APPS[1]]
    inline_spread = spread[f"{APPS[1]}, {WORKERS} processes"]
    print("\nTargets:")
    for app in (*APPS[2:], PACED):
        figures = summary[app]
        checks = [
            ("median <= 0.3 x default bare", figures["median"], 0.3 * default["median"]),
            ("median <= 3 x inline bare", figures["median"], 3 * inline["median"]),
            ("p99 < 20 ms", figures["p99"], 20.0),
        ]
        for name, value, bound in checks:
            print(f"- {app}: {name}: {value:.2f} ms vs {bound:.2f} ms: {_verdict(bound / value)}")
        if figures["rps"] is None:
            continue
        rps, bound = figures["rps"], default["rps"]
        print(
            f"- {app}: req/s, one process >= the default bare app's: {rps:.0f} vs {bound:.0f}: "
            f"{_verdict(rps / bound)}"
        )
        rps, bound = spread[f"{app}, {WORKERS} processes"]["rps"], inline_spread["rps"] / 2
        print(
            f"- {app}: req/s, {WORKERS} processes >= half the inline bare app's: "
            f"{rps:.0f} vs {bound:.0f}: {_verdict(rps / bound)}"
        )


def _verdict(margin: float) -> str:
    """ "met", or by how much it is missed; `margin` above 1 is better than the bound."""
    return "met" if margin >= 1 else f"MISSED by {1 / margin:.2f}x"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=400, help="per figure")
    parser.add_argument("--database-url", help="default: a fresh SQLite file per run")
    parser.add_argument(
        "--open-per-channel", type=int, default=Shape.open_per_channel, help="seeded open"
    )
    parser.add_argument("--one-run", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_run:
        print(json.dumps(one_run(args)))
        return
    runs = []
    for index in range(args.runs):
        command = [sys.executable, __file__, "--one-run", *sys.argv[1:]]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        runs.append(json.loads(output.strip().splitlines()[-1]))
        figures = "  ".join(
            f"{app.split(':')[-1].strip()}: {runs[-1][app]['median']:.2f} ms "
            f"{runs[-1][app]['rps']:.0f}/s"
            for app in APPS
        )
        figures += f"  add paced: {runs[-1][PACED]['median']:.2f} ms  {WORKERS} processes: "
        figures += "  ".join(
            f"{app.split(':')[-1].strip()} {runs[-1][f'{app}, {WORKERS} processes']['rps']:.0f}/s"
            for app in TWO_PROCESSES
        )
        print(f"run {index + 1}: {figures}", flush=True)
    report(runs, args)


if __name__ == "__main__":
    main()
