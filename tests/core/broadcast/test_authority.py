"""Who a broadcast belongs to: only its author or an admin of its organisation (or of one above it
in the tree) cancels it — in the engine and through ``sferum broadcast cancel`` — and a recurring
broadcast stops by itself once its author is no longer staff there."""

from __future__ import annotations

import logging
import sqlite3
from datetime import time, timedelta
from pathlib import Path

import pytest

from core.broadcast import Audience, BroadcastSpec, CancelRefused
from core.broadcast.engine import AUTHOR_LEFT
from core.clock import ManualClock
from core.demo.district import REGION_CODE, build
from core.people import Position, RoleKind
from core.scheduling import Weekly
from sferum.cli import main
from sferum.testing import DEFAULT_START, Harness, bot_harness

from .counsellor import counsellor_broadcast, group


async def _org(h: Harness, external_id: str) -> int:
    return int(
        await h.services.db.fetchval(
            "SELECT id FROM organisations WHERE external_id = ?", (external_id,)
        )
    )


async def _admin_of(h: Harness, org_id: int, name: str) -> int:
    person = await h.services.people.upsert_person(first_name=name, vk_user_id=None, is_adult=True)
    await h.services.people.grant_role(
        person, RoleKind.STAFF, org_id, position=Position.ADMIN, method="test"
    )
    return person


def _texts(h: Harness, key: str) -> list[str]:
    return [m["text"] for m in h.conversation(h.vk(key)) if m["from_id"] == -h.group_id]


async def test_admins_above_the_school_may_cancel_others_may_not(tmp_path: Path) -> None:
    async with bot_harness([], tmp_path) as h:
        engine = h.services.broadcasts
        ninth = Audience.groups(await group(h, "s112-9a"))
        soon = h.clock.now() + timedelta(hours=1)
        broadcast_id = await counsellor_broadcast(h, ninth, "Собрание", schedule=soon)
        other_town = await _admin_of(h, await _org(h, "demo:mun:berdsk"), "Бердск")
        for outsider in (other_town, await h.person_id("novikov"), await h.person_id("smirnova")):
            with pytest.raises(CancelRefused, match="только её автор или администратор"):
                await engine.cancel(broadcast_id, outsider)
            assert (await engine.status(broadcast_id)).status == "pending"
        assert (await engine.status(broadcast_id)).org_id == await _org(h, "demo:school:s112")
        region = await _admin_of(h, await _org(h, f"demo:region:{REGION_CODE}"), "Регион")
        assert await engine.cancel(broadcast_id, region)
        assert (await engine.status(broadcast_id)).status == "cancelled"


async def test_a_list_of_persons_belongs_to_the_authors_school(tmp_path: Path) -> None:
    async with bot_harness([], tmp_path) as h:
        engine = h.services.broadcasts
        parent = Audience.persons(await h.person_id("pa00"))
        soon = h.clock.now() + timedelta(hours=1)
        broadcast_id = await counsellor_broadcast(
            h, parent, "Зайдите, пожалуйста, в школу", schedule=soon
        )
        with pytest.raises(CancelRefused):
            await engine.cancel(broadcast_id, await h.person_id("novikov"))
        assert await engine.cancel(broadcast_id, await h.person_id("orlov"))


