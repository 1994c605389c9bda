"""The coach's review on its own: CPU time per review of a new milestone, by open milestones.

Usage: .venv/bin/python benchmarks/coach_review.py [--reviews 600]

The open milestones' titles and the new ones come from the latency benchmark's title
generator (benchmarks/ack_latency.py), so some are near-duplicates, as in real channels.
Measured with the process's CPU clock, so other programs on the machine matter less.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from ack_latency import title  # noqa: E402

from bot.domain.coach import Context, Draft, review  # noqa: E402
from bot.domain.titles import warm  # noqa: E402

TODAY = date(2026, 11, 26)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reviews", type=int, default=600)
    args = parser.parse_args()
    rng = random.Random(5)
    warm()  # as the app does when it starts: the lexicon is read once per process
    print("| open milestones | CPU per review | new milestones told of a duplicate |")
    print("| --- | --- | --- |")
    for count in (25, 100, 320):
        open_milestones = tuple(
            Draft(
                title=title(rng),
                due_date=TODAY + timedelta(days=rng.randint(1, 90)),
                owner_id=f"U{rng.randint(0, 20)}",
                approver_id=None,
                goal_id=rng.choice((None, 1, 2, 3)),
                milestone_id=number,
            )
            for number in range(count)
        )
        context = Context(
            today=TODAY,
            open_milestones=open_milestones,
            goals_requiring_approval=frozenset({1}),
            references={number: f"M-{number}" for number in range(count)},
        )
        drafts = [
            Draft(title(rng), TODAY + timedelta(days=7), "U1", None, rng.choice((None, 1)))
            for _ in range(args.reviews)
        ]
        started = time.process_time()
        reviews = [review(draft, context) for draft in drafts]
        spent = (time.process_time() - started) / len(drafts) * 1000
        duplicates = sum(any(s.rule_id == "duplicate" for s in found) for found in reviews)
        print(f"| {count} | {spent:.3f} ms | {duplicates} of {len(drafts)} |")


if __name__ == "__main__":
    main()
