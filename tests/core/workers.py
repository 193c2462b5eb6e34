"""Two workers on one core database, for the tests of state changes that must not race.

Each worker is a ``Database`` object of its own (its own connections, as two processes have), on
one SQLite file or on one PostgreSQL schema; a test races them with ``asyncio.gather`` and checks
that exactly one wins. On SQLite the writer lock serialises the two; on PostgreSQL only the
product's conditional statements and row locks do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from core.storage import Database, load_migrations, migrate, open_core_database
from tests.core.storage.conftest import connected, postgres_database, postgres_schema

ENGINES = ["sqlite", "postgresql"]


@asynccontextmanager
async def two_workers(engine: str, tmp_path: Path) -> AsyncIterator[tuple[Database, Database]]:
    """Two connected, migrated databases on the same store (``engine`` one of ``ENGINES``)."""
    async with AsyncExitStack() as stack:
        # The exit stack closes the second, then the first, then drops the schema.
        if engine == "sqlite":
            path = str(tmp_path / "shared.db")
            first = await open_core_database(path)
            stack.push_async_callback(first.close)
            second = await open_core_database(path)
            stack.push_async_callback(second.close)
        else:
            schema = await stack.enter_async_context(postgres_schema())
            first = await stack.enter_async_context(connected(postgres_database(schema)))
            await migrate(first, load_migrations("core", "core.storage"))
            second = await stack.enter_async_context(connected(postgres_database(schema)))
        yield first, second
