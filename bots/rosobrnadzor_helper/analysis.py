"""Text analysis for the knowledge base: the same pipeline for entries and for teachers' questions.

Lower-case, ё folded to е, words split on anything that is not a letter or a digit, function words
dropped, each word stemmed with Snowball's Russian stemmer. A synonym group that occurs in the text
adds one extra token shared by the whole group, so "претензия" finds entries that say "жалоба"
while an exact word still scores higher than its synonym.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import snowballstemmer
import yaml

_WORD = re.compile(r"[0-9a-zа-я]+")

# Function words only: question words such as "когда" or "сколько" carry meaning and are left to
# bm25's inverse document frequency.
STOPWORDS = frozenset(
    [
        "а",
        "без",
        "бы",
        "был",
        "была",
        "были",
        "было",
        "быть",
        "в",
        "вам",
        "вас",
        "во",
        "вот",
        "все",
        "всё",
        "вы",
        "где",
        "да",
        "даже",
        "для",
        "до",
        "его",
        "ее",
        "её",
        "если",
        "есть",
        "еще",
        "ещё",
        "же",
        "за",
        "и",
        "из",
        "или",
        "им",
        "их",
        "к",
        "как",
        "ко",
        "кто",
        "ли",
        "либо",
        "меня",
        "мне",
        "мной",
        "мы",
        "на",
        "над",
        "нам",
        "нас",
        "не",
        "него",
        "нее",
        "неё",
        "ни",
        "нибудь",
        "но",
        "ну",
        "о",
        "об",
        "однако",
        "он",
        "она",
        "они",
        "оно",
        "от",
        "по",
        "под",
        "при",
        "про",
        "с",
        "со",
        "так",
        "также",
        "тебе",
        "то",
        "того",
        "тоже",
        "той",
        "только",
        "том",
        "ты",
        "у",
        "уж",
        "чем",
        "что",
        "чтобы",
        "чтоб",
        "эта",
        "эти",
        "это",
        "этого",
        "этой",
        "этот",
        "этом",
        "я",
        "мой",
        "моя",
        "мои",
        "мое",
        "моё",
        "наш",
        "наша",
        "наши",
        "свой",
        "своя",
        "свои",
        "себя",
        "себе",
        "бы",
        "вообще",
        "просто",
        "ведь",
        "вдруг",
        "типа",
        "пожалуйста",
        "подскажите",
        "скажите",
        "здравствуйте",
        "добрый",
        "день",
        "какой",
        "какая",
        "какое",
        "какие",
        "каком",
        "какую",
        "каких",
        "каким",
        "хочу",
        "хочет",
        "хотел",
        "хотела",
    ]
)

SYNONYM_PREFIX = "syn"


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    return snowballstemmer.stemmer("russian")


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """The stem of one lower-cased, ё-folded word (digits and Latin words stay as they are)."""
    if word.isdigit():
        return word
    return str(_stemmer().stemWord(word))


def fold(text: str) -> str:
    return text.lower().replace("ё", "е")


def words(text: str) -> list[str]:
    """Lower-cased, ё-folded words of ``text``, function words dropped."""
    return [w for w in _WORD.findall(fold(text)) if w not in STOPWORDS]


def stems(text: str) -> list[str]:
    return [stem(w) for w in words(text)]


@dataclass
class QueryWord:
    """One content word of a question: its index term (a stem, or a one-edit correction of a
    stem that matches nothing; None when nothing is close) and the synonym groups it is in."""

    word: str
    term: str | None
    corrected: bool
    groups: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SynonymGroup:
    token: str
    phrases: tuple[tuple[str, ...], ...]


class Synonyms:
    """Groups of words or phrases that mean the same; each group gets one shared token."""

    def __init__(self, groups: Iterable[Sequence[str]]) -> None:
        built: list[SynonymGroup] = []
        seen: set[str] = set()
        for group in groups:
            phrases = tuple(dict.fromkeys(tuple(stems(p)) for p in group if stems(p)))
            if len(phrases) < 2:
                continue
            token = SYNONYM_PREFIX + "".join(phrases[0])
            if token in seen:  # two groups led by the same word share a token
                token += str(len(built))
            seen.add(token)
            built.append(SynonymGroup(token, phrases))
        self.groups = tuple(built)
        # Index phrases by their first stem so matching is a look-up per position.
        self._by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for syn_group in self.groups:
            for phrase in syn_group.phrases:
                self._by_first.setdefault(phrase[0], []).append((phrase, syn_group.token))
        self._stems = frozenset(s for g in self.groups for p in g.phrases for s in p)

    @classmethod
    def from_yaml(cls, text: str) -> Synonyms:
        data = yaml.safe_load(text) or {}
        groups = data.get("groups", []) if isinstance(data, dict) else []
        valid = [
            [str(item) for item in group]
            for group in groups
            if isinstance(group, list) and all(isinstance(i, str | int) for i in group)
        ]
        return cls(valid)

    @classmethod
    def shipped(cls) -> Synonyms:
        text = resources.files(__package__).joinpath("data/synonyms.yaml").read_text("utf-8")
        return cls.from_yaml(text)

    def knows(self, stem_: str) -> bool:
        """The stem is part of some synonym phrase (so it is not a typo even if no entry has it)."""
        return stem_ in self._stems

    def occurrences(self, stem_list: Sequence[str]) -> list[tuple[str, int, int]]:
        """(group token, start, length) of every synonym phrase occurring in ``stem_list``."""
        found: list[tuple[str, int, int]] = []
        for index, first in enumerate(stem_list):
            for phrase, token in self._by_first.get(first, ()):
                if tuple(stem_list[index : index + len(phrase)]) == phrase:
                    found.append((token, index, len(phrase)))
        return found

    def tokens_for(self, stem_list: Sequence[str]) -> list[str]:
        """Group tokens of every synonym phrase occurring in ``stem_list``."""
        return list(dict.fromkeys(token for token, _, _ in self.occurrences(stem_list)))

    def fingerprint(self) -> str:
        raw = repr([(g.token, g.phrases) for g in self.groups])
        return hashlib.sha256(raw.encode()).hexdigest()[:16]


class Analyzer:
    """Turns entry fields and questions into the space-separated tokens the FTS index holds."""

    # Bump when the pipeline changes so stored entries are re-indexed at start.
    VERSION = 1

    def __init__(self, synonyms: Synonyms | None = None) -> None:
        self.synonyms = synonyms if synonyms is not None else Synonyms.shipped()

    def tokens(self, text: str) -> list[str]:
        base = stems(text)
        return base + self.synonyms.tokens_for(base)

    def index_text(self, text: str) -> str:
        return " ".join(self.tokens(text))

    def fingerprint(self) -> str:
        """Changes when the indexed form of the same text would change."""
        return f"v{self.VERSION}:{self.synonyms.fingerprint()}"


def osa_distance_at_most_one(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by at most one edit (insert, delete, substitute, swap)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if la < lb else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


def _deletes(term: str) -> set[str]:
    return {term[:i] + term[i + 1 :] for i in range(len(term))}


class Vocabulary:
    """The stems the index holds, with document counts, for one-edit typo correction.

    A symmetric-delete index (every stem under each of its one-letter deletions) finds the stems
    one edit away with a few dict look-ups instead of a scan of the whole vocabulary.
    """

    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts
        self._by_delete: dict[str, list[str]] = {}
        for term in counts:
            if term.startswith(SYNONYM_PREFIX) or term.isdigit():
                continue
            for variant in _deletes(term):
                self._by_delete.setdefault(variant, []).append(term)

    def __contains__(self, term: object) -> bool:
        return term in self.counts

    def correct(self, term: str) -> str | None:
        """The most common stem one edit away from ``term``, or None."""
        candidates: set[str] = set(self._by_delete.get(term, ()))
        for variant in _deletes(term):
            if variant in self.counts:
                candidates.add(variant)
            candidates.update(self._by_delete.get(variant, ()))
        # A typo rarely hits the first letter, and in a 4-letter stem a dropped or added letter
        # changes the word too often ("торт" is not "тот"): those need the same length.
        close = [
            c
            for c in candidates
            if c[:1] == term[:1]
            and (len(term) > 4 or len(c) == len(term))
            and osa_distance_at_most_one(term, c)
        ]
        if not close:
            return None
        return max(close, key=lambda c: (self.counts[c], c))
