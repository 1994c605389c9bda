"""The milestone coach: reviews a declared or edited milestone and suggests how to make it better.

Pure: it reads only the draft and the context it is given (today included), so the callers
decide where the suggestions go. Each rule is one row of `RULES`; a new rule is a new row. A
suggestion holds its rule's words and the values that fill them; bot.render.answers puts them
together, quoting what people typed.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from difflib import SequenceMatcher
from functools import lru_cache

from bot.domain.titles import TaskFamily, TitleKind, TitleReading, read_title

MAX_OPEN_PER_GOAL = 12
MAX_DUE_PER_OWNER_WEEK = 5
DUPLICATE_RATIO = 0.85


@dataclass(frozen=True)
class Draft:
    """A milestone as declared or edited, or as it stands (for /milestone review)."""

    title: str
    due_date: date | None
    owner_id: str | None  # None: nobody owns it
    approver_id: str | None
    goal_id: int | None
    # None while not yet saved; a saved one is never its own duplicate.
    milestone_id: int | None = None


@dataclass(frozen=True)
class Context:
    """What a review needs to know beyond the draft: the day, and the channel's open milestones."""

    today: date  # the declarer's calendar date
    open_milestones: tuple[Draft, ...]  # may include the draft itself when editing or reviewing
    goals_requiring_approval: frozenset[int]
    disabled: frozenset[str] = frozenset()  # rule ids this channel turned off
    references: Mapping[int, str] = field(default_factory=dict)  # milestone_id -> "M-12"


class Typed(str):
    """A value someone typed (a title), shown quoted; other values are the coach's own words."""


@dataclass(frozen=True)
class Suggestion:
    rule_id: str
    message: str  # the rule's str.format template
    values: Mapping[str, str]  # what fills it


@dataclass(frozen=True)
class Rule:
    id: str
    check: Callable[[Draft, Context], dict | None]  # None: nothing to say; else message values
    message: str  # a str.format template filled with those values


def _rewrites(reading: TitleReading) -> tuple[str, str]:
    """Two titles in the spirit of `reading`, built from its subject: what will be true."""
    subject = reading.subject
    match reading.kind:
        case _ if not subject:
            return "Beta released to 100 users", "Contract signed"
        case TitleKind.INQUIRY:
            lowered = subject[:1].lower() + subject[1:]
            return f"Decision on {lowered} recorded", f"Findings on {lowered} shared"
        case TitleKind.DIRECTION:
            return f"{subject} at [your target]", f"{subject} goal reached"
        case TitleKind.TASK if reading.task_family is TaskFamily.SENDING:
            return f"{subject} accepted", f"{subject} signed off"
        case TitleKind.TASK if reading.task_family is TaskFamily.MEETING:
            return f"{subject} held", f"Decisions from {subject[:1].lower()}{subject[1:]} agreed"
        case TitleKind.TASK:
            return "Contract signed", "Launch checklist complete"
        case _ if subject.lower().endswith(("ing", "tion", "ment", "sis")):
            # An activity ("hiring", "data analysis"): its plan, or the activity, finished.
            return f"{subject} plan approved", f"{subject} complete"
        case _:
            return f"{subject} shipped", f"{subject} signed off"


# How the vague rule words each kind of title it speaks about.
_VAGUE_OPENINGS = {
    TitleKind.EFFORT: "describes effort",
    TitleKind.INQUIRY: "describes looking into something",
    TitleKind.DIRECTION: "names a direction",
    TitleKind.TOPIC: "names a topic",
}


def _vague(draft: Draft, context: Context) -> dict | None:
    reading = read_title(draft.title, context.today)
    if reading.kind not in _VAGUE_OPENINGS:
        return None
    first, second = _rewrites(reading)
    return {
        "title": Typed(draft.title),
        "reads": _VAGUE_OPENINGS[reading.kind],
        "first": Typed(first),
        "second": Typed(second),
    }


def _date_title(draft: Draft, context: Context) -> dict | None:
    reading = read_title(draft.title, context.today)
    return {"title": Typed(draft.title)} if reading.kind is TitleKind.DATE else None


def _routine_task(draft: Draft, context: Context) -> dict | None:
    reading = read_title(draft.title, context.today)
    if reading.kind is not TitleKind.TASK:
        return None
    first, second = _rewrites(reading)
    return {"title": Typed(draft.title), "first": Typed(first), "second": Typed(second)}


def _no_due_date(draft: Draft, _: Context) -> dict | None:
    return {} if draft.due_date is None else None


def _no_owner(draft: Draft, _: Context) -> dict | None:
    return {} if draft.owner_id is None else None


_ARTICLES = frozenset({"a", "an", "the"})


@dataclass(frozen=True)
class _Comparable:
    """A title as the duplicate rule compares it."""

    words: frozenset[str]  # lower case, no punctuation or articles, 1,000 as 1000
    numbers: frozenset[str]  # the words holding a digit
    text: str  # the words joined, in order


@lru_cache(maxsize=4096)
def _comparable(title: str) -> _Comparable:
    """Cached: a channel's open titles are compared with every milestone declared there."""
    text = re.sub(r"(?<=\d)[,.](?=\d)", "", title.lower())
    words = [word for word in re.sub(r"[^\w\s]|_", " ", text).split() if word not in _ARTICLES]
    numbers = (word for word in words if any(character.isdigit() for character in word))
    return _Comparable(frozenset(words), frozenset(numbers), " ".join(words))


