"""One channel per VK token: the rate limiter and the HTTP session all of its calls share.

VK counts calls per token (20 a second for a community), whoever makes them: a teacher's reply
through vkbottle, a broadcast's execute, a reminder, an answer relayed from the mini-app. So all of
them must wait in the same limiter — two limiters of 20/s for one token let 40 calls a second
through, and VK answers error 6. Services owns the channels, one per (API URL, token), and closes
their sessions at shutdown; the community's API and the broadcast engine's sender both take theirs
from it instead of making their own.

Within one process the channel's RateLimiter is the limit. Several workers on one token (a region,
``redis_url`` set) share it in Redis instead (core/vk/shared_rate_limit.py): ``TokenChannels.
for_settings`` picks which, so the rest of the code never knows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import aiohttp

from .rate_limit import Limiter, RateLimiter, pacing

if TYPE_CHECKING:
    from core.config import Settings

# A limiter for (rate, token): the process's own, or the region's shared one.
LimiterFactory = Callable[[float, str], Limiter]


def local_limiter(rate: float, token: str) -> Limiter:
    """This process's limit; the token does not matter, one channel holds one limiter."""
    return RateLimiter(rate)


class TokenChannel:
    """What every outbound call of one token goes through."""

    def __init__(self, api_url: str, token: str, limiter: Limiter, timeout_s: float) -> None:
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
        limiter: LimiterFactory = local_limiter,
        on_close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.rate_limit = rate_limit
        self.timeout_s = timeout_s
        self._limiter = limiter  # tests pass one on simulated time
        self._on_close = on_close  # the shared limiters' Redis client
        self._channels: dict[tuple[str, str], TokenChannel] = {}

    @classmethod
    def for_settings(cls, settings: Settings) -> TokenChannels:
        """Channels with the configured limit: in this process, or in Redis when ``redis_url``
        is set, so N workers on one token stay under VK's limit together."""
        if settings.redis_url is None:
            return cls(settings.rate_limit, settings.vk_timeout_s)
        # Imported here: the embedded default never loads redis.
        from core.redis_connection import redis_client

        from .shared_rate_limit import LEASE_S, SharedRateLimiter

        client = redis_client(settings.redis_url)
        # A slot's lease must outlast the slowest call, or VK could count a call whose slot freed.
        # …and the window (a slow rate limit has a long one): SharedRateLimiter refuses less.
        window = pacing(settings.rate_limit)[1]
        lease_s = max(LEASE_S, 2 * settings.vk_timeout_s, window + settings.vk_timeout_s)
        prefix = f"{settings.redis_prefix}vk-rate:"

        def shared(rate: float, token: str) -> Limiter:
            return SharedRateLimiter(client, token, rate, prefix=prefix, lease_s=lease_s)

        return cls(
            settings.rate_limit, settings.vk_timeout_s, limiter=shared, on_close=client.aclose
        )

    def channel(self, api_url: str, token: str) -> TokenChannel:
        key = (api_url, token)
        found = self._channels.get(key)
        if found is None:
            limiter = self._limiter(self.rate_limit, token)
            found = TokenChannel(api_url, token, limiter, self.timeout_s)
            self._channels[key] = found
        return found

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()
        if self._on_close is not None:
            await self._on_close()
