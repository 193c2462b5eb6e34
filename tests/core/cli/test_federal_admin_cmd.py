"""``sferum monitoring federal-admin add|remove|list``: Russian output, bad input exits 2."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from core.activity.federal_admins import FederalAdmins
from core.clock import ManualClock
from core.demo.district import build
from core.people import PeopleRepository
from core.storage import open_core_database
from sferum.cli import main

ORLOV = build().vk_ids()["orlov"]


@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "federal.db"
    monkeypatch.setenv("SFERUM_DB_PATH", str(path))
    assert main(["demo-data"]) == 0
    return path


def admins_in(path: Path, clock: ManualClock) -> list[int]:
    async def read() -> list[int]:
        db = await open_core_database(str(path))
        try:
            return [a.vk_user_id or 0 for a in await FederalAdmins(db, clock).list()]
        finally:
            await db.close()

    return asyncio.run(read())


def test_add_list_remove(
    demo_db: Path, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["monitoring", "federal-admin", "list"], clock=clock) == 0
    assert "Федеральных администраторов нет" in capsys.readouterr().out

    assert main(["monitoring", "federal-admin", "add", str(ORLOV)], clock=clock) == 0
    assert "Дмитрий Орлов" in (out := capsys.readouterr().out) and "теперь федеральный" in out
    assert admins_in(demo_db, clock) == [ORLOV]
    assert main(["monitoring", "federal-admin", "add", str(ORLOV)], clock=clock) == 0
    assert "уже федеральный администратор" in capsys.readouterr().out

    assert main(["monitoring", "federal-admin", "list"], clock=clock) == 0
    out = capsys.readouterr().out
    day = clock.now().strftime("%d.%m.%Y")
    assert "Федеральные администраторы (1)" in out and f"VK {ORLOV}, с {day}" in out

    assert main(["monitoring", "federal-admin", "remove", str(ORLOV)], clock=clock) == 0
    assert "больше не федеральный администратор" in capsys.readouterr().out
    assert admins_in(demo_db, clock) == []
    assert main(["monitoring", "federal-admin", "remove", str(ORLOV)], clock=clock) == 0
    assert "и так не федеральный" in capsys.readouterr().out


def test_bad_input_exits_2(
    demo_db: Path, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["monitoring", "federal-admin", "add", "999"], clock=clock) == 2
    assert "человека с VK ID 999 нет в базе" in capsys.readouterr().err
    assert main(["monitoring", "federal-admin", "add", "abc"], clock=clock) == 2
    assert "«abc» — не VK ID" in capsys.readouterr().err
    assert main(["monitoring", "federal-admin", "remove"], clock=clock) == 2
    assert "укажите VK ID" in capsys.readouterr().err
    assert admins_in(demo_db, clock) == []


def test_granted_at_is_the_injected_clock(demo_db: Path, clock: ManualClock) -> None:
    """The grant is dated by the command's clock, a year from now included."""
    clock.advance(timedelta(days=365))

    async def check() -> None:
        db = await open_core_database(str(demo_db))
        try:
            person = await PeopleRepository(db, clock).person_by_vk(ORLOV)
            assert person is not None
            await FederalAdmins(db, clock).add(person.id)
            (admin,) = await FederalAdmins(db, clock).list()
            assert admin.granted_at == clock.now()
        finally:
            await db.close()

    asyncio.run(check())
