"""Multi-step dialog state: the interface and its stores.

SQLite (the core database, one process) by default; Redis when ``redis_url`` is set, shared by a
region's workers. Redis is imported only then, so the embedded default never loads it.
"""

from __future__ import annotations

from core.clock import Clock
from core.storage import Database

from .abc import Dialog, DialogStore
from .sqlite import SqliteDialogStore

__all__ = ["Dialog", "DialogStore", "SqliteDialogStore", "open_dialog_store"]


def open_dialog_store(
    db: Database, clock: Clock, redis_url: str | None, redis_prefix: str = "sferum:"
) -> DialogStore:
    """The store ``Services`` uses: Redis when a URL is given, the core database otherwise."""
    if redis_url is None:
        return SqliteDialogStore(db, clock)
    from .redis import RedisDialogStore

    return RedisDialogStore.from_url(redis_url, clock, prefix=f"{redis_prefix}dialog:")
