"""Fixtures shared by every test package."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.clock import NOW_VARIABLE, ManualClock
from core.people import PeopleRepository
from core.storage import Database, open_core_database

# The same fixture plugin authors use (sandbox_bot).
pytest_plugins = ("sferum.testing",)


# A Monday morning in Novosibirsk (UTC+7): 10:00 local.
PINNED = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def pinned_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every command a test runs (``main([...])`` in process, or ``sferum …`` as a child
    process, which inherits the environment) starts at the same moment as the ``clock``
    fixture, so no test depends on the day it runs."""
    monkeypatch.setenv(NOW_VARIABLE, PINNED.isoformat())


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(PINNED)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """The core database: SQLite in the test's folder, or PostgreSQL in make test's second pass
    (SFERUM_TEST_DB_URL, see sferum.testing.scratch_database)."""
    from sferum.testing import scratch_database  # here: pytest_plugins rewrites it first

    async with scratch_database(tmp_path) as where:
        database = await open_core_database(where)
        try:
            yield database
        finally:
            await database.close()


@pytest.fixture
def people(db: Database, clock: ManualClock) -> PeopleRepository:
    return PeopleRepository(db, clock)


@pytest.fixture(params=["sqlite", "postgresql"])
async def two_dbs(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[Database, Database]]:
    """Two workers' databases on one store, once on SQLite and once on PostgreSQL (see
    tests.core.workers), for the tests of state changes that must not race."""
    from tests.core.workers import two_workers  # here: it needs PostgreSQL's driver only then

    async with two_workers(request.param, tmp_path) as pair:
        yield pair
