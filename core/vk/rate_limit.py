"""A token bucket for VK's per-token request limit (20 requests/s for communities by default).

Uses the event loop's monotonic time: this paces real network traffic, it is not business logic.
"""

from __future__ import annotations

import asyncio


class RateLimiter:
    def __init__(self, rate: float, burst: int | None = None) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        # A burst of 1 keeps any one-second window at or under the limit, which VK counts.
        self.capacity = float(burst if burst is not None else 1)
        self._tokens = self.capacity
        self._updated: float | None = None
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            loop = asyncio.get_running_loop()
            now = loop.time()
            if self._updated is None:
                self._updated = now
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            if self._tokens < 1:
                wait = (1 - self._tokens) / self.rate
                await asyncio.sleep(wait)
                self._updated = loop.time()
                self._tokens = 0.0
            else:
                self._tokens -= 1
