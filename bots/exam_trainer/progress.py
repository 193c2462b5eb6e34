"""A student's progress: per task number and per topic, attempts, accuracy and streaks.

``progress(db, person_id)`` is the public entry point for other parts: the bot shows it as text and
the mini-app charts it (accuracy per task number). Counters are kept up to date by answering.py,
so reading is a handful of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.storage import Database

from .repetition import parse_utc


@dataclass(frozen=True, slots=True)
class ProgressRow:
    exam: str  # "ОГЭ" | "ЕГЭ"
    subject: str  # "math", "russian", …
    subject_title: str  # "Математика"
    kind: str  # "number" | "topic"
    key: str  # the task number as text ("5") or the topic
    attempts: int
    correct: int
    streak: int  # right answers in a row, up to the last answer
    best_streak: int
    last_at: datetime

    @property
    def number(self) -> int | None:
        return int(self.key) if self.kind == "number" else None

    @property
    def accuracy(self) -> float:
        """Share of right answers, in percent (0 when nothing was answered)."""
        return round(100 * self.correct / self.attempts, 1) if self.attempts else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "exam": self.exam,
            "subject": self.subject,
            "subject_title": self.subject_title,
            "kind": self.kind,
            "key": self.key,
            "attempts": self.attempts,
            "correct": self.correct,
            "accuracy": self.accuracy,
            "streak": self.streak,
            "best_streak": self.best_streak,
            "last_at": self.last_at.isoformat(),
        }


_SELECT = (
    "SELECT s.*, coalesce((SELECT t.subject_title FROM exam_trainer_tasks t WHERE "
    "t.exam = s.exam AND t.subject = s.subject LIMIT 1), s.subject) AS subject_title "
    "FROM exam_trainer_stats s WHERE s.person_id = ? AND s.kind = ?"
)


def _row(row: dict[str, Any]) -> ProgressRow:
    return ProgressRow(
        exam=row["exam"],
        subject=row["subject"],
        subject_title=row["subject_title"],
        kind=row["kind"],
        key=row["key"],
        attempts=int(row["attempts"]),
        correct=int(row["correct"]),
        streak=int(row["streak"]),
        best_streak=int(row["best_streak"]),
        last_at=parse_utc(row["last_at"]),
    )


async def progress(db: Database, person_id: int) -> list[ProgressRow]:
    """Per task number: one row per (exam, subject, number) the student answered, in exam order
    (ОГЭ before ЕГЭ), then subject, then number."""
    rows = await db.fetchall(
        _SELECT + " ORDER BY s.exam DESC, s.subject, CAST(s.key AS INTEGER)", (person_id, "number")
    )
    return [_row(row) for row in rows]


async def topic_progress(db: Database, person_id: int) -> list[ProgressRow]:
    """Per topic, in the same order of exams and subjects, topics alphabetically."""
    rows = await db.fetchall(
        _SELECT + " ORDER BY s.exam DESC, s.subject, s.key", (person_id, "topic")
    )
    return [_row(row) for row in rows]
