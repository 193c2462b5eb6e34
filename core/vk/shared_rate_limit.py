"""VK's per-token limit shared by every worker of a region: the window lives in Redis.

The rule is RateLimiter's (core/vk/rate_limit.py): a call holds its slot from the moment it starts
until one window after its answer, so at most ``calls`` calls of the token are in flight or were
answered within the last window — now counted over all workers, so N workers on one token never
exceed the limit together.

Key layout: ``<prefix><sha256(token)>`` (``sferum:vk-rate:`` by default; never the token itself,
whoever reads Redis must not learn it) is a sorted set of the token's held slots, one member per
call (a random id), scored by the moment the slot frees:
- taken: ``start + lease_s`` — the call is in flight; the lease is only there for a worker that
  dies holding its slot (SIGKILL, lost machine): the slot frees by itself then, no permanent leak;
- left: ``answer + window`` — VK may have counted the call as late as its answer.
Both scripts run atomically in Redis (one script at a time), so two workers never take the last
slot together. ``acquire``: drop members whose score is past; if fewer than ``calls`` remain, add
this call's member and answer "granted"; else answer how long to wait — until the earliest score,
but at most one window, because a call still in flight may be answered any moment and then frees
its slot a window later (never sooner), which the waiter only learns by asking again. ``release``
re-scores the member (or adds it back when its lease had run out) to ``answer + window``. Every
write renews the key's expiry (lease + window), so an idle token's key leaves Redis.

The lease must exceed the longest call (``vk_timeout_s``, 10 s by default, plus a busy event
loop), or a slow call's slot would free while VK may still count it: 30 s by default.

Time: the caller's ``time()`` goes to the scripts as an argument, so tests run on simulated time
and never sleep. By default (``time=None``) the scripts read Redis's own clock instead, one clock
for every worker, so the machines' clocks need not agree.

Redis unreachable: taking a slot raises ``redis.exceptions.ConnectionError`` and the call is not
made; leaving one only logs, since the call has been made (failing it would make the caller repeat
it) and the lease frees the slot.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.exceptions import RedisError

from .rate_limit import pacing

log = logging.getLogger("sferum.vk.rate")

KEY_PREFIX = "sferum:vk-rate:"
LEASE_S = 30.0

# Both scripts open by reading the moment from ARGV[1], or from Redis's clock when it is ''.
_NOW = """
local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
else
  now = tonumber(ARGV[1])
end
"""

# KEYS[1]: the token's slots. ARGV: now ('' = Redis's clock), calls, window, lease, member, the
# key's expiry in ms. Returns {1, ''} when the slot is taken, {0, seconds to wait} otherwise
# (as a string: Redis would truncate a Lua number to an integer).
_ACQUIRE = (
    _NOW
    + """local calls = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local lease = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < calls then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[5])
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
  return {1, ''}
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tostring(math.min(tonumber(first[2]) - now, window))}
"""
)

# KEYS[1]: the token's slots. ARGV: now ('' = Redis's clock), window, member, expiry in ms.
_RELEASE = (
    _NOW
    + """redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
"""
)


def token_key(token: str, prefix: str = KEY_PREFIX) -> str:
    """The Redis key of a token's window: a hash of the token, never the token."""
    return prefix + hashlib.sha256(token.encode()).hexdigest()


class SharedRateLimiter:
    def __init__(
        self,
        client: Redis,
        token: str,
        rate: float,
        *,
        prefix: str = KEY_PREFIX,
        lease_s: float = LEASE_S,
        time: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rate = rate
        self.calls, self.window = pacing(rate)
        if lease_s <= self.window:
            raise ValueError("lease_s must exceed the window")
        self.lease_s = lease_s
        self.key = token_key(token, prefix)
        self._time = time
        self._sleep = sleep
        self._expire_ms = math.ceil((lease_s + self.window) * 1000)
        self._acquire_script = client.register_script(_ACQUIRE)
        self._release_script = client.register_script(_RELEASE)
        # This process's waiters ask Redis one at a time, in order, as RateLimiter serves them.
        self._lock = asyncio.Lock()

    def _now(self) -> str:
        return "" if self._time is None else repr(self._time())

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold a slot for one call: enter before sending, leave when the answer (or the
        failure) is in."""
        member = await self._acquire()
        try:
            yield
        finally:
            await self._release(member)

    async def _acquire(self) -> str:
        member = uuid.uuid4().hex
        async with self._lock:
            while True:
                granted, wait = await self._acquire_script(
                    keys=[self.key],
                    args=[
                        self._now(),
                        self.calls,
                        repr(self.window),
                        repr(self.lease_s),
                        member,
                        self._expire_ms,
                    ],
                )
                if int(granted):
                    return member
                await self._sleep(float(wait))

    async def _release(self, member: str) -> None:
        try:
            await self._release_script(
                keys=[self.key], args=[self._now(), repr(self.window), member, self._expire_ms]
            )
        except RedisError:
            log.warning("could not leave a slot of %s; its lease frees it", self.key)
