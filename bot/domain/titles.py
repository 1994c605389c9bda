"""Reading a milestone title for what it names: a result someone can check, or effort, a
direction, a topic, a single task or only a date.

A milestone is a state reached ("Contract signed", "Beta released to 100 users", "Audit
passed"), so a title is read for the words that say a state was reached: a past participle
or a state adjective after its subject, a count or a target, or an imperative verb that
finishes something ("Ship dark mode"). Verbs are compared by lemma (bot.domain.lexicon, from
lemminflect's table), so "kept working on", "keeps moving on" and "making headway on" read
alike without listing every inflection.
"""

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache

from bot.domain.dates import parse_due_date
from bot.domain.errors import UnreadableDate
from bot.domain.lexicon import lexicon


class TitleKind(StrEnum):
    RESULT = "result"  # names a state someone can check
    EFFORT = "effort"  # work going on: "Keep moving on the backend"
    INQUIRY = "inquiry"  # effort that ends in knowing: "Look into caching"
    DIRECTION = "direction"  # better or more, with no finish line: "Improve retention"
    TOPIC = "topic"  # a subject with no state at all: "Data collection"
    TASK = "task"  # one small action: "Send the proposal", "Weekly sync scheduled"
    DATE = "date"  # nothing but a date: "Friday the 12th", "End of Q1"


class TaskFamily(StrEnum):
    SENDING = "sending"  # sending, sharing or writing something: it leads to a reply
    MEETING = "meeting"  # setting up or going to a meeting: it leads to the meeting held
    OTHER = "other"


@dataclass(frozen=True)
class TitleReading:
    kind: TitleKind
    subject: str  # what the title is about, as written ("the backend" -> "backend"); may be ""
    task_family: TaskFamily = TaskFamily.OTHER


# Verbs, by lemma, that describe going on with work rather than finishing it.
_EFFORT_VERBS = frozenset(
    {
        "work", "continue", "keep", "progress", "proceed", "push", "move", "iterate", "chip",
        "plug", "tinker", "handle", "deal", "focus", "try", "help", "support", "assist",
        "pursue", "tackle", "advance", "strive", "aim", "maintain", "monitor", "grind",
        "carry", "hammer", "drive", "brainstorm", "discuss", "spend", "nudge", "sort",
    }
)  # fmt: skip
# Effort that ends in knowing something rather than in a state.
_INQUIRY_VERBS = frozenset(
    {"explore", "investigate", "look", "dig", "think", "figure", "research", "study", "consider"}
)
# "Make headway on", "Make some progress with": making is effort when what is made is effort.
_EFFORT_NOUNS = frozenset(
    {"headway", "progress", "stride", "inroad", "effort", "push", "start", "dent", "improvement"}
)
# Verbs, by lemma, that name a direction: checkable only with a target ("to 80%").
_DIRECTION_VERBS = frozenset(
    {
        "improve", "enhance", "optimize", "optimise", "increase", "reduce", "grow", "boost",
        "strengthen", "streamline", "expand", "accelerate", "speed", "simplify", "refine",
        "lower", "raise", "minimize", "minimise", "maximize", "maximise", "decrease",
        "tighten", "deepen", "widen", "modernize", "modernise", "clean", "tidy", "polish",
        "cut", "better",
    }
)  # fmt: skip
# Phrases that say work is under way, wherever they stand.
_UNDER_WAY = re.compile(
    r"\b(?:ongoing|in progress|under ?way|wip|tbd|moving (?:forward|ahead|along)"
    r"|keep (?:going|at it)|etc|misc|stuff|things)\b"
)
# Verbs, by lemma, whose every use is one small action: "Send the proposal", "Call Sam".
_TASK_VERBS = frozenset(
    {
        "send", "email", "e-mail", "mail", "text", "message", "ping", "dm", "call", "phone",
        "ring", "reply", "respond", "answer", "remind", "follow", "forward", "share", "post",
        "tweet", "print", "book", "schedule", "reschedule", "order", "pay", "rename", "update",
        "edit", "tweak", "read", "check", "attend", "join", "cc", "chase", "contact", "notify",
        "comment",
    }
)  # fmt: skip
# Verbs, by lemma, that are one small action when done to a small thing ("Fix typo").
_SMALL_TASK_VERBS = frozenset(
    {
        "write", "draft", "review", "merge", "fix", "correct", "submit", "create", "upload",
        "file", "fill", "renew",
    }
)  # fmt: skip
# The small things a single task is done to, by lemma.
_SMALL_THINGS = frozenset(
    {
        "email", "e-mail", "mail", "message", "reply", "note", "minute", "agenda", "invite",
        "invitation", "reminder", "ticket", "doc", "document", "spreadsheet", "sheet",
        "tracker", "crm", "diary", "register", "rota", "deck", "slide", "page", "wiki",
        "readme", "calendar", "typo", "spelling", "link", "file", "pr", "commit", "post",
        "tweet", "card", "expense", "timesheet", "form", "voicemail", "inbox", "comment",
        "dm", "follow-up", "diff", "branch", "invoice", "bill", "meeting", "call", "sync",
        "standup", "stand-up", "catch-up", "appointment", "room", "1:1",
    }
)  # fmt: skip
_SENDING = frozenset(
    {"send", "email", "e-mail", "mail", "forward", "share", "submit", "post", "write", "draft"}
)
_MEETING = frozenset({"schedule", "reschedule", "book", "attend", "join"})
_TASK_PHRASES = re.compile(r"\b(?:pull|merge) requests?\b")

