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
    database = await open_core_database(str(tmp_path / "test.db"))
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
def people(db: Database, clock: ManualClock) -> PeopleRepository:
    return PeopleRepository(db, clock)
