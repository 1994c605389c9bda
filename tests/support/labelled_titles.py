"""The labelled titles (tests/unit/data/titles*.csv) and how well the coach's title rules draw
the suggestions each title is labelled with: precision and recall per rule.

titles.csv was written before the rules were reworked and tuned against; titles_round2.csv and
titles_round3.csv were each written after the tuning before them, measured once unseen
(benchmarks/RESULTS.md), then tuned against too."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.domain.coach import Context, Draft, review

DATA = Path(__file__).parents[1] / "unit" / "data"
SETS = {
    "first": DATA / "titles.csv",
    "second": DATA / "titles_round2.csv",
    "third": DATA / "titles_round3.csv",
}
# The rules that read the title alone; the others look at owners, dates and other milestones.
TITLE_RULES = ("vague", "date-title", "routine-task")
TODAY = date(2026, 11, 26)


@dataclass(frozen=True)
class Labelled:
    field: str  # software, hiring, finance...
    title: str
    rules: frozenset[str]  # the title rules it must draw, and no others


@dataclass(frozen=True)
class Score:
    rule: str
    labelled: int  # titles labelled with the rule
    drawn: int  # titles the rule spoke about
    right: int  # both
    missed: tuple[str, ...]  # labelled, not drawn
    wrong: tuple[str, ...]  # drawn, not labelled

    @property
    def precision(self) -> float:
        return self.right / self.drawn if self.drawn else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.labelled if self.labelled else 1.0


def labelled_titles(which: str = "first") -> list[Labelled]:
    with SETS[which].open(newline="") as rows:
        return [
            Labelled(row["field"], row["title"], frozenset(row["rules"].split()))
            for row in csv.DictReader(rows)
        ]


def drawn(title: str) -> frozenset[str]:
    """The title rules that speak about `title` on a milestone that is otherwise complete."""
    draft = Draft(title, due_date=TODAY, owner_id="U_OWNER", approver_id=None, goal_id=None)
    context = Context(today=TODAY, open_milestones=(), goals_requiring_approval=frozenset())
    return frozenset(s.rule_id for s in review(draft, context) if s.rule_id in TITLE_RULES)


def scores(titles: list[Labelled]) -> list[Score]:
    said = {labelled.title: drawn(labelled.title) for labelled in titles}
    result = []
    for rule in TITLE_RULES:
        labelled = [t.title for t in titles if rule in t.rules]
        spoken = [t.title for t in titles if rule in said[t.title]]
        result.append(
            Score(
                rule,
                labelled=len(labelled),
                drawn=len(spoken),
                right=len(set(labelled) & set(spoken)),
                missed=tuple(title for title in labelled if title not in spoken),
                wrong=tuple(title for title in spoken if title not in labelled),
            )
        )
    return result
