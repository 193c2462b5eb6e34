"""``sferum run``: start what the configuration asks for and print where to go."""

from __future__ import annotations

import asyncio
import logging

from core.clock import SystemClock
from core.config import Settings
from core.demo.loader import load_demo
from core.people import PeopleRepository
from core.storage import open_core_database

log = logging.getLogger("sferum")


async def serve(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(message)s")
    db = await open_core_database(settings.db_path)
    try:
        if await db.fetchval("SELECT count(*) FROM persons") == 0:
            summary = await load_demo(PeopleRepository(db, SystemClock()))
            print(f"Загружен демо-округ: {summary.persons} человек, {summary.groups} классов.")
        print(f"База данных: {settings.db_path}")
        print("Работает. Остановить: Ctrl+C.")
        await asyncio.Event().wait()
    finally:
        await db.close()
