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

from bot.domain.dates import parse_due_date
from bot.domain.errors import UnreadableDate

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


def _words(title: str) -> str:
    """Lower case, punctuation as spaces, single spaces: the form the title patterns read."""
    return " ".join(re.sub(r"[^\w\s'#-]", " ", title.lower()).split())


# vague: effort or direction instead of a result someone could check.
_VAGUE_START = re.compile(
    r"^(?:work(?:ing|ed)? (?:on|towards?)|progress (?:on|towards?|with)|look(?:ing)? (?:into|at)"
    r"|tr(?:y|ying) (?:to|and)|continu(?:e|ing)|keep(?:ing)? (?:going|working|improving|at|on|up)"
    r"|focus(?:ing)? on|think(?:ing)? about|figur(?:e|ing) out"
    r"|various|miscellaneous|assorted)\b"
)
_VAGUE_ANYWHERE = re.compile(
    r"\b(?:ongoing|in progress|moving forward|move forward|keep going"
    r"|(?:make|making|made|some|more|good) progress|stuff|misc|etc|tbd|wip)\b"
)
_VAGUE_WHOLE = frozenset(
    {"progress", "work", "updates", "tasks", "todo", "things", "fixes", "improvements"}
)
# A direction ("improve", "reduce") becomes checkable once it names a target to reach.
_DIRECTION_START = re.compile(
    r"^(?:improv(?:e|ing)|enhanc(?:e|ing)|optimi[sz](?:e|ing)|increas(?:e|ing)|reduc(?:e|ing)"
    r"|grow(?:ing)?|boost(?:ing)?)\b"
)
# A number after "to", "by", "below"... (not a date such as 2026-06-15), or a percentage.
_TARGET = re.compile(
    r"\b(?:to|by|below|under|above|over|than|within|least|from|at)\s+[$€£]?\d(?![\d,.]*[-/]\d)"
    r"|\d\s*(?:%|percent\b)"
)


def _vague(draft: Draft, _: Context) -> dict | None:
    words = _words(draft.title)
    vague = (
        words in _VAGUE_WHOLE
        or _VAGUE_START.search(words) is not None
        or _VAGUE_ANYWHERE.search(words) is not None
        or (_DIRECTION_START.search(words) is not None and not _TARGET.search(draft.title.lower()))
    )
    return {"title": Typed(draft.title)} if vague else None


# date-title: the words around a date that still leave nothing but the date.
_DEADLINE_LEAD = frozenset(
    {"by", "due", "on", "before", "until", "till", "deadline", "target", "eta", "for", "date"}
)
_DEADLINE_TAIL = frozenset({"deadline", "due", "target", "eta"})
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_PERIOD = rf"(?:day|week|month|quarter|year|sprint|q[1-4]|{_MONTH})"
_DEADLINE_ONLY = re.compile(
    "|".join(
        (
            r"(?:fy ?)?q[1-4](?: ?(?:fy ?)?\d{2,4})?",
            r"fy ?\d{2,4}|h[12](?: \d{4})?|\d{4}",
            rf"(?:(?:early|mid|late|end of|start of|beginning of)[ -]?)?{_MONTH}(?: \d{{4}})?",
            rf"(?:the )?(?:end|start|beginning|middle) of (?:the |this |next )?{_PERIOD}",
            r"(?:this|next) (?:week|month|quarter|year|sprint)",
            r"eod|eow|eom|eoq|eoy|cob|close of business|asap|week \d{1,2}|wk \d{1,2}|w\d{1,2}",
            r"\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?|\d{4}-\d{1,2}",
        )
    )
)


def _only_a_date(title: str, today: date) -> bool:
    words = re.sub(r"[^\w\s/.,-]", " ", title.lower()).split()
    if not words:
        return False
    while words and words[0] in _DEADLINE_LEAD:
        words.pop(0)
    while words and words[-1] in _DEADLINE_TAIL:
        words.pop()
    rest = " ".join(words).strip(" ,.-")
    if not rest:
        return True  # nothing but deadline words: "Deadline", "Due date"
    if _DEADLINE_ONLY.fullmatch(rest):
        return True
    try:
        parse_due_date(rest, today=today)
    except UnreadableDate:
        return False
    return True


def _date_title(draft: Draft, context: Context) -> dict | None:
    return {"title": Typed(draft.title)} if _only_a_date(draft.title, context.today) else None


