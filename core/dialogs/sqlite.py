"""The dialog store of one process, in the core database (SQLite by default).

A write-through cache keeps the per-event read off the database; it is why the store is not
``shared``: another process's write is not seen once a dialog is cached here.
"""

from __future__ import annotations

import json
from typing import Any

from core.clock import Clock
from core.storage import Database

from .abc import Dialog, DialogStore


class SqliteDialogStore(DialogStore):
    def __init__(self, db: Database, clock: Clock, cache_size: int = 50_000) -> None:
        self.db = db
        self.clock = clock
        self._cache: dict[tuple[int, int], tuple[str | None, str]] = {}
        self._cache_size = cache_size

    async def load(self, group_id: int, user_id: int) -> Dialog:
        key = (group_id, user_id)
        cached = self._cache.get(key)
        if cached is None:
            row = await self.db.fetchone(
                "SELECT step, data FROM dialog_states WHERE group_id = ? AND user_id = ?", key
            )
            cached = (None, "{}") if row is None else (row["step"], row["data"])
            self._remember(key, cached)
        step, data = cached
        return Dialog(group_id, user_id, step, json.loads(data))

    def _remember(self, key: tuple[int, int], value: tuple[str | None, str]) -> None:
        if len(self._cache) >= self._cache_size:
            self._cache.pop(next(iter(self._cache)))
        self._cache[key] = value

    async def save(self, dialog: Dialog, step: str, **data: Any) -> None:
        """Move to ``step``; ``data`` is merged into what the dialog already collected."""
        dialog.step = step
        dialog.data.update(data)
        encoded = json.dumps(dialog.data, ensure_ascii=False)
        await self.db.execute(
            "INSERT INTO dialog_states (group_id, user_id, step, data, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (group_id, user_id) DO UPDATE SET "
            "step = excluded.step, data = excluded.data, updated_at = excluded.updated_at",
            (dialog.group_id, dialog.user_id, step, encoded, self.clock.now().isoformat()),
        )
        self._remember((dialog.group_id, dialog.user_id), (step, encoded))

    async def clear(self, dialog: Dialog) -> None:
        dialog.step = None
        dialog.data = {}
        await self.db.execute(
            "DELETE FROM dialog_states WHERE group_id = ? AND user_id = ?",
            (dialog.group_id, dialog.user_id),
        )
        self._remember((dialog.group_id, dialog.user_id), (None, "{}"))

    def forget_cache(self) -> None:
        """Drop the cache (tests simulate a restart with it)."""
        self._cache.clear()
