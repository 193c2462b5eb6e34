import asyncio
import sqlite3
from pathlib import Path

import pytest

from core.storage import Migration, SqliteDatabase, load_migrations, migrate
from core.storage.migrations import MigrationError


async def test_migrations_from_empty_create_schema(tmp_path: Path) -> None:
    async with SqliteDatabase(tmp_path / "a.db") as db:
        applied = await migrate(db, load_migrations("core", "core.storage"))
        assert applied[0].version == 1
        tables = {r["name"] for r in await db.fetchall("SELECT name FROM sqlite_master")}
        assert {"persons", "roles", "contacts", "chat_members", "schema_migrations"} <= tables
        assert await db.fetchval("PRAGMA journal_mode") == "wal"


async def test_rerunning_migrations_is_a_no_op(tmp_path: Path) -> None:
    migrations = load_migrations("core", "core.storage")
    async with SqliteDatabase(tmp_path / "a.db") as db:
        await migrate(db, migrations)
        await db.execute("INSERT INTO persons (first_name) VALUES ('Ира')")
    async with SqliteDatabase(tmp_path / "a.db") as db:
        assert await migrate(db, migrations) == []
        assert await db.fetchval("SELECT count(*) FROM persons") == 1


async def test_failed_migration_rolls_back_and_resumes(tmp_path: Path) -> None:
    good = Migration("x", 1, "one", "CREATE TABLE x_a (id INTEGER);")
    bad = Migration(
        "x", 2, "two", "CREATE TABLE x_b (id INTEGER);\nINSERT INTO nowhere VALUES (1);"
    )
    async with SqliteDatabase(tmp_path / "a.db") as db:
        with pytest.raises(Exception, match="nowhere"):
            await migrate(db, [good, bad])
        tables = {r["name"] for r in await db.fetchall("SELECT name FROM sqlite_master")}
        assert "x_a" in tables and "x_b" not in tables
        fixed = Migration("x", 2, "two", "CREATE TABLE x_b (id INTEGER);")
        assert [m.version for m in await migrate(db, [good, fixed])] == [2]


async def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    async with SqliteDatabase(tmp_path / "a.db") as db:
        await db.execute("CREATE TABLE counter (n INTEGER NOT NULL)")
        await db.execute("INSERT INTO counter VALUES (0)")

        async def bump(times: int) -> None:
            for _ in range(times):
                async with db.transaction() as tx:
                    value = await tx.fetchval("SELECT n FROM counter")
                    await asyncio.sleep(0)  # let other writers try to interleave
                    await tx.execute("UPDATE counter SET n = ?", (value + 1,))

        await asyncio.gather(*(bump(25) for _ in range(20)))
        assert await db.fetchval("SELECT n FROM counter") == 500


