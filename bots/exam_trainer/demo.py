"""Demo assignments for the embedded sandbox, dated from the day it is first started.

Smirnova (class teacher of 9А and 11А) set 9А an ОГЭ task set two days ago, due in five days,
which two students have begun; and 11А an ЕГЭ set nine days ago whose due date has just passed
(still open for late work). The sets are drawn and answered through the same functions the bot
uses, so reports and the students' lists show them as they would show real ones.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from core.demo.district import build
from core.runtime.services import Services

from . import assignments, tasks
from .answering import record_answer

log = logging.getLogger("sferum.exam_trainer")


@dataclass(frozen=True)
class DemoAssignment:
    teacher: str
    class_key: str
    exam: str
    subject: str
    count: int
    days_ago: int
    due_in_days: int
    # (student, how many of the set answered, how many of those right), answered a day later.
    answered: tuple[tuple[str, int, int], ...] = ()


DEMO_ASSIGNMENTS = (
    DemoAssignment(
        "smirnova", "s112-9a", "ОГЭ", "russian", 5, 2, 5, (("st08", 5, 4), ("st09", 2, 1))
    ),
    DemoAssignment("smirnova", "s112-11a", "ЕГЭ", "russian", 5, 9, -1, (("st12", 5, 3),)),
)


async def load_demo_assignments(services: Services) -> int:
    """Create the demo assignments unless some exist; how many were created."""
    db = services.db
    if await db.fetchval("SELECT 1 FROM exam_trainer_assignments LIMIT 1"):
        return 0
    district = build()
    vk_ids = district.vk_ids()
    now = services.clock.now()
    made = 0
    for demo in DEMO_ASSIGNMENTS:
        teacher = await services.people.person_by_vk(vk_ids[demo.teacher])
        group = await db.fetchone(
            "SELECT id, org_id FROM groups WHERE external_id = ?", (f"demo:group:{demo.class_key}",)
        )
        numbers = await tasks.numbers(db, demo.exam, demo.subject)
        if teacher is None or group is None or not numbers:
            continue  # the demo district or the shipped bank is not there
        created = now - timedelta(days=demo.days_ago)
        org = await services.people.organisation(int(group["org_id"]))
        assert org is not None
        assignment = await assignments.create(
            db,
            author_person_id=teacher.id,
            org_id=org.id,
            group_id=int(group["id"]),
            exam=demo.exam,
            subject=demo.subject,
            numbers=numbers[:3],
            count=demo.count,
            due_at=assignments.due_after(demo.days_ago + demo.due_in_days, created, org.zone),
            now=created,
        )
        task_ids = await db.fetchall(
            "SELECT task_id FROM exam_trainer_assignment_tasks WHERE assignment_id = ? "
            "ORDER BY position",
            (assignment.id,),
        )
        for student_key, count, right in demo.answered:
            student = await services.people.person_by_vk(vk_ids[student_key])
            if student is None:
                continue
            for index, row in enumerate(task_ids[:count]):
                task = await tasks.task(db, row["task_id"])
                assert task is not None
                given = task.answer if index < right else "не знаю"
                await record_answer(
                    db, student.id, task, given, created + timedelta(days=1, minutes=index),
                    assignment_id=assignment.id,
                )  # fmt: skip
        made += 1
    log.info("demo assignments created: %s", made)
    return made
