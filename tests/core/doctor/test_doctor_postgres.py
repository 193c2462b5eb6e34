"""``sferum doctor``'s database check on a region's PostgreSQL (``db_url``): connected and read
as a SQLite file is — behind, up to date, ahead — without applying anything or naming the
password; a server that does not answer is unreachable."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg  # type: ignore[import-untyped]
import pytest

from core.config import Settings
from core.doctor import run_doctor
from core.doctor.checks import Check
from core.plugins.loader import discover, plugin_migrations
from core.storage import migrate, open_core_database
from tests.core.storage.conftest import postgres_schema
from tests.servers import POSTGRES_URL


@pytest.fixture
async def schema() -> AsyncIterator[str]:
    async with postgres_schema() as name:
        yield name


def _url(schema: str) -> str:
    return f"{POSTGRES_URL}?search_path={schema}"


async def _database(settings: Settings) -> Check:
    report = await run_doctor(settings)
    assert [c.name for c in report.checks] == ["sandbox", "database"]
    (check,) = report.by_name("database")
    return check


async def _tables(schema: str) -> list[str]:
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        rows = await admin.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = $1", schema
        )
    finally:
        await admin.close()
    return sorted(row["table_name"] for row in rows)


async def test_an_empty_postgresql_schema_lacks_every_migration_and_stays_empty(
    schema: str,
) -> None:
    check = await _database(Settings(db_url=_url(schema)))
    assert (
        check.ok is False and "ядра 0001" in check.line and "выполните sferum migrate" in check.line
    )
    assert await _tables(schema) == []  # no bookkeeping table was created


async def test_postgresql_with_the_core_only_is_behind_the_bots(schema: str) -> None:
    db = await open_core_database(_url(schema))
    await db.close()
    before = await _tables(schema)
    check = await _database(Settings(db_url=_url(schema)))
    assert check.ok is False and "выполните sferum migrate" in check.line
    assert "exam_trainer 0001" in check.line and "ядра" not in check.line
    assert await _tables(schema) == before  # doctor applied nothing


async def test_a_migrated_postgresql_is_ready_and_a_newer_one_is_a_warning(schema: str) -> None:
    db = await open_core_database(_url(schema))
    try:
        for plugin in discover():
            await migrate(db, plugin_migrations(plugin))
    finally:
        await db.close()
    report = await run_doctor(Settings(db_url=_url(schema)))
    (check,) = report.by_name("database")
    assert check.ok is True and report.exit_code == 0
    assert check.line.startswith(f"База данных {_url(schema)} доступна, миграции применены")
    db = await open_core_database(_url(schema))
    try:
        await db.execute(
            "INSERT INTO schema_migrations (namespace, version, name) VALUES ('core', 9999, 'x')"
        )
    finally:
        await db.close()
    check = await _database(Settings(db_url=_url(schema)))
    assert check.ok is None and "новее программы" in check.line and "9999" in check.line


async def test_a_postgresql_that_does_not_answer_is_unreachable_and_its_password_unsaid() -> None:
    # Port 1 on the loopback: nothing listens there, the connection is refused at once.
    check = await _database(Settings(db_url="postgresql://sferum:s3cret-pass@127.0.0.1:1/region"))
    assert check.ok is False and "недоступна" in check.line
    assert "postgresql://sferum@127.0.0.1:1/region" in check.line
    assert "s3cret-pass" not in check.line
