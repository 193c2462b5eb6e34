"""The helper's answer quality, on question sets written apart from the knowledge base.

On-topic: paraphrased teacher questions, each labelled with its entry; a question counts when its
entry is among the top 3 AND the bot answers at all (the cut-off does not reject it). Off-topic:
greetings, other school subjects, everyday questions; one counts when the bot does not answer it
with an entry (small talk, or «не нашёл ответа»).

The cut-off's thresholds (relevance.py) were chosen on the tuning sets (*_tuning.yaml); the
held-out sets (heldout_questions.yaml, off_topic_heldout.yaml) were only measured.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bots.rosobrnadzor_helper.kb import KnowledgeBase
from bots.rosobrnadzor_helper.triage import triage

DATA = Path(__file__).parent / "data"
REQUIRED_TOP3 = 0.85
REQUIRED_REJECTED = 0.90


def load(name: str) -> list[Any]:
    return list(yaml.safe_load((DATA / name).read_text("utf-8")))


async def on_topic_figures(kb: KnowledgeBase, name: str) -> float:
    items = load(name)
    assert len(items) >= 40
    known = {
        row["entry_id"]
        for row in await kb.db.fetchall(
            "SELECT entry_id FROM rosobrnadzor_helper_entries WHERE retired = 0"
        )
    }
    assert {item["entry_id"] for item in items} <= known
    ranked = answered = 0
    misses = []
    for item in items:
        found = await triage(kb, item["question"])
        ids = [hit.entry.entry_id for hit in found.result.hits] if found.result else []
        ranked += item["entry_id"] in ids
        if item["entry_id"] in ids and found.answered:
            answered += 1
        else:
            misses.append((item["question"], item["entry_id"], ids, found.answered))
    share = answered / len(items)
    print(
        f"\n{name}: {len(items)} questions; top-3 and answered {share:.3f} ({answered}); "
        f"top-3 before the cut-off {ranked / len(items):.3f} ({ranked})"
    )
    for miss in misses:
        print("  miss:", miss)
    return share


async def rejected_share(kb: KnowledgeBase, name: str) -> float:
    phrases = load(name)
    assert len(phrases) >= 60 and len(set(phrases)) == len(phrases)
    rejected = by_cutoff = 0
    for phrase in phrases:
        found = await triage(kb, phrase)
        if not found.answered:
            rejected += 1
        else:
            print("  answered:", phrase, [h.entry.entry_id for h in found.result.hits][:1])
        # The cut-off alone, without the small-talk words: how far the principle carries.
        by_cutoff += not (await kb.search(phrase)).answered
    share = rejected / len(phrases)
    print(
        f"{name}: {len(phrases)} phrases; rejected {share:.3f} ({rejected}); "
        f"by the cut-off alone {by_cutoff / len(phrases):.3f} ({by_cutoff})"
    )
    return share


def test_tuning_and_heldout_sets_are_apart() -> None:
    on = [i["question"].casefold() for i in load("heldout_questions.yaml")]
    on_tuning = [i["question"].casefold() for i in load("on_topic_tuning.yaml")]
    off = [p.casefold() for p in load("off_topic_heldout.yaml")]
    off_tuning = [p.casefold() for p in load("off_topic_tuning.yaml")]
    assert not set(on) & set(on_tuning)
    assert not set(off) & set(off_tuning)


async def test_top3_accuracy_on_heldout_questions(kb: KnowledgeBase) -> None:
    assert await on_topic_figures(kb, "heldout_questions.yaml") >= REQUIRED_TOP3


async def test_off_topic_heldout_is_rejected(kb: KnowledgeBase) -> None:
    assert await rejected_share(kb, "off_topic_heldout.yaml") >= REQUIRED_REJECTED


@pytest.mark.parametrize(
    ("name", "required"), [("on_topic_tuning.yaml", REQUIRED_TOP3)], ids=["on-topic"]
)
async def test_on_topic_tuning_set(kb: KnowledgeBase, name: str, required: float) -> None:
    assert await on_topic_figures(kb, name) >= required


async def test_off_topic_tuning_set(kb: KnowledgeBase) -> None:
    assert await rejected_share(kb, "off_topic_tuning.yaml") >= REQUIRED_REJECTED
