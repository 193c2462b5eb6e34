"""The small FAQ about the card (data/faq.yaml): listing and answering a typed question.

A question matches an entry by its keywords: every word of a keyword phrase must occur in the
question (both stemmed, so «оформила» finds «оформить»); the entry with the most matched
keyword words wins, ties going to the earlier entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from .search_text import normalise, query_terms


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    question: str
    answer: str
    keywords: tuple[tuple[str, ...], ...]  # each keyword phrase as its stems


class FaqError(Exception):
    pass


def _stems(phrase: str) -> tuple[str, ...]:
    return tuple(query_terms(phrase)) or tuple(normalise(phrase).split())


def parse(document: Any) -> tuple[Entry, ...]:
    if not isinstance(document, list):
        raise FaqError("faq.yaml must be a list of entries")
    entries: list[Entry] = []
    seen: set[str] = set()
    for index, item in enumerate(document):
        if not isinstance(item, dict):
            raise FaqError(f"faq entry {index} is not a mapping")
        missing = [k for k in ("id", "question", "answer", "keywords") if not item.get(k)]
        if missing:
            raise FaqError(f"faq entry {index} lacks {', '.join(missing)}")
        if item["id"] in seen:
            raise FaqError(f"faq id {item['id']!r} repeats")
        seen.add(item["id"])
        keywords = tuple(s for s in (_stems(str(k)) for k in item["keywords"]) if s)
        entries.append(
            Entry(
                str(item["id"]),
                str(item["question"]).strip(),
                str(item["answer"]).strip(),
                keywords,
            )
        )
    return tuple(entries)


@cache
def entries() -> tuple[Entry, ...]:
    path = resources.files("bots.pushkin_card").joinpath("data").joinpath("faq.yaml")
    text = path.read_text(encoding="utf-8")
    return parse(yaml.safe_load(text))


def by_number(number: int) -> Entry | None:
    items = entries()
    return items[number] if 0 <= number < len(items) else None


def answer(question: str, items: tuple[Entry, ...] | None = None) -> Entry | None:
    """The best-matching entry, or None when no keyword phrase is in the question."""
    items = entries() if items is None else items
    text = normalise(question)
    # Stems and whole words of three letters or more: "в", "и" would match every phrase.
    words = {w for w in (*query_terms(question), *text.split()) if len(w) >= 3 or w.isdigit()}
    if not words:
        return None
    best: Entry | None = None
    best_score = 0
    for entry in items:
        score = 0
        for phrase in entry.keywords:
            if all(any(w.startswith(stem) for w in words) for stem in phrase):
                score += len(phrase)
        if score > best_score:
            best, best_score = entry, score
    return best
