"""Record activity on every event without a database write per event.

Rows are buffered and written in one transaction when the buffer fills or on ``flush()``
(a timer and shutdown call it)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from enum import StrEnum

from core.clock import Clock
from core.storage import Database


class ActivityKind(StrEnum):
    MESSAGE_TO_BOT = "message_to_bot"
    GROUP_CHAT_MESSAGE = "group_chat_message"
    BUTTON = "button"
    CHAT_CREATED = "chat_created"
    CALL = "call"
    MINIAPP_OPEN = "miniapp_open"


Row = tuple[str, int, int | None, str, int | None, int | None, str | None]


class ActivityRecorder:
    def __init__(self, db: Database, clock: Clock, batch: int = 500) -> None:
        self.db = db
        self.clock = clock
        self.batch = batch
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
        moment = (at or self.clock.now()).isoformat()
        self._rows.append((moment, vk_user_id, person_id, kind.value, peer_id, group_id, plugin))
        if len(self._rows) >= self.batch:
            await self.flush()

    async def flush(self) -> int:
        async with self._lock:
            rows, self._rows = self._rows, []
            if rows:
                await self.db.executemany(
                    "INSERT INTO activity_events (at, vk_user_id, person_id, kind, peer_id, "
                    "group_id, plugin) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
            return len(rows)

    @property
    def pending(self) -> int:
        return len(self._rows)
