"""The dialog store a region's workers share: one JSON value per person in Redis.

Layout: ``<prefix><group_id>:<user_id>`` (``sferum:dialog:`` by default) holds
``{"step": …, "data": {…}, "updated_at": …}``, written whole by each ``save`` with an expiry of
``ttl_s`` (30 days), renewed by every step, so abandoned dialogs leave by themselves. There is no
local cache: whichever worker gets a person's next event must see the step the last one saved.

What happens when Redis fails (documented, not hidden):
- Redis restarted: it keeps nothing on disk, so every dialog in progress is gone; ``load`` answers
  a fresh dialog and the person's next message is handled as if no dialog had begun (the bot's
  menu or fallback answers, the person starts the step over). The client reconnects by itself
  (redis-py retries a dropped connection), so no worker needs restarting.
- Redis unreachable: ``load``/``save``/``clear`` raise ``redis.exceptions.ConnectionError`` (a
  ``RedisError``) after redis-py's retries. Raised in a handler's ``save`` it reaches the
  community's error handler, which logs it and answers the generic Russian error text; raised in
  the middleware's ``load`` the event is not handled. A polite answer of its own is not built yet.
- Two events of one person handled at once by two workers: each merges into the dialog it loaded
  and the later write wins; per-peer ordering across workers (issue 16) is what prevents it.
"""

from __future__ import annotations

import json
from typing import Any

from redis.asyncio import Redis

from core.clock import Clock
from core.redis_connection import redis_client

from .abc import Dialog, DialogStore

KEY_PREFIX = "sferum:dialog:"
TTL_S = 30 * 86_400


class RedisDialogStore(DialogStore):
    shared = True

    def __init__(
        self,
        client: Redis,
        clock: Clock,
        *,
        prefix: str = KEY_PREFIX,
        ttl_s: int = TTL_S,
        owns_client: bool = False,
    ) -> None:
        if ttl_s <= 0:
            raise ValueError("ttl_s must be positive")
        self.client = client
        self.clock = clock
        self.prefix = prefix
        self.ttl_s = ttl_s
        self._owns_client = owns_client

    @classmethod
    def from_url(cls, url: str, clock: Clock, **options: Any) -> RedisDialogStore:
        """A store with its own client (closed with the store), as Services builds it."""
        client = redis_client(url)
        return cls(client, clock, owns_client=True, **options)

    def key(self, group_id: int, user_id: int) -> str:
        return f"{self.prefix}{group_id}:{user_id}"

    async def load(self, group_id: int, user_id: int) -> Dialog:
        raw = await self.client.get(self.key(group_id, user_id))
        if raw is None:
            return Dialog(group_id, user_id)
        value = json.loads(raw)
        return Dialog(group_id, user_id, value["step"], value["data"])

    async def save(self, dialog: Dialog, step: str, **data: Any) -> None:
        """Move to ``step``; ``data`` is merged into what the dialog already collected."""
        dialog.step = step
        dialog.data.update(data)
        encoded = json.dumps(
            {"step": step, "data": dialog.data, "updated_at": self.clock.now().isoformat()},
            ensure_ascii=False,
        )
        await self.client.set(self.key(dialog.group_id, dialog.user_id), encoded, ex=self.ttl_s)

    async def clear(self, dialog: Dialog) -> None:
        dialog.step = None
        dialog.data = {}
        await self.client.delete(self.key(dialog.group_id, dialog.user_id))

    async def close(self) -> None:
        if self._owns_client:
            await self.client.aclose()