# routine-task: one small action, said as it is done ("send the email", "sending one email")
# or once done ("email sent"). Each row holds regular-expression alternatives: the verb as
# said, the verb as done, and what it acts on.
_ROUTINE_ACTIONS = (
    (
        "send|sending|write|writing|draft|drafting",
        "sent|written|drafted",
        "email|e-mail|mail|message|reply|reminder|dm|follow-up|follow up",
    ),
    (
        "update|updating|edit|editing|tweak|tweaking",
        "updated|edited|tweaked",
        "doc|document|spreadsheet|sheet|slide|deck|wiki|readme|notes|ticket|tracker|calendar"
        "|status|agenda|minutes|file",
    ),
    (
        "schedule|scheduling|book|booking|set up|setting up|arrange|arranging"
        "|organi[sz]e|organi[sz]ing",
        "scheduled|booked|arranged|organi[sz]ed",
        "meeting|call|room|sync|stand-?up|appointment|catch-?up",
    ),
    (
        "attend|attending|join|joining|have|having",
        "attended|joined",
        "meeting|call|stand-?up|sync|webinar",
    ),
    (
        "fix|fixing|correct|correcting",
        "fixed|corrected",
        "typo|spelling|misspelling|broken link|link|formatting|indentation|whitespace",
    ),
    (
        "review|reviewing|merge|merging|approve|approving",
        "reviewed|merged|approved",
        "pr|pull request|mr|merge request|commit|diff",
    ),
    (
        "check|checking|read|reading|clear|clearing|answer|answering",
        "checked|read|cleared|answered",
        "email|inbox|message|voicemail",
    ),
    (
        "create|creating|file|filing|upload|uploading|share|sharing|forward|forwarding"
        "|rename|renaming|print|printing",
        "created|filed|uploaded|shared|forwarded|renamed|printed",
        "ticket|file|doc|document|link",
    ),
)
_ROUTINE_DOING = tuple(
    re.compile(rf"^(?:{does}) (?:\S+ ){{0,2}}(?:{objects})s?\b")
    for does, _, objects in _ROUTINE_ACTIONS
)
_ROUTINE_DONE = tuple(
    re.compile(
        rf"^(?:\S+ ){{0,3}}(?:{objects})s?(?: #?\d+)? "
        rf"(?:(?:was|were|is|are|got|has been|have been) )?(?:{done})$"
    )
    for _, done, objects in _ROUTINE_ACTIONS
)
# Reaching one person: "call Sam", "reply to the client", "email <@U123>". A name can't be told
# from a system ("call routing"), so, as for the actions above, titles that end in a result
# ("Update status page live") are left alone.
_CONTACT = re.compile(
    r"^(?:call|calling|phone|phoning|remind|reminding|(?:reply|replying|respond|responding) to"
    r"|(?:follow|following) up (?:with|on)|(?:get|getting) back to)"
    r" (?!for\b|cent(?:er|re)s?\b)\S"
)
_PEOPLE = (
    r"(?:the |my |our )?(?:client|customer|team|boss|manager|vendor|supplier|landlord|investors?"
    r"|partner|candidate|recruiter|everyone|him|her|them|back)\b"
)
_MESSAGE_PERSON = re.compile(
    rf"^(?:email|emailing|e-mail|text|texting|message|messaging|dm|ping|pinging) (?:<@|{_PEOPLE})"
)
_RESULT_END = re.compile(
    r"\b(?:opened|launched|live|released|shipped|published|completed?|done|finished|approved"
    r"|signed|delivered|ready|deployed|enabled|running|reached|submitted|achieved)$"
)


def _routine_task(draft: Draft, _: Context) -> dict | None:
    words = _words(draft.title)
    doing = any(pattern.search(words) for pattern in _ROUTINE_DOING) or _CONTACT.search(words)
    routine = (
        (doing and not _RESULT_END.search(words))
        or any(pattern.search(words) for pattern in _ROUTINE_DONE)
        or _MESSAGE_PERSON.search(draft.title.lower()) is not None
    )
    return {"title": Typed(draft.title)} if routine else None


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
        "{title} describes effort rather than a result anyone could check. Name what will be "
        "true once it is reached: “Publish redesigned homepage” says more than “Improve the "
        "website”.",
    ),
    Rule(
        "date-title",
        _date_title,
        "{title} is a date, not a milestone. Keep the date as the due date and let the title "
        "say what will be true by then, like “User testing complete by June 15”.",
    ),
    Rule(
        "routine-task",
        _routine_task,
        "{title} reads like a single task. A milestone marks a change of stage, so name the "
        "step this work leads to, like “Contract signed” rather than “Send the contract”.",
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
