"""One holder per conversation across a region's workers: the peer lock around each event.

ConversationQueue (ordering.py) runs the events of one conversation one after another, but only
within its process. Behind one Callback API address VK may hand two events of one peer to two
workers; without a lock both handlers would run at once (and the dialog store's later write
would win). The queue holds ``lock.hold(key)`` around each job:

- ``LocalPeerLock`` (the embedded default, one process): nothing to exclude — the queue already
  runs one job per conversation — so it is a no-op that never suspends, and the queue behaves
  exactly as without it.
- ``RedisPeerLock`` (``redis_url`` set): a key per conversation in Redis.

Key layout: ``<prefix><conversation key>`` — ``sferum:peer-lock:<group_id>:<peer_id>`` as a
community builds it (``open_peer_lock``), since one person is a different conversation in every
community. The value is the holder's random token; the key carries a lease (PX, ``lease_s``,
30 s by default):
- take: ``SET key token NX PX lease`` in a script that answers the holder's remaining PTTL when
  the key is taken; the waiter sleeps (injected ``sleep``) with a back-off from 5 ms doubling up
  to 100 ms, never longer than the holder's remaining lease, and asks again. There is no queue
  across workers: which waiting worker goes next is not defined (nor is which of two deliveries
  VK made first) — the lock excludes, it does not order;
- hold: a refresh task extends the lease every third of it (compare-and-PEXPIRE), so a handler
  slower than the lease keeps the key; should the token have changed (the lease ran out while
  the event loop was blocked), it logs and stops — it never takes back another worker's key;
- leave: a compare-and-delete script, so a holder whose lease ran out never deletes the key of
  the worker that took it over;
- a worker that dies holding a key (SIGKILL, lost machine) refreshes no more: Redis drops the key
  when its lease expires and a waiting worker takes it. Redis keeps the lease time itself, so the
  machines' clocks need not agree and no clock is injected, only the sleep.

Redis unreachable: taking the lock raises after redis-py's retries; ``hold`` then logs and runs
the event without it (fail-open). Dropping the event instead would leave the Callback API's answer
waiting for a job that never runs; within this process the event is still in order, and the dialog
store on the same Redis fails the event anyway when Redis is really gone. Leaving only logs: the
lease frees the key.

``redis`` is imported only when a RedisPeerLock is built from a URL, so the embedded default never
imports it.
"""

from __future__ import annotations

import abc
import asyncio
import logging
import math
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger("sferum.peer_lock")

KEY_PREFIX = "sferum:peer-lock:"
LEASE_S = 30.0
BACKOFF_FIRST_S = 0.005
BACKOFF_MAX_S = 0.1

Sleep = Callable[[float], Awaitable[None]]

