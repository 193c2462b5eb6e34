"""What the bot remembers per VK user in the plugin's key-value storage: the chosen city and the
current search (filters and free text), so paging buttons carry only a page number."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from core.runtime.services import PluginStorage

from .categories import Category, parse_category
from .dates import Period

MAX_TEXT = 100


@dataclass(frozen=True, slots=True)
class SearchState:
    period: Period = Period.ALL
    first: date | None = None
    last: date | None = None
    category: Category | None = None
    text: str = ""

    @property
    def filtered(self) -> bool:
        return self != SearchState()

    def with_(self, **changes: Any) -> SearchState:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period.value,
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "category": self.category.value if self.category else None,
            "text": self.text,
        }

    @classmethod
    def from_json(cls, data: Any) -> SearchState:
        """Lenient: whatever was stored by an older version falls back to defaults."""
        if not isinstance(data, dict):
            return cls()
        try:
            period = Period(data.get("period") or "all")
            first = date.fromisoformat(str(data["first"])) if data.get("first") else None
            last = date.fromisoformat(str(data["last"])) if data.get("last") else None
        except (ValueError, TypeError):
            return cls()
        if period == Period.RANGE and (first is None or last is None):
            period = Period.ALL
        text = data.get("text")
        text = text[:MAX_TEXT] if isinstance(text, str) else ""
        category = data.get("category")
        return cls(
            period,
            first,
            last,
            parse_category(category if isinstance(category, str) else None),
            text,
        )


class Prefs:
    def __init__(self, storage: PluginStorage) -> None:
        self.storage = storage

    async def city(self, vk_user_id: int) -> str | None:
        value = await self.storage.get(f"city:{vk_user_id}")
        return value if isinstance(value, str) and value else None

    async def set_city(self, vk_user_id: int, city: str) -> None:
        await self.storage.set(f"city:{vk_user_id}", city)

    async def search(self, vk_user_id: int) -> SearchState:
        return SearchState.from_json(await self.storage.get(f"search:{vk_user_id}"))

    async def set_search(self, vk_user_id: int, state: SearchState) -> None:
        await self.storage.set(f"search:{vk_user_id}", state.to_json())
