"""VK's per-token request limit (20 requests/s for communities by default).

VK counts the calls it receives per second. We cannot see when VK counted a call, only that it
was after we sent it and before its answer came back — and the gap can be long: a busy event
loop delays the sending, a busy server delays the counting, so calls started a second apart can
be counted closer together. So a call holds its slot from the moment it starts until one window
after its answer: at most N calls are in flight or answered within the last window, and then no
window of VK's can hold more than N of them, whatever the delays were. Unlike a token bucket of
capacity 1 it does not lose slots when the event loop is busy for a moment (preparing a large
broadcast), so steady sending reaches the limit.
Uses the event loop's monotonic time: this paces real network traffic, it is not business logic
(tests inject a fake time and sleep).
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

MARGIN_S = 0.01  # timer granularity


def _loop_time() -> float:
    return asyncio.get_running_loop().time()


def pacing(rate: float) -> tuple[int, float]:
    """(calls, window) for ``rate`` per second: at most ``calls`` calls in flight or answered
    within the last ``window`` seconds (shared with SharedRateLimiter, so both pace alike)."""
    if rate <= 0:
        raise ValueError("rate must be positive")
    calls = max(1, math.floor(rate))
    return calls, calls / rate + MARGIN_S


class Limiter(Protocol):
    """What a token channel needs of a limiter: this process's (RateLimiter) or the region's
    (SharedRateLimiter, in Redis)."""

    def slot(self) -> AbstractAsyncContextManager[None]: ...


class RateLimiter:
    def __init__(
        self,
        rate: float,
        *,
        time: Callable[[], float] = _loop_time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rate = rate
        self.calls, self.window = pacing(rate)
        self._time = time
        self._sleep = sleep
        self._in_flight = 0
        self._answered: deque[float] = deque()  # answer times within the last window
        self._lock = asyncio.Lock()  # waiters are served in order
        self._freed = asyncio.Event()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold a slot for one call: enter before sending, leave when the answer (or the
        failure) is in."""
        await self._acquire()
        try:
            yield
        finally:
            self._in_flight -= 1
            self._answered.append(self._time())
            self._freed.set()

    async def _acquire(self) -> None:
        async with self._lock:
            while True:
                now = self._time()
                while self._answered and self._answered[0] <= now - self.window:
                    self._answered.popleft()
                if self._in_flight + len(self._answered) < self.calls:
                    self._in_flight += 1
                    return
                if self._answered:
                    await self._sleep(self._answered[0] + self.window - now)
                else:  # every slot is a call still in flight: wait for an answer
                    self._freed.clear()
                    await self._freed.wait()
