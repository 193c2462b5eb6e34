"""A role revoked by another process (`sferum roles revoke`) is gone on the next message: the
identity cache is checked against the database's identity counter on every event (before, a
cached identity kept a revoked role for up to 60 seconds)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from vkbottle.framework.labeler import BotLabeler
from vkbottle.tools.mini_types.bot import MessageMin

from core.clock import ManualClock
from core.people import Identity, OrgKind, PeopleRepository, Position, RoleKind
from core.plugins.spec import Plugin
from core.rules import Command, HasRole
from core.runtime.context import Ctx
from core.runtime.identities import IdentityCache
from core.storage import POSTGRES_SCHEMES, Database, SqliteDatabase
from core.storage.postgres import PostgresDatabase
from core.texts import CORE_TEXTS
from sferum.testing import bot_harness

probe = BotLabeler()


@probe.message(Command("учительская") & HasRole(RoleKind.STAFF, Position.TEACHER))
async def staff_room(message: MessageMin, cx: Ctx) -> None:
    await message.answer("учительская открыта")


@probe.message(Command("учительская"))
async def closed(message: MessageMin, cx: Ctx) -> None:
    await message.answer("только для учителей")


PROBE = Plugin(name="identity_probe", title="Проба ролей", labelers=[probe], texts=CORE_TEXTS)


async def _sferum(*args: str, database: str) -> tuple[int, str]:
    # The child opens the harness's database: its SQLite file, or its PostgreSQL schema.
    where = "SFERUM_DB_URL" if database.startswith(POSTGRES_SCHEMES) else "SFERUM_DB_PATH"
    env = {**os.environ, where: database, "SFERUM_CONFIG": "/nonexistent.toml"}
    for key in ("SFERUM_VK_TOKEN", "SFERUM_VK_GROUP_ID"):
        env.pop(key, None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sferum.cli", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode()


async def test_revoke_by_the_cli_is_seen_on_the_next_message(tmp_path: Path) -> None:
    async with bot_harness([PROBE], tmp_path) as h:
        teacher = h.vk("kuznetsov")
        await h.say(teacher, "учительская")
        assert h.last_reply(teacher)["text"] == "учительская открыта"
        role_id = await h.services.db.fetchval(
            "SELECT id FROM roles WHERE person_id = ? AND revoked_at IS NULL",
            (await h.person_id("kuznetsov"),),
        )
        code, out = await _sferum(
            "roles", "revoke", str(role_id), "--by", str(h.vk("orlov")), "--reason", "увольнение",
            database=h.services.settings.database,
        )  # fmt: skip
        assert code == 0 and "Роль отозвана" in out, out
        # No time passes on the bot's clock: only the database says the role is gone.
        await h.say(teacher, "учительская")
        assert h.last_reply(teacher)["text"] == "только для учителей"


async def test_the_cache_reads_an_identity_again_only_after_a_change(
    db: Database, people: PeopleRepository, clock: ManualClock
) -> None:
    school = await people.upsert_organisation(
        kind=OrgKind.SCHOOL, name="СОШ № 7", region_code="54", timezone="Asia/Novosibirsk"
    )
    teacher = await people.upsert_person(first_name="Олег", vk_user_id=42, is_adult=True)
    role = await people.grant_role(
        teacher, RoleKind.STAFF, school, position=Position.TEACHER, method="test"
    )
    cache = IdentityCache(people, clock)
    reads: list[int] = []
    original = people.identity

    async def counting(vk_user_id: int) -> Identity:
        reads.append(vk_user_id)
        return await original(vk_user_id)

    people.identity = counting  # type: ignore[method-assign]
    assert (await cache.get(42)).has(RoleKind.STAFF)
    assert (await cache.get(42)).has(RoleKind.STAFF)
    assert reads == [42]  # served from the cache while nothing changed
    # Another connection (as another process would) revokes the role.
    if isinstance(db, SqliteDatabase):
        other: Database = SqliteDatabase(db.path)
    else:
        assert isinstance(db, PostgresDatabase)
        other = PostgresDatabase(db.url)
    await other.connect()
    try:
        assert await PeopleRepository(other, clock).revoke_role(
            role, by_person_id=None, reason="тест"
        )
    finally:
        await other.close()
    assert not (await cache.get(42)).roles
    assert reads == [42, 42]
    # A person created elsewhere for a VK id the cache knew as nobody is seen as well.
    assert (await cache.get(43)).person is None
    await people.upsert_person(first_name="Анна", vk_user_id=43, is_adult=True)
    assert (await cache.get(43)).person is not None


async def test_shared_counter_reads_start_after_the_caller(
    people: PeopleRepository, clock: ManualClock
) -> None:
    """Concurrent events share one counter read, but never one that began before them: it could
    miss a revoke committed just before the event."""
    cache = IdentityCache(people, clock)
    committed = [1]
    started: asyncio.Queue[asyncio.Event] = asyncio.Queue()
    reads = 0

    async def gated_read() -> int:
        nonlocal reads
        reads += 1
        seen = committed[0]  # what a read starting now sees
        gate = asyncio.Event()
        started.put_nowait(gate)
        await gate.wait()
        return seen

    cache._read_version = gated_read  # type: ignore[method-assign]
    first = asyncio.ensure_future(cache.version())
    gate = await started.get()
    committed[0] = 2  # a revoke commits while the first read is on its way
    later = [asyncio.ensure_future(cache.version()) for _ in range(20)]
    await asyncio.sleep(0)
    assert reads == 1  # the twenty wait for a read of their own, not this one
    gate.set()
    assert await first == 1
    (await started.get()).set()
    assert [await task for task in later] == [2] * 20
    assert reads == 2  # one read for all twenty
