import asyncio
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.clock import ManualClock
from core.scheduling import Cron, Job, JobQueue, Once, Weekly
from core.storage import Database
from tests.core.workers import ENGINES, two_workers

NSK = ZoneInfo("Asia/Novosibirsk")


async def test_once_weekly_and_cron_fire_on_the_injected_clock(
    db: Database, clock: ManualClock
) -> None:
    queue = JobQueue(db, clock)
    fired: list[tuple[str, datetime]] = []

    async def record(job: Job) -> None:
        fired.append((job.data["name"], job.due))

    queue.register("note", record)
    start = clock.now()  # Monday 2026-11-23 10:00 in Novosibirsk
    await queue.schedule("note", Once(start + timedelta(hours=1)), {"name": "once"})
    await queue.schedule("note", Weekly((1, 3), time(9, 0), "Asia/Novosibirsk"), {"name": "weekly"})
    await queue.schedule("note", Cron("30 18 * * *", "Asia/Novosibirsk"), {"name": "cron"})

    assert await queue.run_due() == 0
    clock.advance(timedelta(hours=1))
    assert await queue.run_due() == 1
    clock.advance(timedelta(days=2))  # Wednesday 11:00: cron at Mon 18:30, Tue 18:30 → fires once
    await queue.run_due()
    names = [name for name, _ in fired]
    assert names.count("once") == 1 and names.count("weekly") == 1 and names.count("cron") == 1
    weekly_due = next(due for name, due in fired if name == "weekly")
    assert weekly_due.astimezone(NSK) == datetime(2026, 11, 25, 9, 0, tzinfo=NSK)
    clock.advance(timedelta(days=5))  # next Monday 11:00
    await queue.run_due()
    assert [n for n, _ in fired].count("weekly") == 2


async def test_schedules_survive_restart_and_cancel(db: Database, clock: ManualClock) -> None:
    fired: list[str] = []

    async def record(job: Job) -> None:
        fired.append(job.id)

    first = JobQueue(db, clock)
    first.register("r", record)
    await first.schedule("r", Once(clock.now() + timedelta(minutes=5)), job_id="keep")
    await first.schedule("r", Once(clock.now() + timedelta(minutes=5)), job_id="drop")
    assert await first.cancel("drop")

    restarted = JobQueue(db, clock)  # a new process restores from storage
    restarted.register("r", record)
    clock.advance(timedelta(minutes=6))
    await restarted.run_due()
    await restarted.run_due()
    assert fired == ["keep"]


async def test_errors_go_to_one_handler_and_the_queue_goes_on(
    db: Database, clock: ManualClock
) -> None:
    queue = JobQueue(db, clock)
    errors: list[str] = []

    async def bad(job: Job) -> None:
        raise RuntimeError("boom")

    async def on_error(job: Job, exc: BaseException) -> None:
        errors.append(f"{job.kind}: {exc}")

    queue.register("bad", bad)
    queue.on_error(on_error)
    await queue.schedule("bad", Once(clock.now()))
    assert await queue.run_due() == 1
    assert errors == ["bad: boom"]


def test_triggers_refuse_naive_times_and_bad_cron() -> None:
    with pytest.raises(ValueError):
        Once(datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="bad cron"):
        Cron("61 * * * *", "UTC")
    with pytest.raises(ValueError):
        Weekly((8,), time(9), "UTC")
    assert Once(datetime(2026, 1, 1, tzinfo=UTC)).to_json()["kind"] == "once"


@pytest.mark.parametrize("engine", ENGINES)
async def test_two_workers_claim_each_due_job_exactly_once(
    engine: str, tmp_path: Path, clock: ManualClock
) -> None:
    """Two workers (two Database objects on one store) claim the same due jobs at once: each
    fire is claimed by exactly one of them (on PostgreSQL by FOR UPDATE SKIP LOCKED)."""
    async with two_workers(engine, tmp_path) as (first_db, second_db):
        fired: Counter[str] = Counter()

        async def record(job: Job) -> None:
            fired[job.id] += 1

        first, second = JobQueue(first_db, clock), JobQueue(second_db, clock)
        for queue in (first, second):
            queue.register("note", record)
        due = clock.now() + timedelta(minutes=1)
        ids = {await first.schedule("note", Once(due), job_id=f"job-{n}") for n in range(300)}
        # A recurring job fires once per due time too, whichever worker takes it.
        ids.add(await first.schedule("note", Cron("* * * * *", "UTC"), job_id="every-minute"))
        clock.advance(timedelta(minutes=1))
        ran = await asyncio.gather(*(queue.run_due() for queue in (first, second) * 4))
        assert sum(ran) == len(ids) == 301
        assert set(fired) == ids and set(fired.values()) == {1}
        assert await second.run_due() == 0
