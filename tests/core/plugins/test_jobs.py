"""A plugin's ScheduledJob runs on core's job queue with its clock, in its zone, once per fire,
and a restart neither loses a pending fire nor repeats one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from vkbottle.framework.labeler import BotLabeler

from core.clock import ManualClock
from core.config import Settings
from core.plugins import Plugin, ScheduledJob
from core.plugins.install import install_plugins
from core.runtime.services import Services
from core.scheduling import Job
from core.texts import CORE_TEXTS

MSK = ZoneInfo("Europe/Moscow")


class Recorder:
    def __init__(self) -> None:
        self.fired: list[tuple[Services, datetime]] = []

    async def __call__(self, services: Services, job: Job) -> None:
        self.fired.append((services, job.due))


def reminder_plugin(record: Recorder, cron: str = "0 9 * * *", zone: str | None = None) -> Plugin:
    return Plugin(
        name="reminder_bot",
        title="Напоминания",
        labelers=[BotLabeler()],
        texts=CORE_TEXTS,
        jobs=[ScheduledJob("morning", cron, record, zone)],
    )


Start = Callable[[Plugin], AbstractAsyncContextManager[Services]]


@pytest.fixture
def start(tmp_path: Path, clock: ManualClock) -> Start:
    """A process start on the same database: new Services, the plugin installed."""

    @asynccontextmanager
    async def started(plugin: Plugin) -> AsyncIterator[Services]:
        settings = Settings(db_path=str(tmp_path / "jobs.db"), timezone="Europe/Moscow")
        services = await Services.open(settings, clock, [plugin])
        try:
            await install_plugins(services, [plugin], environ={})
            yield services
        finally:
            await services.close()

    return started


async def test_a_job_fires_at_its_time_in_the_instance_zone(
    start: Start, clock: ManualClock
) -> None:
    record = Recorder()
    async with start(reminder_plugin(record)) as services:
        [row] = await services.jobs.jobs("reminder_bot.morning")
        assert row["id"] == "plugin:reminder_bot:morning"
        nine = datetime(2026, 11, 23, 9, 0, tzinfo=MSK)
        assert await services.jobs.next_run(row["id"]) == nine
        clock.set(datetime(2026, 11, 23, 8, 59, tzinfo=MSK))
        assert await services.jobs.run_due() == 0
        clock.set(nine)
        assert await services.jobs.run_due() == 1
        assert record.fired == [(services, nine)]
        assert await services.jobs.run_due() == 0


async def test_a_restart_after_the_fire_time_fires_once(start: Start, clock: ManualClock) -> None:
    record = Recorder()
    plugin = reminder_plugin(record)
    async with start(plugin):
        pass
    # Down over 09:00, up again at 09:01: the 09:00 fire is still due, and only once.
    clock.set(datetime(2026, 11, 23, 9, 1, tzinfo=MSK))
    async with start(plugin) as services:
        assert await services.jobs.run_due() == 1
    async with start(plugin) as services:
        assert await services.jobs.run_due() == 0
        tomorrow = datetime(2026, 11, 24, 9, 0, tzinfo=MSK)
        assert await services.jobs.next_run("plugin:reminder_bot:morning") == tomorrow
    assert [due for _, due in record.fired] == [datetime(2026, 11, 23, 9, 0, tzinfo=MSK)]


async def test_a_changed_schedule_moves_the_job(start: Start, clock: ManualClock) -> None:
    record = Recorder()
    async with start(reminder_plugin(record)):
        pass
    plugin = reminder_plugin(record, "30 7 * * mon-fri", "Asia/Novosibirsk")
    async with start(plugin) as services:
        moved = datetime(2026, 11, 24, 7, 30, tzinfo=ZoneInfo("Asia/Novosibirsk"))
        assert await services.jobs.next_run("plugin:reminder_bot:morning") == moved
        assert len(await services.jobs.jobs("reminder_bot.morning")) == 1
        clock.set(moved)
        assert await services.jobs.run_due() == 1
    assert record.fired[0][1] == moved.astimezone(UTC)
