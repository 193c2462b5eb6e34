"""The practice loop without VK: FSRS on the injected clock, next-task choice, progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bots.exam_trainer import plugin, selection, tasks
from bots.exam_trainer.answering import record_answer
from bots.exam_trainer.importer import import_bank
from bots.exam_trainer.progress import progress, topic_progress
from bots.exam_trainer.selection import Focus, Source, due_count, next_task
from core.clock import ManualClock
from core.plugins.loader import plugin_migrations
from core.storage import Database, migrate, open_core_database

from .conftest import small_bank

STUDENT = 7
NUMBER_5 = Focus("ОГЭ", "math", number=5)


async def answer(db: Database, clock: ManualClock, task_id: str, given: str) -> bool:
    task = await tasks.task(db, task_id)
    assert task is not None
    return (await record_answer(db, STUDENT, task, given, clock.now())).correct


async def test_fsrs_uses_the_injected_clock(tdb: Database, clock: ManualClock) -> None:
    # Far from the wall clock: any reading of the real time would show in the stored times.
    clock.set(datetime(2031, 3, 3, 12, 0, tzinfo=UTC))
    assert not await answer(tdb, clock, "oge-math-05-001", "800")
    assert await answer(tdb, clock, "oge-math-05-002", "10")
    cards = {
        row["task_id"]: row
        for row in await tdb.fetchall(
            "SELECT * FROM exam_trainer_cards WHERE person_id = ?", (STUDENT,)
        )
    }
    wrong, right = cards["oge-math-05-001"], cards["oge-math-05-002"]
    assert wrong["due"] == "2031-03-03T12:10:00+00:00"  # Again: one 10-minute learning step
    assert wrong["last_review"] == "2031-03-03T12:00:00+00:00"
    assert wrong["lapses"] == 1 and wrong["reps"] == 1
    # Good on a new card: straight to review, whole days later (no fuzz: deterministic).
    assert right["due"] == "2031-03-05T12:00:00+00:00"
    assert right["state"] == 2 and right["lapses"] == 0
    ratings = [
        r["rating"]
        for r in await tdb.fetchall("SELECT rating FROM exam_trainer_reviews ORDER BY id")
    ]
    assert ratings == [1, 3]  # Rating.Again, Rating.Good


async def test_intervals_grow_with_right_answers_and_reset_after_a_lapse(
    tdb: Database, clock: ManualClock
) -> None:
    task_id = "oge-math-06-001"
    intervals = []
    for _ in range(3):
        assert await answer(tdb, clock, task_id, "0,725")
        due = await tdb.fetchval(
            "SELECT due FROM exam_trainer_cards WHERE person_id = ? AND task_id = ?",
            (STUDENT, task_id),
        )
        intervals.append(datetime.fromisoformat(due) - clock.now())
        clock.set(datetime.fromisoformat(due))
    assert intervals[0] < intervals[1] < intervals[2]
    assert not await answer(tdb, clock, task_id, "1")
    due = await tdb.fetchval(
        "SELECT due FROM exam_trainer_cards WHERE person_id = ? AND task_id = ?", (STUDENT, task_id)
    )
    assert datetime.fromisoformat(due) - clock.now() == timedelta(minutes=10)  # relearning step


async def test_next_task_new_in_bank_order_then_ahead(tdb: Database, clock: ManualClock) -> None:
    now = clock.now()
    pick = await next_task(tdb, STUDENT, NUMBER_5, now)
    assert pick == selection.Pick("oge-math-05-001", Source.NEW)
    await answer(tdb, clock, "oge-math-05-001", "850")
    pick = await next_task(tdb, STUDENT, NUMBER_5, now, "oge-math-05-001")
    assert pick == selection.Pick("oge-math-05-002", Source.NEW)
    await answer(tdb, clock, "oge-math-05-002", "10")
    await answer(tdb, clock, "oge-math-05-003", "525")
    # Everything of number 5 seen, nothing due: practise ahead, the soonest due first, never the
    # task just answered.
    pick = await next_task(tdb, STUDENT, NUMBER_5, now, "oge-math-05-003")
    assert pick is not None and pick.source == Source.AHEAD
    assert pick.task_id in ("oge-math-05-001", "oge-math-05-002")


async def test_a_wrong_task_comes_back_first_when_due(tdb: Database, clock: ManualClock) -> None:
    assert not await answer(tdb, clock, "oge-math-05-001", "1")
    # Not due yet and just answered: the next is a new task, never the same one twice in a row.
    pick = await next_task(tdb, STUDENT, NUMBER_5, clock.now(), "oge-math-05-001")
    assert pick == selection.Pick("oge-math-05-002", Source.NEW)
    await answer(tdb, clock, "oge-math-05-002", "10")
    clock.advance(timedelta(minutes=10))
    assert await due_count(tdb, STUDENT, clock.now()) == 1
    # Due reviews come first, whatever number the student is practising now.
    pick = await next_task(
        tdb, STUDENT, Focus("ОГЭ", "math", number=6), clock.now(), "oge-math-05-002"
    )
    assert pick == selection.Pick("oge-math-05-001", Source.REVIEW)
    # ... but not right after itself.
    pick = await next_task(
        tdb, STUDENT, Focus("ОГЭ", "math", number=6), clock.now(), "oge-math-05-001"
    )
    assert pick == selection.Pick("oge-math-06-001", Source.NEW)


async def test_earliest_due_review_first_and_reviews_only(
    tdb: Database, clock: ManualClock
) -> None:
    reviews = Focus("ОГЭ", "math")
    assert await next_task(tdb, STUDENT, reviews, clock.now()) is None
    await answer(tdb, clock, "oge-math-06-002", "0")
    clock.advance(timedelta(minutes=1))
    await answer(tdb, clock, "oge-math-05-003", "0")
    clock.advance(timedelta(minutes=30))
    first = await next_task(tdb, STUDENT, reviews, clock.now())
    assert first == selection.Pick("oge-math-06-002", Source.REVIEW)
    second = await next_task(tdb, STUDENT, reviews, clock.now(), "oge-math-06-002")
    assert second == selection.Pick("oge-math-05-003", Source.REVIEW)


async def test_topic_focus(tdb: Database, clock: ManualClock) -> None:
    focus = Focus("ОГЭ", "math", topic="Дроби")
    pick = await next_task(tdb, STUDENT, focus, clock.now())
    assert pick == selection.Pick("oge-math-06-001", Source.NEW)
    await answer(tdb, clock, "oge-math-06-001", "0,725")
    pick = await next_task(tdb, STUDENT, focus, clock.now(), "oge-math-06-001")
    assert pick == selection.Pick("oge-math-06-002", Source.NEW)
    # The only task of a topic, just answered: nothing else to give.
    await answer(tdb, clock, "oge-math-05-003", "525")
    only = Focus("ОГЭ", "math", topic="Тарифы")
    assert await next_task(tdb, STUDENT, only, clock.now(), "oge-math-05-003") is None


@pytest.mark.parametrize(
    "name",
    ["_DUE", "_NEW_BY_NUMBER", "_NEW_BY_TOPIC", "_AHEAD_BY_NUMBER", "_AHEAD_BY_TOPIC", "_ASSIGNED"],
)
async def test_selection_queries_use_indexes(
    tdb: Database, name: str, tmp_path: Path, clock: ManualClock
) -> None:
    # SQLite's plan, read on SQLite in either pass: EXPLAIN QUERY PLAN is SQLite's, and
    # PostgreSQL's planner picks by table statistics, not by the schema alone.
    lite = tdb
    if tdb.dialect.name != "sqlite":
        lite = await open_core_database(str(tmp_path / "plan.db"))
        await migrate(lite, plugin_migrations(plugin))
        await import_bank(lite, small_bank(), clock.now())
    try:
        sql = getattr(selection, name)
        plan = [
            r["detail"]
            for r in await lite.fetchall("EXPLAIN QUERY PLAN " + sql, [1] * sql.count("?"))
        ]
    finally:
        if lite is not tdb:
            await lite.close()
    assert all(step.startswith(("SEARCH", "CORRELATED")) for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan


async def test_progress_per_number_and_topic(tdb: Database, clock: ManualClock) -> None:
    assert await progress(tdb, STUDENT) == []
    for task_id, given in [
        ("oge-math-05-001", "850"),  # right
        ("oge-math-05-002", "11"),  # wrong
        ("oge-math-05-003", "525"),  # right
        ("oge-math-05-001", "850"),  # right
        ("oge-math-06-001", "0,725"),  # right
    ]:
        await answer(tdb, clock, task_id, given)
        clock.advance(timedelta(minutes=1))
    rows = await progress(tdb, STUDENT)
    assert [(r.exam, r.subject_title, r.number) for r in rows] == [
        ("ОГЭ", "Математика", 5),
        ("ОГЭ", "Математика", 6),
    ]
    five = rows[0]
    assert (five.attempts, five.correct, five.streak, five.best_streak) == (4, 3, 2, 2)
    assert five.accuracy == 75.0
    assert rows[1].accuracy == 100.0 and rows[1].streak == 1
    assert five.to_json()["accuracy"] == 75.0
    topics = {r.key: r for r in await topic_progress(tdb, STUDENT)}
    assert set(topics) == {"Проценты", "Тарифы", "Дроби"}
    assert (topics["Проценты"].attempts, topics["Проценты"].correct, topics["Проценты"].streak) == (
        3,
        2,
        1,
    )


def test_progress_text_fits_one_message() -> None:
    from bots.exam_trainer.progress import ProgressRow
    from bots.exam_trainer.student_pages import MAX_MESSAGE, _sections, render_progress

    at = datetime(2026, 11, 23, tzinfo=UTC)
    numbers, topics = [], []
    for index, (exam, subject) in enumerate(
        [("ОГЭ", "math"), ("ОГЭ", "russian"), ("ЕГЭ", "math"), ("ЕГЭ", "russian"), ("ЕГЭ", "x")]
    ):
        for n in range(1, 28):
            numbers.append(
                ProgressRow(
                    exam,
                    subject,
                    f"Предмет {index}",
                    "number",
                    str(n),
                    12,
                    7,
                    2,
                    5,
                    at + timedelta(minutes=index),
                )
            )
        for t in range(40):
            topics.append(
                ProgressRow(
                    exam,
                    subject,
                    f"Предмет {index}",
                    "topic",
                    f"Тема номер {t:02d}",
                    10,
                    t % 10,
                    0,
                    3,
                    at,
                )
            )
    sections = _sections(numbers, topics)
    assert [s["subject"] for s in sections][:2] == ["Предмет 4", "Предмет 3"]  # latest first
    assert all(len(s["topics"]) == 5 for s in sections)
    assert sections[0]["topics"][0].key == "Тема номер 00"  # the weakest topic first
    text = render_progress(sections, due=3)
    assert len(text) <= MAX_MESSAGE
    assert "Предмет 4" in text and "№ 27: 12 попыток, верно 58 %, серия 2" in text
    assert "весь прогресс с графиками в мини-приложении" in text
