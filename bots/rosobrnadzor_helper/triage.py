"""What a teacher's typed message is: small talk, a question the knowledge base answers, or one it
does not. The bot, ``sferum kb search`` and the quality tests all decide through ``triage``."""

from __future__ import annotations

from dataclasses import dataclass

from .kb import KnowledgeBase, SearchResult
from .small_talk import SmallTalk


@dataclass(frozen=True)
class Triage:
    small_talk: str | None  # the kind of small talk (data/small_talk.yaml), when it is that
    result: SearchResult | None  # the search, when it is a question

    @property
    def answered(self) -> bool:
        return self.result is not None and self.result.answered


async def triage(kb: KnowledgeBase, text: str, small_talk: SmallTalk | None = None) -> Triage:
    talk = small_talk or SmallTalk.shipped()
    intent = talk.intent(text)
    if intent is not None:
        return Triage(intent, None)
    # "Здравствуйте! Как подать апелляцию?": the greeting is not part of the question.
    question = talk.remove(text) or text
    return Triage(None, await kb.search(question))
