"""Knowledge-base search latency of the Rosobrnadzor helper over 2,000 entries.

The shipped entries plus synthetic variants of them (sentences reordered, questions subset, words
from other entries mixed in so the vocabulary grows as a real base's would) go into a temporary
SQLite file through the same import path as ``sferum kb import``. Then every held-out teacher
question is searched, several rounds, the way the bot does it. Prints one JSON object.

    .venv/bin/python -m bench.faq [--entries 2000] [--rounds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from bots.rosobrnadzor_helper import plugin
from bots.rosobrnadzor_helper.kb import KnowledgeBase
from bots.rosobrnadzor_helper.kb_import import EntryPatch, parse_yaml
from core.plugins.loader import plugin_migrations
from core.storage import migrate, open_core_database

ROOT = Path(__file__).resolve().parent.parent
KB_FILE = ROOT / "bots/rosobrnadzor_helper/data/knowledge_base.yaml"
HELDOUT = ROOT / "tests/bots/rosobrnadzor_helper/data/heldout_questions.yaml"


def synthetic(real: list[EntryPatch], total: int, seed: int = 7) -> list[EntryPatch]:
    rng = random.Random(seed)
    pool = sorted({w for p in real for w in str(p.fields["answer"]).split() if len(w) > 4})
    made: list[EntryPatch] = []
    for index in range(total - len(real)):
        base = real[index % len(real)]
        fields = dict(base.fields)
        sentences = str(fields["answer"]).split("\n")
        rng.shuffle(sentences)
        noise = " ".join(rng.sample(pool, 25))
        fields["answer"] = "\n".join(sentences) + "\n" + noise
        fields["title"] = f"{fields['title']} ({' '.join(rng.sample(pool, 2))})"
        questions = list(fields.get("questions") or [])
        fields["questions"] = rng.sample(questions, max(1, len(questions) - 1)) if questions else []
        fields["related"] = []
        made.append(EntryPatch(f"{base.entry_id}-v{index}", fields))
    return made


async def run(entries: int, rounds: int) -> dict[str, object]:
    real = parse_yaml(KB_FILE.read_text("utf-8"))
    questions = [item["question"] for item in yaml.safe_load(HELDOUT.read_text("utf-8"))]
    with tempfile.TemporaryDirectory() as tmp:
        db = await open_core_database(str(Path(tmp) / "bench.db"))
        try:
            await migrate(db, plugin_migrations(plugin))
            kb = KnowledgeBase(db)
            started = time.perf_counter()
            await kb.apply(real + synthetic(real, entries))
            import_s = time.perf_counter() - started
            count = await kb.count()
            await kb.search(questions[0])  # the first search builds the typo index: timed apart
            first_ms = 0.0
            timings: list[float] = []
            for round_ in range(rounds):
                for question in questions:
                    began = time.perf_counter()
                    await kb.search(question)
                    timings.append((time.perf_counter() - began) * 1000)
                if round_ == 0:
                    first_ms = max(timings)
        finally:
            await db.close()
    timings.sort()
    return {
        "bench": "rosobrnadzor_helper.faq_search",
        "entries": count,
        "queries": len(timings),
        "import_s": round(import_s, 2),
        "p50_ms": round(statistics.median(timings), 3),
        "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 3),
        "max_ms": round(timings[-1], 3),
        "first_round_max_ms": round(first_ms, 3),
        "target_p95_ms": 20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(max(args.entries, 100), max(args.rounds, 1)))))


if __name__ == "__main__":
    main()