# KEYS[1]: the conversation's lock. ARGV: token, lease in ms.
# Returns {1, 0} when taken, else {0, the holder's remaining lease in ms (PTTL)}.
_ACQUIRE = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1, 0}
end
return {0, redis.call('PTTL', KEYS[1])}
"""

# KEYS[1]: the lock. ARGV: token. Deletes only this holder's key.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

# KEYS[1]: the lock. ARGV: token, lease in ms. Extends only this holder's key.
_EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""


class PeerLock(abc.ABC):
    """``async with lock.hold(key)``: one holder of a conversation key across all workers."""

    @abc.abstractmethod
    def hold(self, key: Hashable) -> AbstractAsyncContextManager[None]: ...

    async def close(self) -> None:  # noqa: B027 - a lock without resources has nothing to close
        """Free what the lock holds open (a Redis client)."""


class _Free:
    """An async context manager that never suspends: the queue runs as it did without a lock."""

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc: object) -> None:
        return None


_FREE = _Free()


class LocalPeerLock(PeerLock):
    """One process: ConversationQueue already runs one job per conversation at a time."""

    def hold(self, key: Hashable) -> AbstractAsyncContextManager[None]:
        return _FREE


class RedisPeerLock(PeerLock):
    def __init__(
        self,
        client: Redis,
        prefix: str = KEY_PREFIX,
        lease_s: float = LEASE_S,
        *,
        sleep: Sleep = asyncio.sleep,
        owns_client: bool = False,
    ) -> None:
        if lease_s <= 0:
            raise ValueError("lease_s must be positive")
        self.client = client
        self.prefix = prefix
        self.lease_s = lease_s
        self.lease_ms = max(1, math.ceil(lease_s * 1000))
        # Three chances to extend before the lease runs out, should one round trip be slow.
        self.refresh_s = lease_s / 3
        self._sleep = sleep
        self._owns_client = owns_client
        self._acquire_script = client.register_script(_ACQUIRE)
        self._release_script = client.register_script(_RELEASE)
        self._extend_script = client.register_script(_EXTEND)

    @classmethod
    def from_url(cls, url: str, prefix: str = KEY_PREFIX, **options: Any) -> RedisPeerLock:
        """A lock with its own client (closed with the lock)."""
        from core.redis_connection import redis_client

        client = redis_client(url)
        return cls(client, prefix, owns_client=True, **options)

    def key(self, key: Hashable) -> str:
        return f"{self.prefix}{key}"

    async def acquire(self, key: Hashable) -> str:
        """Wait until the conversation is free and take it; the token to leave it with."""
        name = self.key(key)
        token = uuid.uuid4().hex
        backoff = BACKOFF_FIRST_S
        while True:
            taken, left_ms = await self._acquire_script(keys=[name], args=[token, self.lease_ms])
            if int(taken):
                return token
            # PTTL -2/-1 (just gone, no expiry) cannot last: ask again after the shortest pause.
            left_s = int(left_ms) / 1000
            wait = min(backoff, left_s) if left_s > 0 else BACKOFF_FIRST_S
            await self._sleep(wait)
            backoff = min(backoff * 2, BACKOFF_MAX_S)

    async def extend(self, key: Hashable, token: str) -> bool:
        """Renew the lease; False when the key is no longer this holder's."""
        return bool(await self._extend_script(keys=[self.key(key)], args=[token, self.lease_ms]))

    async def release(self, key: Hashable, token: str) -> bool:
        """Leave; False when the lease had run out (the key may be another holder's now)."""
        return bool(await self._release_script(keys=[self.key(key)], args=[token]))

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        token: str | None = None
        try:
            token = await self.acquire(key)
        except Exception:  # Redis unreachable: fail open, see the module's docstring
            log.exception("could not take the lock of %s; handling the event without it", key)
        if token is None:
            yield
            return
        refresh = asyncio.create_task(self._refresh(key, token), name=f"peer-lock:{key}")
        try:
            yield
        finally:
            refresh.cancel()
            # wait(), not `await refresh` in a suppress: a cancel aimed at this task (the queue
            # closing) must not be swallowed with the refresh's own.
            try:
                await asyncio.wait([refresh])
            finally:
                await self._leave(key, token)

    async def _refresh(self, key: Hashable, token: str) -> None:
        while True:
            await self._sleep(self.refresh_s)
            try:
                still_ours = await self.extend(key, token)
            except Exception:  # a missed renewal is retried; the lease has two more chances
                log.warning("could not extend the lock of %s", key, exc_info=True)
                continue
            if not still_ours:
                log.warning(
                    "the lock of %s ran out while its event was handled; another worker may "
                    "be handling the same conversation",
                    key,
                )
                return

    async def _leave(self, key: Hashable, token: str) -> None:
        try:
            if not await self.release(key, token):
                log.warning("the lock of %s had run out before its event was handled", key)
        except Exception:
            log.warning("could not leave the lock of %s; its lease frees it", key, exc_info=True)

    async def close(self) -> None:
        if self._owns_client:
            await self.client.aclose()


def open_peer_lock(redis_url: str | None, group_id: int, redis_prefix: str = "sferum:") -> PeerLock:
    """The lock a community's queue holds: Redis when the region shares one, else local."""
    if redis_url is None:
        return LocalPeerLock()
    return RedisPeerLock.from_url(redis_url, f"{redis_prefix}peer-lock:{group_id}:")
