"""Small talk: a greeting, thanks, «как дела», a goodbye, «кто ты». A message made only of such
phrases (data/small_talk.yaml), function words and ways of addressing the bot gets a short
friendly reply with the menu instead of a search of the knowledge base; in a question that
starts with a greeting the phrases are taken out before the search.

Phrases are compared by word stems, the same Snowball stems the search uses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from .analysis import STOPWORDS, fold, stem

_TOKEN = re.compile(r"[0-9a-zа-я]+")
# When a message holds several kinds, the reply answers the one that matters most to a person:
# thanks and goodbyes before the greeting that often comes with them.
PRIORITY = ("thanks", "farewell", "how_are_you", "about", "greeting", "ack")


@dataclass(frozen=True)
class Phrase:
    intent: str
    stems: tuple[str, ...]


def _stems(text: str) -> tuple[str, ...]:
    return tuple(stem(token) for token in _TOKEN.findall(fold(text)))


class SmallTalk:
    def __init__(self, intents: dict[str, Sequence[str]], fillers: Sequence[str]) -> None:
        phrases = [
            Phrase(intent, stems)
            for intent, items in intents.items()
            for item in items
            if (stems := _stems(str(item)))
        ]
        # Longest first, so "как у тебя дела" is one phrase rather than "как" left over.
        self.phrases = sorted(phrases, key=lambda p: -len(p.stems))
        self.fillers = frozenset(s for f in fillers for s in _stems(str(f)))
        self.function_words = frozenset(stem(w) for w in STOPWORDS)

    @classmethod
    def from_yaml(cls, text: str) -> SmallTalk:
        data = yaml.safe_load(text) or {}
        return cls(dict(data.get("intents") or {}), list(data.get("fillers") or []))

    @staticmethod
    def shipped() -> SmallTalk:
        return _shipped()

    def _cover(self, tokens: tuple[str, ...]) -> tuple[list[bool], list[str]]:
        """Which tokens belong to a small-talk phrase, and the intents found, in order."""
        covered = [False] * len(tokens)
        found: list[str] = []
        index = 0
        while index < len(tokens):
            for phrase in self.phrases:
                end = index + len(phrase.stems)
                if tokens[index:end] == phrase.stems:
                    covered[index:end] = [True] * len(phrase.stems)
                    found.append(phrase.intent)
                    index = end
                    break
            else:
                index += 1
        return covered, found

    def intent(self, text: str) -> str | None:
        """The kind of small talk when the whole message is small talk, else None."""
        tokens = _stems(text)
        covered, found = self._cover(tokens)
        if not found:
            return None
        rest = [
            t
            for t, done in zip(tokens, covered, strict=True)
            if not done and t not in self.fillers and t not in self.function_words
        ]
        if rest:
            return None
        return min(found, key=lambda i: PRIORITY.index(i) if i in PRIORITY else len(PRIORITY))

    def remove(self, text: str) -> str:
        """The message without its small-talk phrases: what is left to search for."""
        tokens = _TOKEN.findall(fold(text))
        covered, _ = self._cover(tuple(stem(t) for t in tokens))
        return " ".join(t for t, done in zip(tokens, covered, strict=True) if not done)


@cache
def _shipped() -> SmallTalk:
    text = resources.files(__package__).joinpath("data/small_talk.yaml").read_text("utf-8")
    return SmallTalk.from_yaml(text)