# Words a state is said with although no dictionary calls them adjectives or participles.
_STATE_WORDS = frozenset(
    {"complete", "done", "live", "ready", "over", "out", "final", "up", "down"}
)
_STATE_PHRASES = re.compile(
    r"\b(?:in (?:place|use|production|service|effect|stock|force)|on sale|up and running"
    r"|sold out|signed off|go(?:ne)? live)\b"
)
# Somewhere a thing is once it is done: "Android app in the Play Store".
_PLACED = re.compile(r"^\S+ (?:\S+ )*(?:in|on|into) the \S")
_NUMBER_WORDS = frozenset(
    {
        "zero", "no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
        "ten", "eleven", "twelve", "twenty", "fifty", "hundred", "first", "all", "every",
        "half", "both",
    }
)  # fmt: skip
# A number after "to", "below", "at"... (not a date such as 2026-06-15), or a percentage.
_TARGET = re.compile(
    r"\b(?:to|by|below|under|above|over|than|within|least|from|at|up|down|of)\s+[$€£]?\d"
    r"(?![\d,.]*[-/]\d)|\d\s*(?:%|percent\b)|\bzero\b"
)
_PARTICLES = frozenset(
    {
        "on", "with", "at", "into", "about", "towards", "toward", "to", "through", "for", "up",
        "forward", "ahead", "away", "along", "out", "in", "around", "over", "back", "of",
    }
)  # fmt: skip
_DETERMINERS = frozenset(
    {"the", "a", "an", "our", "my", "their", "his", "her", "its", "your", "some", "this", "that"}
)
_PREPOSITIONS = frozenset(
    {"for", "on", "in", "at", "to", "with", "by", "across", "from", "after", "before", "of"}
)
_DEADLINE_LEAD = frozenset(
    {"by", "due", "on", "before", "after", "until", "till", "deadline", "target", "eta",
     "for", "date"}
)  # fmt: skip
_DEADLINE_TAIL = frozenset({"deadline", "due", "target", "eta"})
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_SEASON = (
    r"(?:holidays?|christmas|xmas|new year|easter|summer|winter|spring|fall|autumn|half term"
    r"|break|(?:code )?freeze)"
)
_PERIOD = rf"(?:day|week|month|quarter|year|sprint|term|semester|q[1-4]|h[12]|{_MONTH})"
# Deadlines the date parser reads no day from, yet which hold nothing but a time.
_DEADLINE_ONLY = re.compile(
    "|".join(
        (
            r"(?:fy ?)?q[1-4](?: ?(?:fy ?)?\d{2,4})?",
            r"fy ?\d{2,4}|h[12](?: \d{4})?|\d{4}",
            rf"(?:(?:early|mid|late|end of|start of|beginning of)[ -]?)?{_MONTH}(?: \d{{4}})?",
            rf"(?:the )?(?:end|start|beginning|middle) of (?:the |this |next )?{_PERIOD}",
            r"(?:this|next|the) (?:week|month|quarter|year|sprint|term|semester)",
            rf"(?:the )?(?:(?:this|next) )?{_SEASON}",
            r"(?:fy|year|month|quarter|week|sprint|term)[ -]end",
            r"eod|eow|eom|eoq|eoy|cob|close of business|asap|week \d{1,2}|wk \d{1,2}|w\d{1,2}",
            r"\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?|\d{4}-\d{1,2}",
        )
    )
)
# Words that say when, and nothing else: a title made only of them ("First week of May",
# "Sprint 22 end", "Close of Q2") names a time, whichever way the words are put together.
_TIME_WORDS = frozenset(
    {
        "the", "this", "next", "last", "of", "in", "on", "at", "by", "before", "after", "until",
        "till", "from", "to", "within", "start", "end", "close", "beginning", "middle", "mid",
        "early", "late", "first", "second", "third", "fourth", "final", "a", "an", "day",
        "week", "weekend", "fortnight", "month", "quarter", "year", "sprint", "term",
        "semester", "half", "season", "summer", "winter", "spring", "fall", "autumn",
        "holiday", "holidays", "christmas", "easter", "today", "tomorrow", "tonight", "morning",
        "afternoon", "evening", "noon", "deadline", "due", "date", "target", "eta", "fy",
    }
)  # fmt: skip
_TIME_TOKEN = re.compile(
    rf"{_MONTH}|q[1-4]|h[12]|fy ?\d{{2,4}}|w(?:k|eek)?\d{{1,2}}|\d{{1,4}}(?:st|nd|rd|th)?"
    r"|(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?s?|eo[dwmqy]|cob"
)
# What makes a run of time words a time: a period or a point in the calendar, not "the first".
_TIME_ANCHOR = re.compile(
    rf"{_MONTH}|q[1-4]|h[12]|fy.*|\d.*|.*day|week|weekend|fortnight|month|quarter|year|sprint"
    r"|term|semester|season|summer|winter|spring|fall|autumn|holidays?|christmas|easter|eo[dwmqy]"
    r"|cob|today|tomorrow|tonight|deadline"
)
_TOKEN = re.compile(r"<[@#!][^>]*>|[\w$€£][\w$€£%'’.,&-]*[\w%]|[\w$€£%]")


