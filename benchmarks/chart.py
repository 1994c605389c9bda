"""The timeline chart on its own: time to draw a plan's picture, by milestones.

Usage: .venv/bin/python benchmarks/chart.py [--repeat 15]

The plan is tests/support/plans.py's large_plan: five goals and milestones without one, every
health, a third slipped, a dependency arrow for every other. Each row gives the median and the
slowest of `--repeat` drawings after one warm-up, in wall-clock time and in the process's CPU
time (which other programs on the shared machine disturb less), for the PNG sent to Slack and
the SVG of the stakeholder page. The target: under 300 ms for 100 milestones.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from bot.render import chart, timeline  # noqa: E402
from tests.support.plans import large_plan  # noqa: E402

TODAY = date(2026, 12, 7)


def measure(draw: Callable[[], object], repeat: int) -> tuple[list[float], list[float]]:
    draw()
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        draw()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    print("| milestones | output | wall median | wall max | CPU median | size |")
    print("| --- | --- | --- | --- | --- | --- |")
    for count in (10, 50, 100, 200):
        built = timeline.build(large_plan(count, today=TODAY), today=TODAY, title="Milestones")
        for name, draw in (
            ("PNG", lambda built=built: chart.render_png(built)),
            ("SVG", lambda built=built: chart.render_svg(built)),
        ):
            walls, cpus = measure(draw, args.repeat)
            size = len(draw()) // 1024
            print(
                f"| {count} | {name} | {statistics.median(walls):.0f} ms | {max(walls):.0f} ms "
                f"| {statistics.median(cpus):.0f} ms | {size} KiB |"
            )


if __name__ == "__main__":
    main()
