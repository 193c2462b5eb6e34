"""Events of one conversation are handled in order; a bounded number of conversations at once.

vkbottle's polling starts a task per update with no cap: a burst could run two messages of one
person out of order and thousands of handlers at once. Here each conversation key has a queue, one
worker drains it, and a semaphore caps the workers. ``submit`` applies back-pressure when too many
events wait, so memory stays bounded under a flood.

Across a region's workers each job runs inside the queue's PeerLock (peer_lock.py), so two workers
never handle one conversation at once; the default LocalPeerLock does nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable

from .peer_lock import LocalPeerLock, PeerLock

log = logging.getLogger("sferum.ordering")

Job = Callable[[], Awaitable[None]]


class ConversationQueue:
    def __init__(
        self, max_active: int = 64, max_waiting: int = 10_000, *, lock: PeerLock | None = None
    ) -> None:
        self._lock = lock if lock is not None else LocalPeerLock()
        self._queues: dict[Hashable, deque[Job]] = {}
        self._active = asyncio.Semaphore(max_active)
        self._room = asyncio.Semaphore(max_waiting)
        self._tasks: set[asyncio.Task[None]] = set()
        self._idle = asyncio.Event()
        self._idle.set()

    async def submit(self, key: Hashable, job: Job) -> None:
        await self._room.acquire()
        self._idle.clear()
        queue = self._queues.get(key)
        if queue is not None:
            queue.append(job)
            return
        self._queues[key] = deque([job])
        task = asyncio.create_task(self._drain(key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self, key: Hashable) -> None:
        async with self._active:
            queue = self._queues[key]
            while queue:
                try:
                    async with self._lock.hold(key):
                        await queue[0]()
                except Exception:  # one failing event must not stop its conversation
                    log.exception("event handling failed for conversation %s", key)
                finally:
                    queue.popleft()
                    self._room.release()
            del self._queues[key]
            if not self._queues:
                self._idle.set()

    async def join(self) -> None:
        """Wait until every submitted event has been handled."""
        await self._idle.wait()

    @property
    def waiting(self) -> int:
        return sum(len(q) for q in self._queues.values())

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def conversation_key(update: dict[str, object]) -> Hashable:
    """The conversation an update belongs to: its peer, else the user, else its type."""
    obj = update.get("object")
    if isinstance(obj, dict):
        message = obj.get("message")
        if isinstance(message, dict) and "peer_id" in message:
            return message["peer_id"]  # type: ignore[no-any-return]
        for field in ("peer_id", "user_id", "from_id"):
            if field in obj:
                return obj[field]  # type: ignore[no-any-return]
    return update.get("type", "?")  # type: ignore[return-value]
