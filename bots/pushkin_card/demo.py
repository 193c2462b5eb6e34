"""The demo afisha for the sandbox: data/demo_events.json, loaded on the first start.

The file covers 20 November 2026 – 28 February 2027, written for the demo's anchor week (the
Monday 23 November 2026). So that the sandbox shows a live afisha whenever it is started, the
events are moved by whole weeks to the week it is loaded in, forward or back (weekdays and local
times stay as they are; core.demo.calendar).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from core.clock import Clock
from core.demo.calendar import demo_shift
from core.storage import Database

from .importer import EventImporter, ImportReport
from .sources import EventSource, FileSource

log = logging.getLogger("sferum.pushkin_card")

DEMO_FILE = Path(__file__).resolve().parent / "data" / "demo_events.json"


class ShiftedSource(EventSource):
    """Another source's events, every time moved by ``delta``."""

    def __init__(self, source: EventSource, delta: timedelta) -> None:
        self.source = source
        self.delta_ms = int(delta.total_seconds() * 1000)
        self.name = source.name

    def _shift(self, record: Any) -> Any:
        if not isinstance(record, dict):
            return record
        moved = dict(record)
        for key in ("start", "end"):
            if isinstance(moved.get(key), int):
                moved[key] += self.delta_ms
        places = []
        for place in moved.get("places") or []:
            if isinstance(place, dict) and isinstance(place.get("seances"), list):
                place = dict(place, seances=[self._shift(s) for s in place["seances"]])
            places.append(place)
        if isinstance(moved.get("places"), list):
            moved["places"] = places
        return moved

    async def pages(self) -> AsyncIterator[list[Any]]:
        async for page in self.source.pages():
            yield [self._shift(record) for record in page] if self.delta_ms else page


def demo_source(now: datetime) -> EventSource:
    return ShiftedSource(FileSource(DEMO_FILE), demo_shift(now))


async def load_demo_events(db: Database, clock: Clock) -> ImportReport | None:
    """Import the demo afisha unless events are already there."""
    if await db.fetchval("SELECT 1 FROM pushkin_card_events LIMIT 1"):
        return None
    report = await EventImporter(db, clock).run(demo_source(clock.now()))
    log.info("demo afisha loaded: %s events", report.imported)
    return report
