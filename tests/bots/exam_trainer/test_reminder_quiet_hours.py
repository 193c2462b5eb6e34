"""The daily reminder never reaches a student at night: a job that fires late (the process was
down at the chosen time) is held back by core's outbox until 08:00 and sent once, also across a
restart; at the chosen time by day it goes at once. Counted on the sandbox's side."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

from bots.exam_trainer import plugin, reminders, tasks
from bots.exam_trainer.answering import record_answer
from bots.exam_trainer.importer import import_bank
from core.runtime.services import Services
from core.scheduling import Job, Weekly
from tests.core.outbox.world import World, local, person_id, world

from .conftest import small_bank

MONDAY = local(2026, 11, 23, 10, 0)
REMINDER = "Пора повторить"


async def student_with_reviews(w: World, services: Services) -> int:
    """st08 with two wrong answers on Monday morning (due again by the evening), a reminder
    at 19:00."""
    await import_bank(services.db, small_bank(), w.clock.now())
    student = await person_id(services, "st08")
    for task_id in ("oge-math-05-001", "oge-math-06-001"):
        task = await tasks.task(services.db, task_id)
        assert task is not None
        await record_answer(services.db, student, task, "0", w.clock.now())
    await reminders.set_reminder(services, student, w.group_id, time(19, 0))
    return student


def sent(w: World) -> list[str]:
    return [t for t in w.texts("st08") if t.startswith(REMINDER)]


async def test_a_reminder_fired_at_night_waits_for_the_morning_once(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY) as w:
        async with w.services([plugin]) as services:
            await student_with_reviews(w, services)
            # Down at 19:00; back at 23:00: the day's fire runs now, at night.
            w.clock.set(local(2026, 11, 23, 23, 0))
            assert await services.jobs.run_due() == 1
            assert sent(w) == []
        w.clock.set(local(2026, 11, 24, 8, 0))
        async with w.services([plugin]) as services:  # restarted in between
            assert await services.jobs.run_due() == 1
            assert sent(w) == ["Пора повторить: 2 задания ждут повторения в тренажёре."]
            w.clock.advance(timedelta(hours=1))
            assert await services.jobs.run_due() == 0
        assert len(sent(w)) == 1


async def test_a_reminder_at_the_chosen_time_goes_at_once(tmp_path: Path) -> None:
    async with world(tmp_path, MONDAY) as w, w.services([plugin]) as services:
        await student_with_reviews(w, services)
        w.clock.set(local(2026, 11, 23, 19, 0))
        assert await services.jobs.run_due() == 1
        assert len(sent(w)) == 1
        # The same day's fire again (a job run twice) sends nothing more.
        [job] = await services.jobs.jobs(reminders.KIND)
        again = Job(
            job["id"],
            reminders.KIND,
            Weekly(reminders.EVERY_DAY, time(19, 0), "Asia/Novosibirsk"),
            {"person_id": await person_id(services, "st08"), "group_id": w.group_id},
            local(2026, 11, 23, 19, 0),
            2,
        )
        assert await reminders.send_reminder(services, again)  # the day's one: already sent
        assert len(sent(w)) == 1
