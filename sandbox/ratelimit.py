"""VK's per-token request limit: at most N calls in each second of the injected clock.

The limit depends on whose token it is: a community's token may make 20 calls a second, a
user's 3 (VK's figures; SandboxConfig.rate_limit and user_rate_limit).
"""

from __future__ import annotations

from enum import Enum

from core.clock import Clock


class TokenKind(Enum):
    COMMUNITY = "community"
    USER = "user"


class RateLimiter:
    def __init__(
        self,
        per_second: float | None,
        clock: Clock,
        *,
        user_per_second: float | None = 3.0,
    ) -> None:
        # None: no limit for that kind of token.
        self.limits: dict[TokenKind, float | None] = {
            TokenKind.COMMUNITY: per_second,
            TokenKind.USER: user_per_second,
        }
        self._clock = clock
        # token -> (second, calls made in it). Fractional limits round down, but at least 1.
        self._windows: dict[str, tuple[int, int]] = {}

    @property
    def per_second(self) -> float | None:
        """The limit of a community token."""
        return self.limits[TokenKind.COMMUNITY]

    def allow(self, token: str, kind: TokenKind = TokenKind.COMMUNITY) -> bool:
        limit = self.limits[kind]
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
