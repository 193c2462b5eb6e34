"""Doctor fixtures: a migrated database (made once, copied per test) and a mini-app's settings."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from core.plugins.loader import discover, plugin_migrations
from core.storage import migrate, open_core_database

APP_SECRET = "a1b2c3d4e5f6g7h8i9j0k1l2"  # 24 characters, as long as a VK secure key must be
APP_ID = 7_654_321


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the core's and every installed bot's migrations."""
    path = tmp_path_factory.mktemp("doctor") / "migrated.db"

    async def make() -> None:
        db = await open_core_database(str(path))
        try:
            for plugin in discover():
                await migrate(db, plugin_migrations(plugin))
        finally:
            await db.close()

    asyncio.run(make())
    return path


@pytest.fixture
def db_path(tmp_path: Path, migrated_template: Path) -> str:
    target = tmp_path / "sferum.db"
    shutil.copy(migrated_template, target)
    return str(target)
