"""What a dialog is and what every dialog store offers (SQLite in one process, Redis for many).

A dialog is keyed by the person (from_id) within a community, never by the chat: two people in one
group chat each have their own dialog.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Dialog:
    group_id: int
    user_id: int
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def at(self, step: str) -> bool:
        return self.step == step

    def in_flow(self, prefix: str) -> bool:
        return self.step is not None and self.step.startswith(prefix)


class DialogStore(ABC):
    """Multi-step dialog state, persisted so that a restart mid-dialog continues it."""

    # Whether another process's store sees a write at once. False: the store may answer from its
    # own cache, so it is only right when one process serves the community (the embedded and
    # school shapes); a region's workers need a shared store.
    shared: bool = False

    @abstractmethod
    async def load(self, group_id: int, user_id: int) -> Dialog:
        """The person's dialog; a fresh one (no step, no data) when there is none."""

    @abstractmethod
    async def save(self, dialog: Dialog, step: str, **data: Any) -> None:
        """Move to ``step``; ``data`` is merged into what the dialog already collected."""

    @abstractmethod
    async def clear(self, dialog: Dialog) -> None:
        """End the dialog: no step, no data."""

    def forget_cache(self) -> None:
        """Drop the cache (tests simulate a restart with it); a store without one has nothing
        to drop."""
        return None

    async def close(self) -> None:
        """Release what the store holds itself (a connection); the shared database is not its."""
        return None