@dataclass(frozen=True)
class _Word:
    text: str  # as written
    lower: str
    start: int  # where it starts in the title

    def lemmas(self, part_of_speech: str) -> tuple[str, ...]:
        return _lemmas(self.lower).get(part_of_speech, ())

    @property
    def is_number(self) -> bool:
        return any(character.isdigit() for character in self.lower) or (self.lower in _NUMBER_WORDS)


@lru_cache(maxsize=8192)
def _lemmas(word: str) -> dict[str, tuple[str, ...]]:
    """The readings of `word` by part of speech: its lemmas as a verb, itself otherwise."""
    word = word.replace("’", "'")
    readings = _readings(word)
    if "-" in word and not readings:
        # "rough-in", "follow-ups": the last part inflects, yet "on-call" is no verb.
        last = _readings(word.rsplit("-", 1)[-1])
        readings = {part: found for part, found in last.items() if part != "VERB"}
    return readings


def _readings(word: str) -> dict[str, tuple[str, ...]]:
    known = lexicon()
    readings = {"VERB": known.verbs[word]} if word in known.verbs else {}
    for part, words in (("NOUN", known.nouns), ("ADJ", known.adjectives), ("ADV", known.adverbs)):
        if word in words:
            readings[part] = (word,)
    return readings


@lru_cache(maxsize=8192)
def _is_participle(word: str) -> bool:
    """Whether `word` says a thing was done to its subject: "signed", "held", "frozen".

    A verb's form other than its lemma is its past, its participles or its third person; the
    -ing and -s forms are told by their endings, so only the lemma table is needed.
    """
    lemmas = _lemmas(word)
    verbs = lemmas.get("VERB", ())
    if word in verbs or word.endswith("ing"):  # "login" is its own lemma, as is "log-in"
        return False
    for lemma in verbs:
        if word not in (lemma + "s", lemma + "es", lemma[:-1] + "ies"):
            return True
    # Words the tables lack ("renegotiated") still read as participles by their ending.
    return not lemmas and len(word) > 4 and word.endswith("ed")


@lru_cache(maxsize=8192)
def _is_comparative(word: str) -> bool:
    """Whether `word` compares with nothing named: "better", "faster", "more", "fewer"."""
    return word in {"more", "less", "fewer", "worse"} or word in lexicon().comparatives


def warm() -> None:
    """Read the lexicon (a fraction of a second, once per process) before a title needs it."""
    lexicon()


def _is_state(word: _Word, following: _Word | None) -> bool:
    """A state said of the subject: "Roof watertight", "SSO available for enterprise"."""
    stated = word.lower in _STATE_WORDS or "ADJ" in _lemmas(word.lower)
    return stated and (following is None or following.lower in _PREPOSITIONS)


def _is_finite_verb(word: _Word) -> bool:
    """ "Client approves": a verb in the third person that no noun is spelt like."""
    return word.lower.endswith("s") and bool(word.lemmas("VERB")) and not word.lemmas("NOUN")


