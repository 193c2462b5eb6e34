"""Who is this VK user: person and active roles, cached so the middleware costs a dict look-up.

Entries expire after ``ttl`` (changes made by another process, e.g. the CLI) and are dropped at
once when this process changes someone's roles (verification calls ``invalidate``).
"""

from __future__ import annotations

from datetime import timedelta

from core.clock import Clock
from core.people import Identity, PeopleRepository


class IdentityCache:
    def __init__(
        self, people: PeopleRepository, clock: Clock, ttl: timedelta = timedelta(seconds=60)
    ) -> None:
        self.people = people
        self.clock = clock
        self.ttl = ttl
        self._entries: dict[int, tuple[Identity, float]] = {}

    async def get(self, vk_user_id: int) -> Identity:
        now = self.clock.now().timestamp()
        entry = self._entries.get(vk_user_id)
        if entry is not None and entry[1] > now:
            return entry[0]
        identity = await self.people.identity(vk_user_id)
        if len(self._entries) > 100_000:
            self._entries.clear()
        self._entries[vk_user_id] = (identity, now + self.ttl.total_seconds())
        return identity

    def invalidate(self, vk_user_id: int) -> None:
        self._entries.pop(vk_user_id, None)