async def test_two_processes_worth_of_connections_share_wal(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    async with SqliteDatabase(path) as first, SqliteDatabase(path) as second:
        await first.execute("CREATE TABLE t (v TEXT)")
        await asyncio.gather(
            *(first.execute("INSERT INTO t VALUES ('a')") for _ in range(50)),
            *(second.execute("INSERT INTO t VALUES ('b')") for _ in range(50)),
        )
        assert await second.fetchval("SELECT count(*) FROM t") == 100


async def test_rollback_on_error_keeps_nothing(tmp_path: Path) -> None:
    async with SqliteDatabase(":memory:") as db:
        await db.execute("CREATE TABLE t (v INTEGER)")
        with pytest.raises(RuntimeError):
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO t VALUES (1)")
                raise RuntimeError("boom")
        assert await db.fetchval("SELECT count(*) FROM t") == 0


def test_migration_files_must_have_no_gaps(tmp_path: Path) -> None:
    # The shipped core migrations are numbered without gaps.
    versions = [m.version for m in load_migrations("core", "core.storage")]
    assert versions == list(range(1, len(versions) + 1))
    with pytest.raises(MigrationError):
        load_migrations("x", "tests.core.storage", "bad_migrations")


async def test_rebuilding_broadcasts_keeps_rows_and_foreign_keys(tmp_path: Path) -> None:
    """0006 rebuilds a table others refer to (foreign keys off, checked before commit)."""
    migrations = load_migrations("core", "core.storage")
    async with SqliteDatabase(tmp_path / "old.db") as db:
        await migrate(db, [m for m in migrations if m.version <= 5])
        person = await db.execute(
            "INSERT INTO persons (vk_user_id, first_name, last_name) VALUES (1, 'Анна', 'Волкова')"
        )
        broadcast = await db.execute(
            "INSERT INTO broadcasts (author_person_id, group_id, audience, template, status, "
            "created_at) VALUES (?, 7, '{}', 'Текст', 'done', '2026-11-23T00:00:00Z')",
            (person,),
        )
        await db.execute(
            "INSERT INTO broadcast_deliveries (broadcast_id, person_id, peer_id, random_id, state) "
            "VALUES (?, ?, 1, 42, 'sent')",
            (broadcast, person),
        )
        applied = await migrate(db, [m for m in migrations if m.version <= 6])
        assert [m.name for m in applied] == ["system_broadcasts"]
        row = await db.fetchone("SELECT * FROM broadcasts WHERE id = ?", (broadcast,))
        assert row is not None and row["author_person_id"] == person and row["consent"] is None
        assert await db.fetchval("SELECT count(*) FROM broadcast_deliveries") == 1
        assert await db.fetchall("PRAGMA foreign_key_check") == []
        # The deliveries still refer to the rebuilt table: a delivery of no broadcast is refused.
        with pytest.raises(sqlite3.IntegrityError):
            await db.execute(
                "INSERT INTO broadcast_deliveries (broadcast_id, person_id, random_id, state) "
                "VALUES (999, 1, 1, 'pending')"
            )
        # No author is allowed only with a consent.
        await db.execute(
            "INSERT INTO broadcasts (group_id, audience, template, status, created_at, consent) "
            "VALUES (7, '{}', 'Текст', 'pending', '2026-11-23T00:00:00Z', 'subscription')"
        )
        with pytest.raises(sqlite3.IntegrityError):
            await db.execute(
                "INSERT INTO broadcasts (group_id, audience, template, status, created_at) "
                "VALUES (7, '{}', 'Текст', 'pending', '2026-11-23T00:00:00Z')"
            )


async def test_reads_wait_for_an_idle_reader_and_never_share_one(tmp_path: Path) -> None:
    async with SqliteDatabase(tmp_path / "a.db", readers=2) as db:
        await db.execute("CREATE TABLE t (x INTEGER)")
        async with db._reader() as first, db._reader() as second:
            assert first is not second
            third = asyncio.create_task(db.fetchval("SELECT count(*) FROM t"))
            for _ in range(5):
                await asyncio.sleep(0)
            assert not third.done()  # both readers are taken
        assert await third == 0


async def test_a_stream_does_not_hold_a_reader(tmp_path: Path) -> None:
    async with SqliteDatabase(tmp_path / "a.db", readers=1) as db:
        await db.execute("CREATE TABLE t (x INTEGER)")
        await db.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(3000)])
        rows = db.iterate("SELECT x FROM t ORDER BY x", batch=1000)
        assert (await anext(rows))["x"] == 0
        # Reads inside the loop go on while the stream is open, and it reads on undisturbed.
        assert await db.fetchval("SELECT count(*) FROM t") == 3000
        assert [row["x"] async for row in rows] == list(range(1, 3000))


async def test_concurrent_reads_see_every_committed_write(tmp_path: Path) -> None:
    async with SqliteDatabase(tmp_path / "a.db", readers=3) as db:
        await db.execute("CREATE TABLE t (x INTEGER)")
        for n in range(1, 6):
            await db.execute("INSERT INTO t VALUES (?)", (n,))
            counts = await asyncio.gather(
                *(db.fetchval("SELECT count(*) FROM t") for _ in range(9))
            )
            assert counts == [n] * 9


async def test_data_version_moves_only_when_something_commits(tmp_path: Path) -> None:
    async with SqliteDatabase(tmp_path / "a.db", readers=2) as db:
        await db.execute("CREATE TABLE t (x INTEGER)")
        before = await db.data_version()
        # Read on the same connection every time: each reader has its own counter.
        assert await asyncio.gather(*(db.data_version() for _ in range(4))) == [before] * 4
        await db.execute("INSERT INTO t VALUES (1)")
        assert await db.data_version() != before


def test_a_database_needs_a_reader() -> None:
    with pytest.raises(ValueError, match="readers"):
        SqliteDatabase(":memory:", readers=0)