def _says_a_result(words: list[_Word], text: str) -> bool:
    """Whether, after its first word, the title says a state was reached or a count hit."""
    if _STATE_PHRASES.search(text) or _TARGET.search(text) or _PLACED.search(text):
        return True
    for index, word in enumerate(words[1:], start=1):
        following = words[index + 1] if index + 1 < len(words) else None
        if _is_participle(word.lower) or _is_state(word, following) or _is_finite_verb(word):
            return True
        # "All services running on Kubernetes": a state that goes on, not an activity.
        going_on = word.lower.endswith("ing") and bool(word.lemmas("VERB"))
        if going_on and following is not None and following.lower in _PREPOSITIONS:
            return True
    return False


def _ends_in_a_result(words: list[_Word]) -> bool:
    """Whether the last word says a state: "Progress report submitted", "Call routing live"."""
    last = words[-1].lower
    return last in _STATE_WORDS or _is_participle(last)


def _states_a_result(words: list[_Word]) -> bool:
    """Whether a participle or state word stands last or before a preposition in `words`:
    "Call for papers closed with 120 submissions", but not "Email the signed copy"."""
    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else None
        stated = word.lower in _STATE_WORDS or _is_participle(word.lower)
        if stated and (following is None or following.lower in _PREPOSITIONS):
            return True
    return False


def _is_imperative(words: list[_Word]) -> bool:
    """Whether the first word is a verb said to someone: "Ship dark mode", "Hire a designer".

    Many nouns are spelt like verbs ("Process optimization", "Site work"), so a word that can
    be a noun counts as a verb only when what follows is the start of its object.
    """
    first = words[0]
    if first.lemmas("VERB") == () or first.lower not in first.lemmas("VERB"):
        return False
    if len(words) == 1:
        return not first.lemmas("NOUN")
    following = words[1]
    if not first.lemmas("NOUN") or following.lower in _DETERMINERS or following.is_number:
        return True
    # "Ship dark mode": an adjective before a noun starts an object.
    lemmas = _lemmas(following.lower)
    return not lemmas or ("ADJ" in lemmas and len(words) > 2) or following.text[0] == "<"


def _subject(words: list[_Word], title: str, skip: int) -> str:
    """The words after the first `skip` (particles and articles too), without a trailing date,
    as written, with a capital first letter."""
    rest = words[skip:]
    while rest and (rest[0].lower in _PARTICLES or rest[0].lower in _DETERMINERS):
        rest = rest[1:]
    for index, word in enumerate(rest):
        if index and word.lower in {"by", "before", "until", "due", "for"}:
            rest = rest[:index]
            break
    if not rest:
        return ""
    end = rest[-1].start + len(rest[-1].text)
    text = title[rest[0].start : end]
    capital = text[:1].upper()
    # "ß" has no one-letter capital: it is left as written.
    return (capital if len(capital) == 1 else text[:1]) + text[1:]


def _task(words: list[_Word], text: str) -> TaskFamily | None:
    """The family of the single task the title names, or None when it names more."""
    first = words[0]
    # "Text the foreman": some verbs of messaging are only nouns in the tables.
    verbs = set(first.lemmas("VERB")) | ({first.lower} & _TASK_VERBS)
    # What the title acts on, singular or plural: "emails", "typos", "PRs".
    things = {form for word in words for form in (word.lower, word.lower.removesuffix("s"))}
    small = bool(things & _SMALL_THINGS) or _TASK_PHRASES.search(text) is not None
    if _TARGET.search(text):
        return None  # "Reading scores up 10 points": a number reached is no single task
    if _is_imperative(words) or (verbs & _TASK_VERBS and len(words) > 1):
        if _states_a_result(words[2:]):
            return None  # "Update status page live": the task leads to a result it names
        if verbs & _TASK_VERBS or (verbs & _SMALL_TASK_VERBS and small):
            return _family(verbs)
        return None
    # Said once done: "Weekly sync scheduled", "Typos fixed", "PR #123 reviewed".
    last = words[-1]
    if len(words) < 2 or not _is_participle(last.lower):
        return None
    done = set(last.lemmas("VERB"))
    counted = any(word.is_number and word.lower not in {"one", "a"} for word in words[:-1])
    counted = counted and not re.search(r"(?:#|\bpr |\bmr )\d", text)
    if counted:
        return None
    # Said once done, only a small thing makes a task: "Deposit paid" is a stage passed.
    if done & (_TASK_VERBS | _SMALL_TASK_VERBS) and small:
        return _family(done)
    return None


