"""Which English words can be nouns, adjectives or verbs, and each verb form's lemmas: what the
title reading needs, from the lemma table lemminflect ships in its wheel.

lemminflect's own lookup keeps every reading of 70,000 words in nested dictionaries (about
33 MB) and imports numpy for its out-of-vocabulary models; the coach needs neither, so the
table is read once into a few sets and one dictionary of verb forms (a quarter of the size),
without importing the package. tests/unit/test_titles.py checks the readings against
lemminflect's getAllLemmas.
"""

import gzip
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from threading import Lock

# The app reads the lexicon in a background thread while a request may need it: one reads it.
_READING = Lock()


@dataclass(frozen=True)
class Lexicon:
    nouns: frozenset[str]
    adjectives: frozenset[str]
    adverbs: frozenset[str]
    verbs: dict[str, tuple[str, ...]]  # a verb form ("held") -> its lemmas ("hold",)
    # Comparatives of adjectives and adverbs: "better", "faster", "lower" (their lemma differs).
    comparatives: frozenset[str]

    def knows(self, word: str) -> bool:
        return (
            word in self.verbs
            or word in self.nouns
            or word in self.adjectives
            or word in self.adverbs
        )


def _resources() -> Path:
    spec = find_spec("lemminflect")  # finds the package without running its __init__
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("lemminflect is not installed")
    return Path(spec.origin).parent / "resources"


def lexicon() -> Lexicon:
    """The lexicon, read on first use (a fraction of a second) and kept for the process."""
    with _READING:
        return _read()


@cache
def _read() -> Lexicon:
    nouns: set[str] = set()
    adjectives: set[str] = set()
    adverbs: set[str] = set()
    verbs: dict[str, tuple[str, ...]] = {}
    comparatives: set[str] = set()
    resources = _resources()
    with gzip.open(resources / "lemma_lu.csv.gz", "rt", encoding="utf-8") as rows:
        for row in rows:
            word, category, lemmas = row.rstrip("\n").split(",")
            if word != word.lower():
                continue  # proper nouns: a lowered title word never looks them up
            if category == "noun":
                nouns.add(word)
            elif category == "verb":
                verbs[word] = tuple(lemmas.split("/"))
            elif category in {"adj", "adv"}:
                (adjectives if category == "adj" else adverbs).add(word)
                if word.endswith("er") and word not in lemmas.split("/"):
                    comparatives.add(word)
    # lemminflect's overrides add noun readings of pronouns and determiners ("all", "another").
    with (resources / "lemma_overrides.csv").open(encoding="utf-8") as rows:
        for row in rows:
            parts = row.strip().split(",")
            if len(parts) == 3 and not parts[0].startswith("#") and parts[1] == "NOUN":
                nouns.add(parts[0])
    return Lexicon(
        frozenset(nouns),
        frozenset(adjectives),
        frozenset(adverbs),
        verbs,
        frozenset(comparatives),
    )
