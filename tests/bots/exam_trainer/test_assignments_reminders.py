"""Assignments (drawing the set, answers, the teacher's report) and the daily reminder's job,
on storage and the injected clock; the VK side is in test_bot.py."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bots.exam_trainer import assignments, reminders, tasks
from bots.exam_trainer.answering import record_answer
from bots.exam_trainer.selection import next_assigned
from core.clock import ManualClock
from core.config import Settings
from core.demo.loader import load_demo
from core.runtime.services import Services
from core.storage import Database
from core.vk.batch_sender import PeerResult

NSK = ZoneInfo("Asia/Novosibirsk")


def test_draw_takes_numbers_in_turn_and_is_reproducible() -> None:
    pools = {5: ["a1", "a2", "a3"], 6: ["b1"], 7: ["c1", "c2"]}
    chosen = assignments.draw(pools, 5, seed=42)
    assert len(chosen) == len(set(chosen)) == 5
    # the first round takes one of each number
    assert {chosen[0][0], chosen[1][0], chosen[2][0]} == {"a", "b", "c"}
    assert assignments.draw(pools, 5, seed=42) == chosen
    assert len(assignments.draw(pools, 50, seed=1)) == 6  # no more than there are


def test_due_after_is_the_schools_evening(clock: ManualClock) -> None:
    due = assignments.due_after(3, clock.now(), NSK)  # Monday 10:00 in Novosibirsk
    assert due == datetime(2026, 11, 26, 23, 59, tzinfo=NSK)


@pytest.fixture
async def services(tdb: Database, clock: ManualClock, tmp_path: Path) -> Services:
    built = Services.build(Settings(db_path=str(tmp_path / "unused.db")), tdb, clock)
    await load_demo(built.people)
    reminders.register(built)
    return built


async def person(services: Services, key: str) -> int:
    return int(
        await services.db.fetchval(
            "SELECT id FROM persons WHERE external_id = ?", (f"demo:person:{key}",)
        )
    )


async def class_id(services: Services, name: str) -> int:
    return int(await services.db.fetchval("SELECT id FROM groups WHERE name = ?", (name,)))


async def test_assignment_answers_and_report(services: Services, clock: ManualClock) -> None:
    db = services.db
    teacher = await person(services, "smirnova")
    group = await class_id(services, "9А")
    students = [p.id for p in await services.people.students_of_group(group)]
    org = (await services.people.group(group)).org_id  # type: ignore[union-attr]
    assignment = await assignments.create(
        db, author_person_id=teacher, org_id=org, group_id=group, exam="ОГЭ", subject="math",
        numbers=[5, 7], count=4, due_at=assignments.due_after(7, clock.now(), NSK), now=clock.now(),
    )  # fmt: skip
    assert assignment.task_count == 4
    set_ids = [
        r["task_id"]
        for r in await db.fetchall(
            "SELECT task_id FROM exam_trainer_assignment_tasks WHERE assignment_id = ? "
            "ORDER BY position",
            (assignment.id,),
        )
    ]
    assert {tid.split("-")[2] for tid in set_ids} == {"05", "07"}
    first, second = students[0], students[1]
    # The first student answers the whole set: the first answer of each task counts.
    last = None
    for _ in range(4):
        pick = await next_assigned(db, first, assignment.id, last)
        assert pick is not None
        task = await tasks.task(db, pick.task_id)
        assert task is not None
        right = task.id != set_ids[0]
        await record_answer(
            db, first, task, task.answer if right else "0", clock.now(), assignment_id=assignment.id
        )
        last = task.id
    assert await next_assigned(db, first, assignment.id, last) is None
    # The second answers one task, right.
    task = await tasks.task(db, set_ids[1])
    assert task is not None
    await record_answer(db, second, task, task.answer, clock.now(), assignment_id=assignment.id)
    assert await assignments.progress_of(db, assignment.id, first) == (4, 3)
    open_first = await assignments.open_for_student(db, first, clock.now())
    open_second = await assignments.open_for_student(db, second, clock.now())
    assert open_first == [] and [(a.id, done) for a, done in open_second] == [(assignment.id, 1)]

    report = await assignments.report(db, assignment)
    by_id = {s.person_id: s for s in report.students}
    assert set(by_id) == set(students)
    assert (by_id[first].done, by_id[first].correct, by_id[first].total) == (4, 3, 4)
    assert (by_id[second].done, by_id[second].correct) == (1, 1)
    assert report.finished == 1
    numbers = {n.number: n for n in report.numbers}
    assert set(numbers) == {5, 7}
    assert sum(n.answered for n in numbers.values()) == 5
    assert sum(n.correct for n in numbers.values()) == 4


async def test_assignment_without_tasks_is_refused(services: Services, clock: ManualClock) -> None:
    with pytest.raises(assignments.AssignmentError):
        await assignments.create(
            services.db, author_person_id=1, org_id=1, group_id=1, exam="ОГЭ", subject="math",
            numbers=[19], count=5, due_at=clock.now(), now=clock.now(),
        )  # fmt: skip


class FakeSender:
    def __init__(self) -> None:
        self.sent: list[tuple[int, str, int, str | None]] = []

    async def send_one(
        self, peer_id: int, message: str, random_id: int, keyboard: str | None = None
    ) -> PeerResult:
        self.sent.append((peer_id, message, random_id, keyboard))
        return PeerResult(peer_id, message_id=len(self.sent))

    async def close(self) -> None:
        pass


async def test_reminder_fires_daily_at_the_chosen_local_time_only_when_due(
    services: Services, clock: ManualClock
) -> None:
    sender = FakeSender()
    services.broadcasts.register_sender(777, sender)  # type: ignore[arg-type]
    student = await person(services, "st08")
    await reminders.set_reminder(services, student, 777, time(17, 0))
    assert await reminders.current(services, student) == "17:00"
    next_run = await services.jobs.next_run(reminders.job_id(student))
    assert next_run is not None and next_run.astimezone(NSK) == datetime(
        2026, 11, 23, 17, 0, tzinfo=NSK
    )

    # Nothing to review: the job runs at 17:00 and sends nothing.
    clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=NSK))
    assert await services.jobs.run_due() == 1
    assert sender.sent == []

    # Two wrong answers in the evening: due the next day at 17:00.
    for task_id in ("oge-math-05-001", "oge-math-06-001"):
        task = await tasks.task(services.db, task_id)
        assert task is not None
        await record_answer(services.db, student, task, "0", clock.now())
    clock.set(datetime(2026, 11, 24, 16, 59, tzinfo=NSK))
    assert await services.jobs.run_due() == 0
    clock.advance(timedelta(minutes=1))
    assert await services.jobs.run_due() == 1
    assert len(sender.sent) == 1
    peer, text, _, keyboard = sender.sent[0]
    student_person = await services.people.person(student)
    assert student_person is not None and peer == student_person.vk_user_id
    assert "2 задания ждут повторения" in text
    assert keyboard is not None and '"et":"due"' in keyboard.replace(" ", "")

    # Moving it to 19:00 replaces the job; turning it off cancels it.
    await reminders.set_reminder(services, student, 777, time(19, 0))
    assert len(await services.jobs.jobs(reminders.KIND)) == 1
    assert await reminders.clear_reminder(services, student)
    assert await services.jobs.jobs(reminders.KIND) == []
    assert await reminders.current(services, student) is None


@pytest.mark.parametrize("text", ["21:00", "23:30", "07:59", "00:00", "25:00", "evening", ""])
def test_night_and_bad_times_are_refused(text: str) -> None:
    assert reminders.parse_time(text) is None


@pytest.mark.parametrize("text", reminders.TIMES)
def test_offered_times_are_accepted(text: str) -> None:
    assert reminders.parse_time(text) is not None
