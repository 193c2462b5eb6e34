"""Fixtures of the Pushkin-card tests: storage with the plugin's tables, the demo events."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.pushkin_card.catalog import Catalog
from bots.pushkin_card.importer import EventImporter
from bots.pushkin_card.sources import FileSource
from core.clock import ManualClock
from core.storage import Database, load_migrations, migrate

DATA = Path(__file__).resolve().parents[3] / "bots" / "pushkin_card" / "data"
DEMO = DATA / "demo_events.json"
MALFORMED = DATA / "malformed_events.json"


@pytest.fixture
async def pk_db(db: Database) -> Database:
    await migrate(db, load_migrations("pushkin_card", "bots.pushkin_card"))
    return db


@pytest.fixture
async def catalog(pk_db: Database, clock: ManualClock) -> Catalog:
    await EventImporter(pk_db, clock).run(FileSource(DEMO))
    return Catalog(pk_db)