@pytest.mark.parametrize("moved", [False, True], ids=["role-revoked", "moved-to-another-school"])
async def test_a_weekly_broadcast_stops_when_its_author_is_no_longer_staff(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, moved: bool
) -> None:
    async with bot_harness([], tmp_path) as h:
        people, engine = h.services.people, h.services.broadcasts
        volkova = await h.person_id("volkova")
        weekly = Weekly((1, 4), time(11, 0), "Asia/Novosibirsk")  # Mon and Thu, 11:00 local
        broadcast_id = await engine.create(
            BroadcastSpec(
                volkova,
                h.group_id,
                Audience.groups(await group(h, "s112-5a")),
                "Кружок сегодня в 15:00",
                schedule=weekly,
            )
        )
        h.clock.advance(timedelta(hours=1, minutes=1))  # Monday 11:01: the first occurrence
        await h.run_due()
        assert len(_texts(h, "st00")) == 1
        for role in await people.active_roles(volkova):
            await people.revoke_role(role.id, by_person_id=None, reason="увольнение")
        if moved:  # staff still, but of Гимназия № 5: no longer speaks for СОШ № 112
            await people.grant_role(
                volkova,
                RoleKind.STAFF,
                await _org(h, "demo:school:g5"),
                position=Position.COUNSELLOR,
                method="test",
            )
        caplog.set_level(logging.WARNING, logger="sferum.broadcast")
        h.clock.advance(timedelta(days=3))  # Thursday 11:01: the next occurrence
        await h.run_due()
        assert len(_texts(h, "st00")) == 1  # before: a second message, and one every week
        status = await engine.status(broadcast_id)
        assert status.status == "cancelled" and status.stop_reason == AUTHOR_LEFT
        assert status.runs == 1
        assert await h.services.jobs.next_run(f"broadcast:{broadcast_id}") is None
        assert any(
            f"recurring broadcast {broadcast_id} stopped" in r.getMessage() for r in caplog.records
        )
        h.clock.advance(timedelta(days=7))
        await h.run_due()
        assert len(_texts(h, "st00")) == 1


# --- the command line ----------------------------------------------------------------------------
@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    database = tmp_path / "cli.db"
    monkeypatch.setenv("SFERUM_DB_PATH", str(database))
    assert main(["demo-data"], clock=ManualClock(DEFAULT_START)) == 0
    return database


def test_cli_cancel_by_an_admin_of_another_school_exits_1(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = build().vk_ids()
    clock = ManualClock(DEFAULT_START)
    with sqlite3.connect(demo_db) as connection:
        (org,) = connection.execute(
            "SELECT id FROM organisations WHERE external_id = 'demo:school:s112'"
        ).fetchone()
    create = ["broadcast", "create", "--author", str(ids["volkova"]), "--text", "Собрание"]
    at = ["--org", str(org), "--only", "parents", "--at", "2026-11-23T18:00+07:00"]
    assert main([*create, *at], clock=clock) == 0
    broadcast_id = capsys.readouterr().out.split("№ ")[1].split()[0]

    refused = main(["broadcast", "cancel", broadcast_id, "--by", str(ids["novikov"])], clock=clock)
    assert refused == 1  # before: 0, «Рассылка № … отменена.»
    err = capsys.readouterr().err
    assert "только её автор или администратор" in err and "Traceback" not in err
    assert main(["broadcast", "status", broadcast_id], clock=clock) == 0
    assert "— ожидает" in capsys.readouterr().out

    assert main(["broadcast", "cancel", broadcast_id, "--by", str(ids["orlov"])], clock=clock) == 0
    assert "отменена" in capsys.readouterr().out


def test_cli_status_names_reasons_in_russian(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite3.connect(demo_db) as connection:
        (author,) = connection.execute(
            "SELECT id FROM persons WHERE external_id = 'demo:person:volkova'"
        ).fetchone()
        broadcast_id = connection.execute(
            "INSERT INTO broadcasts (author_person_id, group_id, audience, template, title, "
            "status, created_at) VALUES (?, 1, '{\"kind\": \"persons\"}', 'x', 'Т', 'done', "
            "'2026-11-23T03:00:00+00:00')",
            (author,),
        ).lastrowid
        connection.executemany(
            "INSERT INTO broadcast_deliveries (broadcast_id, person_id, random_id, state, reason) "
            "VALUES (?, ?, 1, ?, ?)",
            [(broadcast_id, 1, "failed", "template"), (broadcast_id, 2, "sent", None)],
        )
    assert main(["broadcast", "status", str(broadcast_id)], clock=ManualClock(DEFAULT_START)) == 0
    assert "не удалось составить текст: 1 (template)" in capsys.readouterr().out
