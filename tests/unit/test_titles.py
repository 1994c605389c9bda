"""Tests for reading a title's kind, and for the lexicon it is read with."""

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lemminflect import getAllLemmas

from bot.domain.lexicon import lexicon
from bot.domain.titles import TaskFamily, TitleKind, read_title

TODAY = date(2026, 11, 26)


def sample_words() -> list[str]:
    known = lexicon()
    words = sorted(known.nouns | known.adjectives | known.adverbs | set(known.verbs))
    return words[::97]


@pytest.mark.parametrize("word", sample_words())
def test_lexicon_reads_lemminflects_table_as_lemminflect_does(word: str) -> None:
    known, readings = lexicon(), getAllLemmas(word)
    assert known.verbs.get(word, ()) == readings.get("VERB", ())
    assert (word in known.nouns) == ("NOUN" in readings)
    assert (word in known.adjectives) == ("ADJ" in readings)
    assert (word in known.adverbs) == ("ADV" in readings)


@pytest.mark.parametrize(
    ("word", "comparative"),
    [("better", True), ("faster", True), ("lower", True), ("cleaner", True), ("water", False),
     ("other", False), ("upper", False), ("best", False)],
)  # fmt: skip
def test_lexicon_knows_comparatives_from_their_lemma(word: str, comparative: bool) -> None:
    assert (word in lexicon().comparatives) is comparative


def test_reading_a_title_loads_neither_lemminflect_nor_numpy() -> None:
    code = (
        "import sys; from datetime import date; from bot.domain.titles import read_title;"
        "read_title('Keep moving on the backend', date(2026, 11, 26));"
        "print(sorted({'lemminflect', 'numpy'} & set(sys.modules)))"
    )
    root = Path(__file__).parents[2]
    ran = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert ran.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("title", "kind", "subject"),
    [
        ("Keep moving on the backend", TitleKind.EFFORT, "Backend"),
        ("Kept plugging away at the migration", TitleKind.EFFORT, "Migration"),
        ("Look into flaky tests", TitleKind.INQUIRY, "Flaky tests"),
        ("Improve the website by Q3", TitleKind.DIRECTION, "Website"),
        ("Get more leads", TitleKind.DIRECTION, "Leads"),
        ("Data collection", TitleKind.TOPIC, "Data collection"),
        ("Friday the 12th", TitleKind.DATE, ""),
        ("After the holidays", TitleKind.DATE, ""),
        ("First week of May", TitleKind.DATE, ""),
        ("Sprint 22 end", TitleKind.DATE, ""),
        ("Close of Q2", TitleKind.DATE, ""),
        ("Week 3 done", TitleKind.RESULT, ""),
        ("Reading scores up 10 points", TitleKind.RESULT, ""),
        ("Contract signed", TitleKind.RESULT, ""),
        ("Roof watertight", TitleKind.RESULT, ""),
        ("Ship dark mode", TitleKind.RESULT, ""),
        ("Zero open P1 bugs", TitleKind.RESULT, ""),
        ("Android app in the Play Store", TitleKind.RESULT, ""),
        ("Improve checkout conversion to 3%", TitleKind.RESULT, ""),
    ],
)
def test_title_is_read_for_what_it_names(title: str, kind: TitleKind, subject: str) -> None:
    reading = read_title(title, TODAY)
    assert (reading.kind, reading.subject) == (kind, subject)


@pytest.mark.parametrize(
    ("title", "family"),
    [
        ("Send the offer letter", TaskFamily.SENDING),
        ("Thank-you cards sent", TaskFamily.SENDING),
        ("Book a meeting room", TaskFamily.MEETING),
        ("Weekly sync scheduled", TaskFamily.MEETING),
        ("Call the inspector", TaskFamily.OTHER),
        ("Typos fixed", TaskFamily.OTHER),
    ],
)
def test_single_tasks_are_told_by_family(title: str, family: TaskFamily) -> None:
    reading = read_title(title, TODAY)
    assert (reading.kind, reading.task_family) == (TitleKind.TASK, family)


@pytest.mark.parametrize(
    "title",
    [
        "Wedding venue deposit paid",  # paid, but no small thing: a stage passed
        "Email campaign launched",
        "Call for papers closed with 120 submissions",
        "Newsletter sent to 1,000 subscribers",
        "Venue booked for 300 guests",
    ],
)
def test_a_task_word_leading_to_a_result_is_no_task(title: str) -> None:
    assert read_title(title, TODAY).kind is TitleKind.RESULT


TITLE_WORDS = [
    "keep", "moving", "on", "the", "backend", "signed", "better", "more", "in", "to", "80%",
    "by", "friday", "12th", "send", "email", "weekly", "sync", "scheduled", "along", "away",
    "up", "down", "<@U1>", "&", "of", "q1", "end", "first", "week", "make", "headway", "hire",
    "a", "engineer", "-", "'", ",", ".",
]  # fmt: skip


@given(st.lists(st.sampled_from(TITLE_WORDS), max_size=9).map(" ".join) | st.text(max_size=60))
def test_any_title_is_read_as_one_kind(title: str) -> None:
    reading = read_title(title, TODAY)
    assert reading.kind in TitleKind
    # The subject is a piece of the title, its first letter made a capital.
    assert reading.subject == "" or reading.subject[1:] in title
