"""Exam trainer: how long choosing a student's next task takes with 100,000 review records stored.

Builds a SQLite file (WAL, as in production) with the core and trainer schemas, 4,000 tasks
(2 exams × 2 subjects × 25 numbers × 40 tasks, imported through the real importer), 2,000 students
with 50 FSRS cards each (100,000 cards, ~20 % of them due) and 100,000 answers in the review log,
plus one student who has seen every task (the worst case for "new task" and "practise ahead").
Then times ``next_task`` (the bot's query path) for random students and foci, ``record_answer``
and ``due_count``, and prints one JSON object. Bounded loops; nothing listens on the network.

    .venv/bin/python -m bench.trainer [--students 2000] [--cards 50] [--picks 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bots.exam_trainer import plugin, tasks
from bots.exam_trainer.answering import record_answer
from bots.exam_trainer.bank_format import validate
from bots.exam_trainer.importer import import_bank
from bots.exam_trainer.repetition import utc_text
from bots.exam_trainer.selection import Focus, due_count, next_task
from core.plugins.loader import plugin_migrations
from core.storage import Database, migrate, open_core_database

EXAMS = (("ОГЭ", "oge"), ("ЕГЭ", "ege"))
SUBJECTS = (("math", "Математика"), ("russian", "Русский язык"))
NUMBERS = range(1, 26)
PER_NUMBER = 40
TOPICS_PER_NUMBER = 2
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def bank(exam: str, latin: str, subject: str, title: str) -> dict[str, Any]:
    rows = []
    for number in NUMBERS:
        for k in range(1, PER_NUMBER + 1):
            rows.append(
                {
                    "id": f"{latin}-{subject}-{number:02d}-{k:03d}",
                    "number": number,
                    "topic": f"Тема {number}.{k % TOPICS_PER_NUMBER + 1}",
                    "type": "short",
                    "text": f"Задача {number}.{k}",
                    "answer": str(number * 1000 + k),
                    "explanation": "Разбор.",
                    "points": 1,
                    "verify": f"{number} * 1000 + {k}",
                }
            )
    return {"exam": exam, "subject": subject, "subject_title": title, "tasks": rows}


async def fill(db: Database, students: int, cards: int, rng: random.Random) -> dict[str, Any]:
    started = time.perf_counter()
    for exam, latin in EXAMS:
        for subject, title in SUBJECTS:
            await import_bank(db, validate(bank(exam, latin, subject, title), "bench"), NOW)
    all_tasks = await db.fetchall("SELECT id, exam, subject, number, topic FROM exam_trainer_tasks")
    card_rows: list[tuple[Any, ...]] = []
    review_rows: list[tuple[Any, ...]] = []
    for person_id in range(1, students + 1):
        for task in rng.sample(all_tasks, cards):
            due = NOW + timedelta(hours=rng.uniform(-5 * 24, 30 * 24))  # ~20 % due now
            last = due - timedelta(days=rng.uniform(0.5, 10))
            correct = rng.random() < 0.7
            card_rows.append(
                (
                    person_id, task["id"], task["exam"], task["subject"], task["number"],
                    task["topic"], 2, None, rng.uniform(0.5, 40), rng.uniform(1, 9),
                    utc_text(due), utc_text(last), 1, 0 if correct else 1,
                )
            )  # fmt: skip
            review_rows.append(
                (
                    person_id, task["id"], task["exam"], task["subject"], task["number"],
                    task["topic"], utc_text(last), "0", int(correct), 3 if correct else 1, None,
                )
            )  # fmt: skip
    heavy = students + 1  # has seen every task
    for task in all_tasks:
        due = NOW + timedelta(hours=rng.uniform(1, 30 * 24))  # nothing due: the longest path
        card_rows.append(
            (
                heavy, task["id"], task["exam"], task["subject"], task["number"], task["topic"],
                2, None, 5.0, 5.0, utc_text(due), utc_text(NOW - timedelta(days=1)), 1, 0,
            )
        )  # fmt: skip
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO exam_trainer_cards (person_id, task_id, exam, subject, number, topic, "
            "state, step, stability, difficulty, due, last_review, reps, lapses) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            card_rows,
        )
        await tx.executemany(
            "INSERT INTO exam_trainer_reviews (person_id, task_id, exam, subject, number, topic, "
            "answered_at, given, correct, rating, assignment_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            review_rows,
        )
    await db.execute("ANALYZE")
    return {
        "tasks": len(all_tasks),
        "cards": len(card_rows),
        "review_log": len(review_rows),
        "heavy_student_cards": len(all_tasks),
        "fill_s": round(time.perf_counter() - started, 2),
    }


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 3)

    return {
        "n": len(ordered),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": round(ordered[-1] * 1000, 3),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 3),
    }


def random_focus(rng: random.Random) -> Focus:
    exam, _ = rng.choice(EXAMS)
    subject, _ = rng.choice(SUBJECTS)
    number = rng.choice(NUMBERS)
    if rng.random() < 0.25:
        return Focus(exam, subject, topic=f"Тема {number}.{rng.randint(1, TOPICS_PER_NUMBER)}")
    return Focus(exam, subject, number=number)


async def run(students: int, cards: int, picks: int) -> dict[str, Any]:
    rng = random.Random(20261123)
    with tempfile.TemporaryDirectory() as folder:
        db = await open_core_database(str(Path(folder) / "bench.db"))
        try:
            await migrate(db, plugin_migrations(plugin))
            stored = await fill(db, students, cards, rng)
            task_ids = [r["id"] for r in await db.fetchall("SELECT id FROM exam_trainer_tasks")]
            sources: dict[str, int] = {}
            pick_times: list[float] = []
            for _ in range(picks):
                person = rng.randint(1, students)
                focus = random_focus(rng)
                last = rng.choice(task_ids)
                begin = time.perf_counter()
                pick = await next_task(db, person, focus, NOW, last)
                pick_times.append(time.perf_counter() - begin)
                key = "none" if pick is None else pick.source.value
                sources[key] = sources.get(key, 0) + 1
            heavy_times: list[float] = []
            for _ in range(min(picks, 500)):
                focus = random_focus(rng)
                begin = time.perf_counter()
                await next_task(db, students + 1, focus, NOW, rng.choice(task_ids))
                heavy_times.append(time.perf_counter() - begin)
            due_times: list[float] = []
            for _ in range(min(picks, 500)):
                begin = time.perf_counter()
                await due_count(db, rng.randint(1, students), NOW)
                due_times.append(time.perf_counter() - begin)
            answer_times: list[float] = []
            for _ in range(min(picks, 300)):
                task = await tasks.task(db, rng.choice(task_ids))
                assert task is not None
                begin = time.perf_counter()
                await record_answer(db, rng.randint(1, students), task, task.answer, NOW)
                answer_times.append(time.perf_counter() - begin)
        finally:
            await db.close()
    return {
        "benchmark": "exam_trainer.next_task",
        "stored": stored,
        "next_task": summary(pick_times),
        "next_task_sources": sources,
        "next_task_student_who_saw_everything": summary(heavy_times),
        "due_count_all_subjects": summary(due_times),
        "record_answer": summary(answer_times),
        "target": "next_task p95 < 10 ms",
        "met": summary(pick_times)["p95_ms"] < 10 and summary(heavy_times)["p95_ms"] < 10,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--cards", type=int, default=50, help="cards per student")
    parser.add_argument("--picks", type=int, default=2000)
    args = parser.parse_args()
    result = asyncio.run(run(args.students, args.cards, args.picks))
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
