"""Importing task banks into storage: validate the whole file first, then upsert every task by id.

A file with any problem changes nothing (BankError lists the problems). Re-importing a corrected
file updates tasks in place, so students' progress on them is kept.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from core.storage import Database

from .bank_format import Bank, BankError, load_bank

log = logging.getLogger("sferum.exam_trainer")

BANK_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True, slots=True)
class ImportResult:
    source: str
    exam: str
    subject: str
    added: int
    updated: int

    @property
    def total(self) -> int:
        return self.added + self.updated


def shipped_bank_files() -> list[Path]:
    """The banks that come with the bot (bots/exam_trainer/banks/*.yaml)."""
    folder = Path(str(resources.files("bots.exam_trainer").joinpath("banks")))
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in BANK_SUFFIXES)


async def import_bank(db: Database, bank: Bank, now: datetime) -> ImportResult:
    stamp = now.astimezone(UTC).isoformat()
    ids = db.dialect.in_values([task.id for task in bank.tasks])
    async with db.transaction() as tx:
        before = {
            row["id"]: row
            for row in await tx.fetchall(
                "SELECT id, exam, subject, number, topic FROM exam_trainer_tasks "
                f"WHERE id {tx.dialect.in_list()}",
                (ids,),
            )
        }
        await tx.executemany(
            "INSERT INTO exam_trainer_tasks (id, exam, subject, subject_title, number, topic, "
            "type, text, options, answer, explanation, points, source, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
            "exam = excluded.exam, subject = excluded.subject, "
            "subject_title = excluded.subject_title, number = excluded.number, "
            "topic = excluded.topic, type = excluded.type, text = excluded.text, "
            "options = excluded.options, answer = excluded.answer, "
            "explanation = excluded.explanation, points = excluded.points, "
            "source = excluded.source, updated_at = excluded.updated_at",
            [
                (
                    t.id,
                    t.exam,
                    t.subject,
                    t.subject_title,
                    t.number,
                    t.topic,
                    t.type.value,
                    t.text,
                    json.dumps(list(t.options), ensure_ascii=False),
                    t.answer,
                    t.explanation,
                    t.points,
                    bank.source,
                    stamp,
                )
                for t in bank.tasks
            ],
        )
        # Cards copy a task's exam/subject/number/topic for indexed selection; keep them in step
        # when a corrected bank moves a task (rare, so a scan per moved task is fine).
        for task in bank.tasks:
            old = before.get(task.id)
            if old is not None and (old["exam"], old["subject"], old["number"], old["topic"]) != (
                task.exam,
                task.subject,
                task.number,
                task.topic,
            ):
                await tx.execute(
                    "UPDATE exam_trainer_cards SET exam = ?, subject = ?, number = ?, topic = ? "
                    "WHERE task_id = ?",
                    (task.exam, task.subject, task.number, task.topic, task.id),
                )
    updated = len(before)
    return ImportResult(bank.source, bank.exam, bank.subject, len(bank.tasks) - updated, updated)


async def import_file(db: Database, path: Path, now: datetime) -> ImportResult:
    """Validate and import one file; BankError when anything in it is wrong."""
    return await import_bank(db, load_bank(path), now)


async def import_shipped(db: Database, now: datetime) -> list[ImportResult]:
    """Import every shipped bank; a broken one is logged and skipped so the bot still starts."""
    results: list[ImportResult] = []
    for path in shipped_bank_files():
        try:
            results.append(await import_file(db, path, now))
        except BankError as exc:
            log.error("task bank %s not imported:\n%s", path.name, exc)
    return results


async def ensure_tasks(db: Database, now: datetime) -> list[ImportResult]:
    """At start-up: load each shipped bank of which no task is stored yet (all of them on an empty
    table). Banks already loaded are left alone: an admin may have corrected them since."""
    results: list[ImportResult] = []
    for path in shipped_bank_files():
        if (
            await db.fetchval(
                "SELECT 1 FROM exam_trainer_tasks WHERE source = ? LIMIT 1", (path.name,)
            )
            is not None
        ):
            continue
        try:
            results.append(await import_file(db, path, now))
        except BankError as exc:
            log.error("task bank %s not imported:\n%s", path.name, exc)
    return results
