"""Reading the stored tasks: what exams, subjects, task numbers and topics there are; one task."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from core.storage import Database

from .answers import TaskType

EXAM_ORDER = ("ОГЭ", "ЕГЭ")


@dataclass(frozen=True, slots=True)
class Task:
    id: str
    exam: str
    subject: str
    subject_title: str
    number: int
    topic: str
    type: TaskType
    text: str
    options: tuple[str, ...]
    answer: str
    explanation: str
    points: int

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Task:
        return cls(
            id=row["id"],
            exam=row["exam"],
            subject=row["subject"],
            subject_title=row["subject_title"],
            number=int(row["number"]),
            topic=row["topic"],
            type=TaskType(row["type"]),
            text=row["text"],
            options=tuple(json.loads(row["options"])),
            answer=row["answer"],
            explanation=row["explanation"],
            points=int(row["points"]),
        )


@dataclass(frozen=True, slots=True)
class Subject:
    exam: str
    subject: str
    title: str
    tasks: int


async def task(db: Database, task_id: str) -> Task | None:
    row = await db.fetchone("SELECT * FROM exam_trainer_tasks WHERE id = ?", (task_id,))
    return None if row is None else Task.from_row(row)


async def exams(db: Database) -> list[str]:
    rows = await db.fetchall("SELECT DISTINCT exam FROM exam_trainer_tasks")
    found = {row["exam"] for row in rows}
    return [exam for exam in EXAM_ORDER if exam in found]


async def subjects(db: Database, exam: str) -> list[Subject]:
    rows = await db.fetchall(
        "SELECT subject, min(subject_title) AS title, count(*) AS n FROM exam_trainer_tasks "
        "WHERE exam = ? GROUP BY subject ORDER BY title",
        (exam,),
    )
    return [Subject(exam, row["subject"], row["title"], int(row["n"])) for row in rows]


async def subject_title(db: Database, exam: str, subject: str) -> str | None:
    value = await db.fetchval(
        "SELECT subject_title FROM exam_trainer_tasks WHERE exam = ? AND subject = ? LIMIT 1",
        (exam, subject),
    )
    return None if value is None else str(value)


async def numbers(db: Database, exam: str, subject: str) -> list[int]:
    rows = await db.fetchall(
        "SELECT DISTINCT number FROM exam_trainer_tasks WHERE exam = ? AND subject = ? "
        "ORDER BY number",
        (exam, subject),
    )
    return [int(row["number"]) for row in rows]


async def topics(db: Database, exam: str, subject: str) -> list[str]:
    rows = await db.fetchall(
        "SELECT topic, min(number) AS first FROM exam_trainer_tasks WHERE exam = ? AND subject = ? "
        "GROUP BY topic ORDER BY first, topic",
        (exam, subject),
    )
    return [row["topic"] for row in rows]


async def count_in(db: Database, exam: str, subject: str, numbers: list[int]) -> int:
    value = await db.fetchval(
        "SELECT count(*) FROM exam_trainer_tasks WHERE exam = ? AND subject = ? "
        f"AND number {db.dialect.in_list()}",
        (exam, subject, db.dialect.in_values(numbers)),
    )
    return int(value or 0)
