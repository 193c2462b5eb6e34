"""Record activity on every event without a database write per event.

Rows are buffered and written in one transaction when the buffer fills or on ``flush()``
(a timer and shutdown call it). Writing goes through ``ActivityStore.ingest``: the raw log and the
weekly counters the monitoring reads are updated together."""

from __future__ import annotations

import asyncio
from datetime import datetime

from core.clock import Clock
from core.storage import Database

from .kinds import ActivityKind
from .store import ActivityStore, IngestRow, event_row

__all__ = ["ActivityKind", "ActivityRecorder", "Row"]

Row = IngestRow


class ActivityRecorder:
    def __init__(
        self, db: Database, clock: Clock, batch: int = 500, *, store: ActivityStore | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self.batch = batch
        self.store = store or ActivityStore(db)
        self._rows: list[Row] = []
        self._lock = asyncio.Lock()

    async def record(
        self,
        vk_user_id: int,
        kind: ActivityKind,
        *,
        person_id: int | None = None,
        peer_id: int | None = None,
        group_id: int | None = None,
        plugin: str | None = None,
        at: datetime | None = None,
    ) -> None:
        self._rows.append(
            event_row(
                at or self.clock.now(),
                vk_user_id,
                kind,
                person_id=person_id,
                peer_id=peer_id,
                group_id=group_id,
                plugin=plugin,
            )
        )
        if len(self._rows) >= self.batch:
            await self.flush()

    async def flush(self) -> int:
        async with self._lock:
            rows, self._rows = self._rows, []
            if rows:
                await self.store.ingest(rows)
            return len(rows)

    @property
    def pending(self) -> int:
        return len(self._rows)
