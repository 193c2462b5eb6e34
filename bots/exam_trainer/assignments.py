"""Teachers' assignments: a set of tasks for a class with a due date, and who did what.

The set is drawn once, when the teacher confirms, and is the same for every student of the class,
so results compare: tasks are taken in turn from each chosen number, shuffled within a number with
the assignment's id as the seed (reproducible, yet not always the bank's first tasks).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.storage import Database

from .repetition import parse_utc, utc_text

DUE_CHOICES = (3, 7, 14)  # days: "через 3 дня", "через неделю", "через 2 недели"
COUNT_CHOICES = (5, 10, 15, 20)
MAX_TASKS = 30
# An assignment stays in the student's list this long after its due date (late work counts).
LATE_WINDOW = timedelta(days=7)


class AssignmentError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Assignment:
    id: int
    author_person_id: int
    org_id: int
    group_id: int
    exam: str
    subject: str
    numbers: tuple[int, ...]
    task_count: int
    due_at: datetime
    created_at: datetime
    broadcast_id: int | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Assignment:
        return cls(
            id=int(row["id"]),
            author_person_id=int(row["author_person_id"]),
            org_id=int(row["org_id"]),
            group_id=int(row["group_id"]),
            exam=row["exam"],
            subject=row["subject"],
            numbers=tuple(json.loads(row["numbers"])),
            task_count=int(row["task_count"]),
            due_at=parse_utc(row["due_at"]),
            created_at=parse_utc(row["created_at"]),
            broadcast_id=None if row["broadcast_id"] is None else int(row["broadcast_id"]),
        )


@dataclass(frozen=True, slots=True)
class StudentResult:
    person_id: int
    name: str
    done: int
    correct: int
    total: int


@dataclass(frozen=True, slots=True)
class NumberResult:
    number: int
    answered: int
    correct: int

    @property
    def accuracy(self) -> float:
        return round(100 * self.correct / self.answered, 1) if self.answered else 0.0


@dataclass(frozen=True, slots=True)
class Report:
    assignment: Assignment
    students: list[StudentResult]
    numbers: list[NumberResult]

    @property
    def finished(self) -> int:
        return sum(1 for s in self.students if s.total and s.done >= s.total)


def due_after(days: int, now: datetime, zone: ZoneInfo) -> datetime:
    """The end of the local day ``days`` days from now: "через 3 дня" means by that evening."""
    local_day = now.astimezone(zone).date() + timedelta(days=days)
    return datetime.combine(local_day, time(23, 59), zone)


def draw(task_ids_by_number: dict[int, list[str]], count: int, seed: int) -> list[str]:
    """``count`` tasks taken in turn from each number (shuffled within it by ``seed``)."""
    rng = random.Random(seed)
    pools = []
    for number in sorted(task_ids_by_number):
        pool = list(task_ids_by_number[number])
        rng.shuffle(pool)
        pools.append(pool)
    chosen: list[str] = []
    while len(chosen) < count and any(pools):
        for pool in pools:
            if pool and len(chosen) < count:
                chosen.append(pool.pop())
    return chosen


async def create(
    db: Database,
    *,
    author_person_id: int,
    org_id: int,
    group_id: int,
    exam: str,
    subject: str,
    numbers: list[int],
    count: int,
    due_at: datetime,
    now: datetime,
) -> Assignment:
    """Store the assignment and its drawn set; AssignmentError when nothing can be drawn."""
    if not numbers:
        raise AssignmentError("no task numbers chosen")
    if not 1 <= count <= MAX_TASKS:
        raise AssignmentError(f"count must be 1..{MAX_TASKS}")
    rows = await db.fetchall(
        "SELECT id, number FROM exam_trainer_tasks WHERE exam = ? AND subject = ? "
        f"AND number {db.dialect.in_list()} ORDER BY id",
        (exam, subject, db.dialect.in_values(sorted(set(numbers)))),
    )
    if not rows:
        raise AssignmentError("no tasks for these numbers")
    by_number: dict[int, list[str]] = {}
    for row in rows:
        by_number.setdefault(int(row["number"]), []).append(row["id"])
    async with db.transaction() as tx:
        assignment_id = await tx.execute(
            "INSERT INTO exam_trainer_assignments (author_person_id, org_id, group_id, exam, "
            "subject, numbers, task_count, due_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                author_person_id,
                org_id,
                group_id,
                exam,
                subject,
                json.dumps(sorted(set(numbers))),
                0,
                utc_text(due_at),
                utc_text(now),
            ),
        )
        chosen = draw(by_number, count, assignment_id)
        await tx.executemany(
            "INSERT INTO exam_trainer_assignment_tasks (assignment_id, position, task_id) "
            "VALUES (?, ?, ?)",
            [(assignment_id, position, task_id) for position, task_id in enumerate(chosen)],
        )
        await tx.execute(
            "UPDATE exam_trainer_assignments SET task_count = ? WHERE id = ?",
            (len(chosen), assignment_id),
        )
    found = await get(db, assignment_id)
    assert found is not None
    return found


async def set_broadcast(db: Database, assignment_id: int, broadcast_id: int) -> None:
    await db.execute(
        "UPDATE exam_trainer_assignments SET broadcast_id = ? WHERE id = ?",
        (broadcast_id, assignment_id),
    )


async def get(db: Database, assignment_id: int) -> Assignment | None:
    row = await db.fetchone("SELECT * FROM exam_trainer_assignments WHERE id = ?", (assignment_id,))
    return None if row is None else Assignment.from_row(row)


async def by_author(db: Database, person_id: int, limit: int = 6) -> list[Assignment]:
    rows = await db.fetchall(
        "SELECT * FROM exam_trainer_assignments WHERE author_person_id = ? ORDER BY id DESC "
        "LIMIT ?",
        (person_id, limit),
    )
    return [Assignment.from_row(row) for row in rows]


async def is_member(db: Database, person_id: int, assignment: Assignment) -> bool:
    return (
        await db.fetchval(
            "SELECT 1 FROM student_groups WHERE person_id = ? AND group_id = ?",
            (person_id, assignment.group_id),
        )
        is not None
    )


async def progress_of(db: Database, assignment_id: int, person_id: int) -> tuple[int, int]:
    """(answered, right) of one student in one assignment."""
    row = await db.fetchone(
        "SELECT count(*) AS done, coalesce(sum(correct), 0) AS good "
        "FROM exam_trainer_assignment_answers WHERE assignment_id = ? AND person_id = ?",
        (assignment_id, person_id),
    )
    return (int(row["done"]), int(row["good"])) if row else (0, 0)


async def open_for_student(
    db: Database, person_id: int, now: datetime
) -> list[tuple[Assignment, int]]:
    """Unfinished assignments of the student's classes (with how many tasks they answered),
    the nearest due date first; overdue ones stay a week."""
    rows = await db.fetchall(
        "SELECT a.*, (SELECT count(*) FROM exam_trainer_assignment_answers s "
        "WHERE s.assignment_id = a.id AND s.person_id = ?) AS done "
        "FROM exam_trainer_assignments a JOIN student_groups g ON g.group_id = a.group_id "
        "WHERE g.person_id = ? AND a.due_at >= ? ORDER BY a.due_at, a.id",
        (person_id, person_id, utc_text(now - LATE_WINDOW)),
    )
    return [
        (Assignment.from_row(row), int(row["done"]))
        for row in rows
        if int(row["done"]) < int(row["task_count"])
    ]


async def report(db: Database, assignment: Assignment) -> Report:
    students = await db.fetchall(
        "SELECT p.id, p.first_name, p.last_name, "
        "(SELECT count(*) FROM exam_trainer_assignment_answers s WHERE s.assignment_id = ? "
        "AND s.person_id = p.id) AS done, "
        "(SELECT coalesce(sum(correct), 0) FROM exam_trainer_assignment_answers s "
        "WHERE s.assignment_id = ? AND s.person_id = p.id) AS good "
        "FROM persons p JOIN student_groups g ON g.person_id = p.id WHERE g.group_id = ? "
        "ORDER BY p.last_name, p.first_name",
        (assignment.id, assignment.id, assignment.group_id),
    )
    numbers = await db.fetchall(
        "SELECT t.number, count(s.task_id) AS answered, coalesce(sum(s.correct), 0) AS good "
        "FROM exam_trainer_assignment_tasks a JOIN exam_trainer_tasks t ON t.id = a.task_id "
        "LEFT JOIN exam_trainer_assignment_answers s ON s.assignment_id = a.assignment_id "
        "AND s.task_id = a.task_id WHERE a.assignment_id = ? GROUP BY t.number ORDER BY t.number",
        (assignment.id,),
    )
    return Report(
        assignment,
        [
            StudentResult(
                int(row["id"]),
                f"{row['last_name']} {row['first_name']}".strip(),
                int(row["done"]),
                int(row["good"]),
                assignment.task_count,
            )
            for row in students
        ],
        [NumberResult(int(r["number"]), int(r["answered"]), int(r["good"])) for r in numbers],
    )
