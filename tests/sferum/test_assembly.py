"""The one assembly `sferum run` and the bot harness share: the order of start-up, the federal
ranking's job only where asked, and nothing left open when a plugin fails to start."""

from __future__ import annotations

from pathlib import Path

import pytest
from vkbottle.framework.labeler import BotLabeler

from core.activity.federal_snapshots import JOB_ID
from core.clock import ManualClock
from core.config import Settings
from core.plugins.spec import Plugin
from core.runtime.services import Services
from core.texts import CORE_TEXTS
from sferum.assembly import assemble
from sferum.demo import load_harness_demo
from sferum.testing import DEFAULT_START


def _probe(seen: list[str], started: list[Services] | None = None, *, fail: bool = False) -> Plugin:
    async def on_startup(services: Services) -> None:
        persons = await services.db.fetchval("SELECT count(*) FROM persons")
        seen.append(f"startup with {persons} persons")
        if started is not None:
            started.append(services)
        if fail:
            raise RuntimeError("the probe does not start")

    return Plugin(
        name="probe",
        title="Проба",
        labelers=[BotLabeler()],
        texts=CORE_TEXTS,
        on_startup=on_startup,
    )


def _settings(tmp_path: Path) -> Settings:
    return Settings(db_path=str(tmp_path / "sferum.db"))


async def test_the_demo_is_in_before_the_plugins_start_and_they_start_once(
    tmp_path: Path,
) -> None:
    seen: list[str] = []
    services = await assemble(
        _settings(tmp_path),
        [_probe(seen)],
        clock=ManualClock(DEFAULT_START),
        demo=load_harness_demo,
    )
    try:
        assert len(seen) == 1
        assert seen[0] != "startup with 0 persons"
    finally:
        await services.close()


@pytest.mark.parametrize("federal", [True, False])
async def test_the_federal_snapshots_job_is_scheduled_only_where_asked(
    tmp_path: Path, federal: bool
) -> None:
    services = await assemble(
        _settings(tmp_path), [], clock=ManualClock(DEFAULT_START), federal_snapshots=federal
    )
    try:
        ids = [job["id"] for job in await services.jobs.jobs()]
        assert (JOB_ID in ids) is federal
    finally:
        await services.close()


async def test_a_plugin_failing_to_start_leaves_no_open_database(tmp_path: Path) -> None:
    seen: list[str] = []
    started: list[Services] = []
    with pytest.raises(RuntimeError, match="does not start"):
        await assemble(
            _settings(tmp_path),
            [_probe(seen, started, fail=True)],
            clock=ManualClock(DEFAULT_START),
        )
    assert seen == ["startup with 0 persons"]
    with pytest.raises(RuntimeError, match="not connected"):
        await started[0].db.fetchval("SELECT 1")