class _Likeness:
    """How alike one title is to others: 1.0 for the same words in any order; else how alike
    the texts are (SequenceMatcher's ratio), 0.0 if their numbers differ.

    "Phase 1 complete" and "Phase 2 complete" differ by one character yet are two milestones.
    Below `at_least` the answer is only an upper bound: SequenceMatcher's cheap bounds (the
    lengths, then the letters, both symmetric) rule out most titles, from a matcher that
    keeps what it learnt of this title between comparisons.
    """

    def __init__(self, title: _Comparable, *, at_least: float) -> None:
        self._title = title
        self._at_least = at_least
        self._bounds = SequenceMatcher(None, b=title.text)

    def __call__(self, other: _Comparable) -> float:
        title = self._title
        if title.words == other.words:
            return 1.0
        if title.numbers != other.numbers:
            return 0.0
        self._bounds.set_seq1(other.text)
        if (bound := self._bounds.real_quick_ratio()) < self._at_least:
            return bound
        if (bound := self._bounds.quick_ratio()) < self._at_least:
            return bound
        return SequenceMatcher(None, title.text, other.text).ratio()


def _duplicate(draft: Draft, context: Context) -> dict | None:
    title = _comparable(draft.title)
    if not title.words:
        return None
    likeness = _Likeness(title, at_least=DUPLICATE_RATIO)
    others = [
        (likeness(_comparable(other.title)), other)
        for other in context.open_milestones
        if draft.milestone_id is None or other.milestone_id != draft.milestone_id
    ]
    closest_likeness, closest = max(others, key=lambda pair: pair[0], default=(0.0, None))
    if closest is None or closest_likeness < DUPLICATE_RATIO:
        return None
    reference = (
        context.references.get(closest.milestone_id) if closest.milestone_id is not None else None
    )
    return {"reference": f"{reference} " if reference else "", "other": Typed(closest.title)}


def _too_many(draft: Draft, context: Context) -> dict | None:
    # The draft counts once as it is now; its saved self, if open, is left out of the others.
    others = [
        other
        for other in context.open_milestones
        if draft.milestone_id is None or other.milestone_id != draft.milestone_id
    ]
    crowded = []
    if draft.goal_id is not None:
        under_goal = 1 + sum(other.goal_id == draft.goal_id for other in others)
        if under_goal > MAX_OPEN_PER_GOAL:
            crowded.append(f"this goal has {under_goal} open milestones")
    if draft.owner_id is not None and draft.due_date is not None:
        week = draft.due_date.isocalendar()[:2]
        same_week = 1 + sum(
            other.owner_id == draft.owner_id
            and other.due_date is not None
            and other.due_date.isocalendar()[:2] == week
            for other in others
        )
        if same_week > MAX_DUE_PER_OWNER_WEEK:
            monday = draft.due_date - timedelta(days=draft.due_date.weekday())
            crowded.append(
                f"its owner has {same_week} milestones due in the week of "
                f"{monday:%a} {monday.day} {monday:%b}"
            )
    if not crowded:
        return None
    sentence = " and ".join(crowded)
    return {"crowded": sentence[:1].upper() + sentence[1:]}


def _skipped_approval(draft: Draft, context: Context) -> dict | None:
    asks = draft.goal_id in context.goals_requiring_approval and draft.approver_id is None
    return {} if asks else None


RULES: tuple[Rule, ...] = (
    Rule(
        "vague",
        _vague,
        "{title} {reads} rather than a result anyone could check. Say what will be true "
        "once it is reached. Try: {first} or {second}.",
    ),
    Rule(
        "date-title",
        _date_title,
        "{title} is a date, not a milestone. Keep it as the due date and let the title say "
        "what will be true by then. Try: “User testing complete” or “Venue booked”.",
    ),
    Rule(
        "routine-task",
        _routine_task,
        "{title} reads like a single task. A milestone marks a change of stage: name what "
        "this step leads to. Try: {first} or {second}.",
    ),
    Rule(
        "no-due-date",
        _no_due_date,
        "There is no due date yet. Without one nobody can tell whether this is on track, so "
        "add the day you expect it to be reached.",
    ),
    Rule(
        "no-owner",
        _no_owner,
        "Nobody owns this yet. Choose one person who will see it through and say when it "
        "is reached.",
    ),
    Rule(
        "duplicate",
        _duplicate,
        "This looks very like {reference}{other}, which is still open. If they are the same "
        "milestone, keep just one.",
    ),
    Rule(
        "too-many",
        _too_many,
        "{crowded}. When everything is a milestone, none stands out: could some of these be "
        "tasks inside a bigger step?",
    ),
    Rule(
        "skipped-approval",
        _skipped_approval,
        "Its goal asks for approvals, but nobody approves this one, so its completion goes "
        "unchecked. Choose an approver.",
    ),
)
RULE_IDS: tuple[str, ...] = tuple(rule.id for rule in RULES)


def review(draft: Draft, context: Context) -> list[Suggestion]:
    """Every enabled rule's suggestion for `draft`, in table order; [] for a good milestone."""
    return [
        Suggestion(rule.id, rule.message, values)
        for rule in RULES
        if rule.id not in context.disabled and (values := rule.check(draft, context)) is not None
    ]
