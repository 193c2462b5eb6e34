"""The ``database`` fixture: every contract test runs once on SQLite and once on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

import asyncpg  # type: ignore[import-untyped]
import pytest

from core.storage import Database, SqliteDatabase
from core.storage.postgres import PostgresDatabase
from tests.servers import POSTGRES_URL, require

D = TypeVar("D", bound=Database)


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        # A file, not :memory:, so readers are connections of their own as in production.
        async with connected(SqliteDatabase(tmp_path / "contract.db")) as db:
            yield db
        return
    async with postgres_schema() as schema, connected(postgres_database(schema)) as db:
        yield db


@asynccontextmanager
async def connected(db: D) -> AsyncIterator[D]:
    """``db`` connected for the block, closed after it."""
    await db.connect()
    try:
        yield db
    finally:
        await db.close()


@asynccontextmanager
async def postgres_schema() -> AsyncIterator[str]:
    """A schema of its own for one test (tests run in parallel on one database), dropped after."""
    require("PostgreSQL", "127.0.0.1", 5432)
    schema = f"t_{uuid.uuid4().hex}"
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        yield schema
    finally:
        await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await admin.close()


def postgres_database(schema: str) -> PostgresDatabase:
    """A pool whose connections see only ``schema`` (not connected yet)."""
    return PostgresDatabase(POSTGRES_URL, max_size=4, server_settings={"search_path": schema})
