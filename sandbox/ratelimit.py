"""VK's per-token request limit: at most N calls in each second of the injected clock."""

from __future__ import annotations

from core.clock import Clock


class RateLimiter:
    def __init__(self, per_second: float | None, clock: Clock) -> None:
        self.per_second = per_second
        self._clock = clock
        # token -> (second, calls made in it). Fractional limits round down, but at least 1.
        self._windows: dict[str, tuple[int, int]] = {}

    def allow(self, token: str) -> bool:
        limit = self.per_second
        if limit is None:
            return True
        second = int(self._clock.now().timestamp())
        window = self._windows.get(token)
        if window is None or window[0] != second:
            self._windows[token] = (second, 1)
            return True
        if window[1] >= max(1, int(limit)):
            return False
        self._windows[token] = (second, window[1] + 1)
        return True

    def prune(self) -> None:
        second = int(self._clock.now().timestamp())
        for token in [t for t, (s, _n) in self._windows.items() if s < second - 1]:
            del self._windows[token]
