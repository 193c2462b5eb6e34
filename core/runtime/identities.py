"""Who is this VK user: person and active roles, cached so the middleware reads one small row.

Every change to persons or roles, by any process on the database (``sferum roles revoke``, an
import, the bots' verification), moves the ``identity_version`` counter (triggers of migration
0008). An entry is served only while the counter still has the value it had when the entry was
read, so a revoked role is gone on the very next event; checking costs one indexed read instead of
the two queries of an identity. ``invalidate`` still drops one entry at once when this process
knows it changed it.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from core.clock import Clock
from core.people import Identity, PeopleRepository

_ENTRY_LIMIT = 100_000


class IdentityCache:
    def __init__(
        self, people: PeopleRepository, clock: Clock, ttl: timedelta = timedelta(minutes=10)
    ) -> None:
        self.people = people
        self.clock = clock
        # A backstop only (correctness comes from the counter): older entries are re-read.
        self.ttl = ttl
        self._entries: dict[int, tuple[Identity, int, float]] = {}
        self._running: asyncio.Future[int] | None = None  # the counter read in flight
        self._queued: asyncio.Future[int] | None = None  # the one to start when it is done

    async def _read_version(self) -> int:
        value = await self.people.db.fetchval("SELECT version FROM identity_version WHERE id = 1")
        return int(value or 0)

    async def version(self) -> int:
        """The database's identity counter, read after this call began.

        Concurrent events share reads (each read is a hop to a database thread, and at a few
        hundred requests a second one per event halved the mini-app's throughput). A read already
        running may have started before a change this event must see, so a caller joins the read
        that starts next, right after it; with none running, it starts one."""
        running = self._running
        if running is None:
            task = asyncio.ensure_future(self._read_version())
            self._start(task)
            return await asyncio.shield(task)
        if self._queued is None:
            self._queued = asyncio.ensure_future(self._read_after(running))
        return await asyncio.shield(self._queued)

    def _start(self, task: asyncio.Future[int]) -> None:
        self._running = task

        def finished(done: asyncio.Future[int]) -> None:
            if self._running is done:
                self._running = None

        task.add_done_callback(finished)

    async def _read_after(self, running: asyncio.Future[int]) -> int:
        await asyncio.wait([running])
        # Everyone waiting on this read called before now: a read starting now is late enough.
        me = asyncio.current_task()
        assert me is not None
        self._queued = None
        self._start(me)
        return await self._read_version()

    async def get(self, vk_user_id: int) -> Identity:
        # The counter first, then the identity: a change committed in between leaves the entry
        # marked older than it is, which only costs a re-read on the next event.
        version = await self.version()
        now = self.clock.now().timestamp()
        entry = self._entries.get(vk_user_id)
        if entry is not None and entry[1] == version and entry[2] > now:
            return entry[0]
        identity = await self.people.identity(vk_user_id)
        if len(self._entries) > _ENTRY_LIMIT:
            self._entries.clear()
        self._entries[vk_user_id] = (identity, version, now + self.ttl.total_seconds())
        return identity

    def invalidate(self, vk_user_id: int) -> None:
        self._entries.pop(vk_user_id, None)
