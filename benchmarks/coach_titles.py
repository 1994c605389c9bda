"""The coach's title rules against the labelled titles: precision and recall per rule.

Usage: .venv/bin/python benchmarks/coach_titles.py

Prints a Markdown table per labelled set for benchmarks/RESULTS.md, then the titles each rule
missed or drew wrongly. The sets are tests/unit/data/titles.csv, titles_round2.csv and
titles_round3.csv; tests/unit/test_coach.py holds the rules to the same targets on each
(precision >= 0.95, recall >= 0.85).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from tests.support.labelled_titles import SETS, labelled_titles, scores  # noqa: E402


def main() -> None:
    for which in SETS:
        print(f"## The {which} set\n")
        report(which)
        print()


def report(which: str) -> None:
    titles = labelled_titles(which)
    fields = Counter(title.field for title in titles)
    unlabelled = sum(not title.rules for title in titles)
    print(
        f"{len(titles)} titles from {len(fields)} fields "
        f"({unlabelled} labelled with no title rule)\n"
    )
    print("| rule | labelled | drawn | right | precision | recall |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    results = scores(titles)
    for score in results:
        print(
            f"| {score.rule} | {score.labelled} | {score.drawn} | {score.right} "
            f"| {score.precision:.3f} | {score.recall:.3f} |"
        )
    for score in results:
        for title in score.missed:
            print(f"\n{score.rule} missed: {title}", end="")
        for title in score.wrong:
            print(f"\n{score.rule} drew wrongly: {title}", end="")
    print()


if __name__ == "__main__":
    main()
