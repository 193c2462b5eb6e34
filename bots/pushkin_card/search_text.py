"""Free-text search without a search engine: the event's text is stored casefolded with ё→е,
and each word of the query is reduced to its stem, so «Ревизора» finds «Ревизор»."""

from __future__ import annotations

import re
from functools import cache

import snowballstemmer

_WORD = re.compile(r"\w+")
MAX_TERMS = 6
_MIN_STEM = 3


def normalise(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold().replace("ё", "е")))


@cache
def _stemmers() -> tuple[snowballstemmer.Stemmer, snowballstemmer.Stemmer]:
    return snowballstemmer.stemmer("russian"), snowballstemmer.stemmer("english")


def _stem(word: str) -> str:
    russian, english = _stemmers()
    stemmer = russian if re.search("[а-я]", word) else english
    stem: str = stemmer.stemWord(word)
    # A stem shorter than the word's first letters would match almost anything.
    return stem if len(stem) >= _MIN_STEM else word


def query_terms(text: str) -> list[str]:
    """The stems every matching event's text must contain (at most MAX_TERMS)."""
    words = _WORD.findall(text.casefold().replace("ё", "е"))
    terms = list(dict.fromkeys(_stem(w) for w in words if len(w) >= 2))
    return terms[:MAX_TERMS]
