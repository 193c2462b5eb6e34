"""One channel per VK token: the rate limiter and the HTTP session all of its calls share.

VK counts calls per token (20 a second for a community), whoever makes them: a teacher's reply
through vkbottle, a broadcast's execute, a reminder, an answer relayed from the mini-app. So all of
them must wait in the same limiter — two limiters of 20/s for one token let 40 calls a second
through, and VK answers error 6. Services owns the channels, one per (API URL, token), and closes
their sessions at shutdown; the community's API and the broadcast engine's sender both take theirs
from it instead of making their own.

The channel holds within one process. Several workers on one token need the limit itself in a
shared store (DESIGN.md, the region shape); the channel is the one place it would go.
"""

from __future__ import annotations

from collections.abc import Callable

import aiohttp

from .rate_limit import RateLimiter


class TokenChannel:
    """What every outbound call of one token goes through."""

    def __init__(self, api_url: str, token: str, limiter: RateLimiter, timeout_s: float) -> None:
        self.api_url = api_url
        self.token = token
        self.limiter = limiter
        # One call's whole time, also the default of every request on the session: a hanging VK
        # must free its limiter slot (and the conversation waiting for it) after this long.
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        """The token's HTTP session: made on first use, in the running event loop."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


class TokenChannels:
    """The process's channels, one per (API URL, token), all with the configured limit."""

    def __init__(
        self,
        rate_limit: float,
        timeout_s: float,
        *,
        limiter: Callable[[float], RateLimiter] = RateLimiter,
    ) -> None:
        self.rate_limit = rate_limit
        self.timeout_s = timeout_s
        self._limiter = limiter  # tests pass one on simulated time
        self._channels: dict[tuple[str, str], TokenChannel] = {}

    def channel(self, api_url: str, token: str) -> TokenChannel:
        key = (api_url, token)
        found = self._channels.get(key)
        if found is None:
            found = TokenChannel(api_url, token, self._limiter(self.rate_limit), self.timeout_s)
            self._channels[key] = found
        return found

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()
