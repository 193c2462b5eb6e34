"""VK's per-token request limit (20 requests/s for communities by default).

VK counts calls per second. A sliding window — at most N calls in any window of N / rate seconds —
never exceeds that, and unlike a token bucket of capacity 1 it does not lose slots when the event
loop is busy for a moment (preparing a large broadcast), so steady sending reaches the limit.
A small margin absorbs network jitter between our clock and VK's.
Uses the event loop's monotonic time: this paces real network traffic, it is not business logic.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque

MARGIN_S = 0.05


class RateLimiter:
    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.calls = max(1, math.floor(rate))
        self.window = self.calls / rate + MARGIN_S
        self._sent: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            loop = asyncio.get_running_loop()
            while True:
                now = loop.time()
                while self._sent and self._sent[0] <= now - self.window:
                    self._sent.popleft()
                if len(self._sent) < self.calls:
                    self._sent.append(now)
                    return
                await asyncio.sleep(self._sent[0] + self.window - now)
