"""Whether the entries a search found answer the question at all, or only share its everyday words.

bm25 always finds something: "как дела" matches an entry that mentions a pupil's "личное дело",
"какой сериал посмотреть" one that says where to "посмотреть" exam results. The cut-off asks
whether an entry shares the question's *domain* words, and how much of the question they are.

A word's domain weight is how much more often the knowledge base uses it than Russian does in
general: the base's own frequency of the stem against wordfreq's list of general Russian (both as
Zipf values, log10 of occurrences per billion words), floored at zero. "апелляция", "ППЭ" or
"аттестация" weigh two to four, "дела", "сколько" or "год" nothing. An entry answers when

* evidence — the domain weight of the question's words the entry contains reaches
  ``MIN_EVIDENCE``: a word in the title, sample questions or tags counts whole, a word found only
  in the long answer text ``ANSWER_ONLY`` of it, a corrected typo ``CORRECTED`` of that; and
* coverage — those words carry at least ``MIN_COVERAGE`` of the question's information, each word
  weighted by how rare it is in general Russian (9 − Zipf), so the words the base has never seen
  ("фотосинтез", "борщ") weigh most.

The thresholds were chosen on tuning sets (tests/bots/rosobrnadzor_helper/data/*_tuning.yaml) in
the middle of the range where the tuning figures stay at their best (evidence 2.0–3.0, coverage
0–0.3) and are measured, not tuned, on separate held-out sets (test_accuracy.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .analysis import SYNONYM_PREFIX, QueryWord, stem, words

ANSWER_ONLY = 0.5
CORRECTED = 0.5
MIN_EVIDENCE = 2.5
MIN_COVERAGE = 0.15
# wordfreq's Zipf scale: 9 would be a word that is every word; a word it has never seen is 0.
MAX_ZIPF = 9.0
LANGUAGE = "ru"


@lru_cache(maxsize=200_000)
def general_zipf(word: str) -> float:
    """How common a word is in general Russian (wordfreq's Zipf value; 0 for an unknown word).
    wordfreq loads its Russian list (about a second) on the first call."""
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, LANGUAGE))


def _zipf(count: int, total: int) -> float:
    return math.log10(count / total * 1e9)


@dataclass(frozen=True)
class TermStats:
    """The knowledge base's frequency of each stem and how common the stem's commonest form is
    in general Russian (a stem stands for all its forms: "лет" is also "лету")."""

    base_zipf: Mapping[str, float]
    general: Mapping[str, float]

    @classmethod
    def build(cls, counts: Mapping[str, int], texts: Iterable[str]) -> TermStats:
        """``counts``: occurrences of each indexed term; ``texts``: the entries' own text."""
        # A synonym group's token is counted beside its words (one more token where they
        # occur), so it stays out of the total but has a frequency of its own.
        total = sum(n for t, n in counts.items() if n > 0 and not t.startswith(SYNONYM_PREFIX))
        base = {t: _zipf(n, total) for t, n in counts.items() if n > 0} if total else {}
        general: dict[str, float] = {}
        for text in texts:
            for word in dict.fromkeys(words(text)):
                term = stem(word)
                zipf = general_zipf(word)
                if zipf > general.get(term, 0.0):
                    general[term] = zipf
        return cls(base, general)

    def weight(self, word: QueryWord) -> float:
        """The word's domain weight: how much more the base uses it (or, when the base says it
        with a synonym, that synonym group) than Russian uses the word."""
        tokens = [word.term, *word.groups] if word.term else word.groups
        used = [self.base_zipf[t] for t in tokens if t in self.base_zipf]
        if not used:
            return 0.0
        common = self.general.get(word.term, 0.0) if word.term else 0.0
        if not word.corrected:  # a typo's own frequency says nothing of the word meant
            common = max(common, general_zipf(word.word))
        return max(0.0, max(used) - common)


def information(word: QueryWord) -> float:
    """How much a word of the question says: the rarer in general Russian, the more."""
    return max(0.0, MAX_ZIPF - general_zipf(word.word))


@dataclass(frozen=True)
class Relevance:
    evidence: float
    coverage: float

    @property
    def answers(self) -> bool:
        return self.evidence >= MIN_EVIDENCE and self.coverage >= MIN_COVERAGE


def judge(
    analysed: Sequence[QueryWord], stats: TermStats, key: set[str], answer: set[str]
) -> Relevance:
    """How well one entry (the terms of its title, questions and tags; of its answer text)
    answers the analysed question."""
    evidence = matched = total = 0.0
    for word in analysed:
        info = information(word)
        total += info
        tokens = [word.term, *word.groups] if word.term else word.groups
        if any(t in key for t in tokens):
            share = 1.0
        elif any(t in answer for t in tokens):
            share = ANSWER_ONLY
        else:
            continue
        if word.corrected:
            share *= CORRECTED
        evidence += share * stats.weight(word)
        matched += share * info
    return Relevance(evidence, matched / total if total else 0.0)
