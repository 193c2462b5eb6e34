"""Which task a student gets next: each step is one indexed query (bench/trainer.py times them).

Each query is served by an index of the migration (tests check the plans).

1. A due review of this exam and subject, the earliest due first: what FSRS says is about to be
   forgotten comes back whatever number the student is practising.
2. A task of the chosen number (or topic) the student has never seen, in bank order.
3. Practice ahead: the chosen number's (topic's) seen task that falls due soonest.

Never the task just answered, so a wrong answer is not asked again at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.storage import Database

from .repetition import utc_text


class Source(StrEnum):
    REVIEW = "review"  # due by FSRS
    NEW = "new"  # never seen
    AHEAD = "ahead"  # seen, not due yet
    ASSIGNMENT = "assignment"


@dataclass(frozen=True, slots=True)
class Focus:
    """What the student chose to practise: a task number, a topic, or due reviews only."""

    exam: str
    subject: str
    number: int | None = None
    topic: str | None = None

    @property
    def reviews_only(self) -> bool:
        return self.number is None and self.topic is None


@dataclass(frozen=True, slots=True)
class Pick:
    task_id: str
    source: Source


# The exclusion of the last task is written `task_id <> ?`; '' excludes nothing.
_DUE = (
    "SELECT task_id FROM exam_trainer_cards "
    "WHERE person_id = ? AND exam = ? AND subject = ? AND due <= ? AND task_id <> ? "
    "ORDER BY due LIMIT 1"
)
_NEW_BY_NUMBER = (
    "SELECT t.id FROM exam_trainer_tasks t "
    "WHERE t.exam = ? AND t.subject = ? AND t.number = ? AND t.id <> ? AND NOT EXISTS "
    "(SELECT 1 FROM exam_trainer_cards c WHERE c.person_id = ? AND c.task_id = t.id) "
    "ORDER BY t.id LIMIT 1"
)
_NEW_BY_TOPIC = (
    "SELECT t.id FROM exam_trainer_tasks t "
    "WHERE t.exam = ? AND t.subject = ? AND t.topic = ? AND t.id <> ? AND NOT EXISTS "
    "(SELECT 1 FROM exam_trainer_cards c WHERE c.person_id = ? AND c.task_id = t.id) "
    "ORDER BY t.id LIMIT 1"
)
_AHEAD_BY_NUMBER = (
    "SELECT task_id FROM exam_trainer_cards "
    "WHERE person_id = ? AND exam = ? AND subject = ? AND number = ? AND task_id <> ? "
    "ORDER BY due LIMIT 1"
)
_AHEAD_BY_TOPIC = (
    "SELECT task_id FROM exam_trainer_cards "
    "WHERE person_id = ? AND exam = ? AND subject = ? AND topic = ? AND task_id <> ? "
    "ORDER BY due LIMIT 1"
)
_ASSIGNED = (
    "SELECT a.task_id FROM exam_trainer_assignment_tasks a WHERE a.assignment_id = ? "
    "AND a.task_id <> ? AND NOT EXISTS (SELECT 1 FROM exam_trainer_assignment_answers s "
    "WHERE s.assignment_id = a.assignment_id AND s.person_id = ? AND s.task_id = a.task_id) "
    "ORDER BY a.position LIMIT 1"
)


async def next_task(
    db: Database, person_id: int, focus: Focus, now: datetime, last_task_id: str | None = None
) -> Pick | None:
    """The next task for this focus, or None when there is nothing to practise in it."""
    last = last_task_id or ""
    due = await db.fetchval(_DUE, (person_id, focus.exam, focus.subject, utc_text(now), last))
    if due is not None:
        return Pick(str(due), Source.REVIEW)
    if focus.reviews_only:
        return None
    if focus.number is not None:
        key: int | str = focus.number
        new_sql, ahead_sql = _NEW_BY_NUMBER, _AHEAD_BY_NUMBER
    else:
        key = focus.topic or ""
        new_sql, ahead_sql = _NEW_BY_TOPIC, _AHEAD_BY_TOPIC
    new = await db.fetchval(new_sql, (focus.exam, focus.subject, key, last, person_id))
    if new is not None:
        return Pick(str(new), Source.NEW)
    ahead = await db.fetchval(ahead_sql, (person_id, focus.exam, focus.subject, key, last))
    return None if ahead is None else Pick(str(ahead), Source.AHEAD)


async def next_assigned(
    db: Database, person_id: int, assignment_id: int, last_task_id: str | None = None
) -> Pick | None:
    """The first task of the assignment this student has not answered yet."""
    found = await db.fetchval(_ASSIGNED, (assignment_id, last_task_id or "", person_id))
    if found is None and last_task_id:
        # Only the last task is left unanswered (it was skipped): it is still the next one.
        found = await db.fetchval(_ASSIGNED, (assignment_id, "", person_id))
    return None if found is None else Pick(str(found), Source.ASSIGNMENT)


async def due_count(
    db: Database,
    person_id: int,
    now: datetime,
    exam: str | None = None,
    subject: str | None = None,
) -> int:
    """Reviews due now: in one exam and subject, or in all of them (the daily reminder)."""
    if exam is not None and subject is not None:
        value = await db.fetchval(
            "SELECT count(*) FROM exam_trainer_cards "
            "WHERE person_id = ? AND exam = ? AND subject = ? AND due <= ?",
            (person_id, exam, subject, utc_text(now)),
        )
    else:
        value = await db.fetchval(
            "SELECT count(*) FROM exam_trainer_cards WHERE person_id = ? AND due <= ?",
            (person_id, utc_text(now)),
        )
    return int(value or 0)