def _family(verbs: set[str]) -> TaskFamily:
    if verbs & _SENDING:
        return TaskFamily.SENDING
    if verbs & _MEETING:
        return TaskFamily.MEETING
    return TaskFamily.OTHER


def is_only_a_date(title: str, today: date) -> bool:
    """Whether `title` holds nothing but a date or a deadline word: "Friday the 12th"."""
    words = re.sub(r"[^\w\s/.,-]", " ", title.lower()).split()
    while words and words[0] in _DEADLINE_LEAD:
        words.pop(0)
    while words and words[-1] in _DEADLINE_TAIL:
        words.pop()
    rest = " ".join(words).strip(" ,.-:")
    if not rest:
        return bool(title.strip())  # nothing but deadline words: "Deadline", "Due date"
    if _DEADLINE_ONLY.fullmatch(rest):
        return True
    times = [word.removesuffix("s") if word.endswith(("ks", "hs", "ys", "rs")) else word
             for word in re.findall(r"[\w/-]+", rest)]  # fmt: skip
    if all(word in _TIME_WORDS or _TIME_TOKEN.fullmatch(word) for word in times) and any(
        _TIME_ANCHOR.fullmatch(word) for word in times
    ):
        return True
    try:
        parse_due_date(rest, today=today)
    except UnreadableDate:
        return False
    return True


@lru_cache(maxsize=4096)
def read_title(title: str, today: date) -> TitleReading:
    """What `title` names, and its subject for the coach's suggested rewrite."""
    if is_only_a_date(title, today):
        return TitleReading(TitleKind.DATE, "")
    text = " ".join(title.lower().split())
    words = [
        _Word(match.group(), match.group().lower(), match.start())
        for match in _TOKEN.finditer(title)
    ]
    if not words:
        return TitleReading(TitleKind.RESULT, "")
    if (family := _task(words, text)) is not None:
        return TitleReading(TitleKind.TASK, _subject(words, title, 1), family)
    first = words[0]
    verbs = set(first.lemmas("VERB"))
    if _UNDER_WAY.search(text):
        return TitleReading(TitleKind.EFFORT, "")
    finished = _ends_in_a_result(words) if len(words) > 1 else False
    targeted = _TARGET.search(text) is not None
    if verbs & _INQUIRY_VERBS and not finished and not targeted:
        return TitleReading(TitleKind.INQUIRY, _subject(words, title, 1))
    if "make" in verbs and len(words) > 1:
        made = next((word for word in words[1:] if word.lower not in _DETERMINERS), words[1])
        if {made.lower, made.lower.removesuffix("s")} & _EFFORT_NOUNS and not finished:
            return TitleReading(TitleKind.EFFORT, _subject(words, title, words.index(made) + 1))
    if verbs & _EFFORT_VERBS and not finished and not targeted:
        skip = 1
        # "Keep chipping away at", "Continue working on": the effort verb after the first.
        while skip < len(words) and (
            set(words[skip].lemmas("VERB")) & (_EFFORT_VERBS | _INQUIRY_VERBS)
            or words[skip].lower in _PARTICLES
            # "Continue refactoring the billing module": the billing module is the subject.
            or (
                words[skip].lower.endswith("ing")
                and skip + 1 < len(words)
                and words[skip + 1].lower in _DETERMINERS
            )
        ):
            skip += 1
        return TitleReading(TitleKind.EFFORT, _subject(words, title, skip))
    directed = verbs & _DIRECTION_VERBS or _is_comparative(first.lower)
    if directed and not targeted and not (finished and len(words) > 2):
        return TitleReading(TitleKind.DIRECTION, _subject(words, title, 1))
    # "Get more leads", "Get the API into better shape": more of something, with no target.
    compared = next((i for i, word in enumerate(words) if _is_comparative(word.lower)), None)
    if compared is not None and not targeted and not _states_a_result(words[1:]):
        return TitleReading(TitleKind.DIRECTION, _subject(words, title, compared + 1))
    # "Nudge the search project along", "Plug away at the migration": going on, no end.
    if verbs and {"along", "away"} & {word.lower for word in words[1:]} and not finished:
        return TitleReading(TitleKind.EFFORT, _subject(words, title, 1))
    if _is_imperative(words) or first.is_number or _says_a_result(words, text):
        return TitleReading(TitleKind.RESULT, "")
    # Said as done, the subject after: "Completed the first month of training".
    if (
        _is_participle(first.lower)
        and len(words) > 1
        and (words[1].lower in _DETERMINERS or words[1].is_number)
    ):
        return TitleReading(TitleKind.RESULT, "")
    return TitleReading(TitleKind.TOPIC, _subject(words, title, 0))
