"""One answer, recorded in one transaction: the check, the FSRS card, the review log, the
progress counters (per task number and per topic), and the assignment's answer sheet when it
belongs to one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.storage import Database, Transaction

from .answers import Verdict, check
from .repetition import CardState, rating_for, review, utc_text
from .tasks import Task


@dataclass(frozen=True, slots=True)
class Outcome:
    task: Task
    verdict: Verdict
    due: datetime  # when FSRS brings the task back
    streak: int  # right answers in a row on this task number

    @property
    def correct(self) -> bool:
        return self.verdict.correct


# Cards and reviews both keep the task's exam, subject, number and topic next to its id, so
# queries filter by them without a join: one list of those columns for both INSERTs.
_TASK_COLUMNS = "person_id, task_id, exam, subject, number, topic"


def _task_key(person_id: int, task: Task) -> tuple[int, str, str, str, int, str]:
    """The values of ``_TASK_COLUMNS`` for this person's answer to ``task``."""
    return (person_id, task.id, task.exam, task.subject, task.number, task.topic)


_STATS = (
    "INSERT INTO exam_trainer_stats AS s (person_id, exam, subject, kind, key, attempts, correct, "
    "streak, best_streak, last_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?) "
    "ON CONFLICT (person_id, exam, subject, kind, key) DO UPDATE SET "
    "attempts = s.attempts + 1, correct = s.correct + excluded.correct, "
    "streak = CASE WHEN excluded.correct = 1 THEN s.streak + 1 ELSE 0 END, "
    # A two-argument max() is SQLite's, greatest() PostgreSQL's: a CASE reads the same on both.
    "best_streak = CASE WHEN excluded.correct = 1 AND s.streak + 1 > s.best_streak "
    "THEN s.streak + 1 ELSE s.best_streak END, "
    "last_at = excluded.last_at"
)


async def _save_card(
    tx: Transaction, person_id: int, task: Task, card: CardState, correct: bool
) -> None:
    await tx.execute(
        f"INSERT INTO exam_trainer_cards AS c ({_TASK_COLUMNS}, state, "
        "step, stability, difficulty, due, last_review, reps, lapses) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) "
        "ON CONFLICT (person_id, task_id) DO UPDATE SET state = excluded.state, "
        "step = excluded.step, stability = excluded.stability, difficulty = excluded.difficulty, "
        "due = excluded.due, last_review = excluded.last_review, reps = c.reps + 1, "
        "lapses = c.lapses + excluded.lapses",
        (
            *_task_key(person_id, task),
            card.state,
            card.step,
            card.stability,
            card.difficulty,
            utc_text(card.due),
            utc_text(card.last_review) if card.last_review else None,
            0 if correct else 1,
        ),
    )


async def record_answer(
    db: Database,
    person_id: int,
    task: Task,
    given: str,
    now: datetime,
    *,
    assignment_id: int | None = None,
    gave_up: bool = False,
) -> Outcome:
    """Check ``given`` against the task and record it; ``gave_up`` ("I don't know") is wrong."""
    verdict = Verdict(False, "") if gave_up else check(task.type, task.answer, given)
    stamp = utc_text(now)
    async with db.transaction() as tx:
        row = await tx.fetchone(
            "SELECT * FROM exam_trainer_cards WHERE person_id = ? AND task_id = ?",
            (person_id, task.id),
        )
        card = CardState.new(now) if row is None else CardState.from_row(row)
        card = review(card, verdict.correct, now)
        await _save_card(tx, person_id, task, card, verdict.correct)
        await tx.execute(
            f"INSERT INTO exam_trainer_reviews ({_TASK_COLUMNS}, "
            "answered_at, given, correct, rating, assignment_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                *_task_key(person_id, task),
                stamp,
                given[:200],
                int(verdict.correct),
                int(rating_for(verdict.correct)),
                assignment_id,
            ),
        )
        for kind, key in (("number", str(task.number)), ("topic", task.topic)):
            await tx.execute(
                _STATS,
                (
                    person_id,
                    task.exam,
                    task.subject,
                    kind,
                    key,
                    int(verdict.correct),
                    int(verdict.correct),
                    int(verdict.correct),
                    stamp,
                ),
            )
        if assignment_id is not None:
            await tx.execute(
                tx.dialect.insert_ignore(
                    "INTO exam_trainer_assignment_answers (assignment_id, person_id, "
                    "task_id, correct, answered_at) VALUES (?, ?, ?, ?, ?)"
                ),
                (assignment_id, person_id, task.id, int(verdict.correct), stamp),
            )
        streak = await tx.fetchval(
            "SELECT streak FROM exam_trainer_stats WHERE person_id = ? AND exam = ? "
            "AND subject = ? AND kind = 'number' AND key = ?",
            (person_id, task.exam, task.subject, str(task.number)),
        )
    return Outcome(task, verdict, card.due, int(streak or 0))
