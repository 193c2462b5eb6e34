"""The vkbottle API client of one token (real VK or the sandbox), on the token's channel."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import ClientResponse
from vkbottle import API, VKAPIError
from vkbottle.http import AiohttpClient

from .backoff import REFUSED, retry_delay
from .tokens import TokenChannel

log = logging.getLogger("sferum.api")


class ChannelHttpClient(AiohttpClient):
    """vkbottle's HTTP client on the token's shared session, so its requests have the configured
    timeout (aiohttp's own default is 5 minutes: a hanging VK would hold a limiter slot and a
    conversation that long). Long poll requests pass their own, longer timeout. Closing it
    leaves the session open: it is the channel's."""

    def __init__(self, channel: TokenChannel) -> None:
        super().__init__()
        self.channel = channel

    @asynccontextmanager
    async def request(
        self, url: str, method: str = "GET", data: dict[str, Any] | None = None, **kwargs: Any
    ) -> AsyncIterator[ClientResponse]:
        session = self.channel.session()
        async with session.request(method, url, data=data, **kwargs) as response:
            yield response

    async def close(self) -> None:
        pass


class RateLimitedAPI(API):
    """vkbottle's API, pacing every request through the token's limiter — the same limiter the
    broadcast sender of this token waits in.

    A call VK refused without doing it — error 6 (too many requests per second: another process
    on the token) or 9 (flood control) — is tried again after a pause (core/vk/backoff.py, the
    broadcast sender's schedule), at most ``max_attempts`` times in all; each attempt waits in the
    limiter again, the pauses do not hold a slot. Error 10 and timeouts are not retried here:
    VK may have done the call, and a reply sent with random_id 0 would arrive twice."""

    def __init__(
        self,
        channel: TokenChannel,
        *,
        max_attempts: int = 4,
        backoff_s: float = 0.25,
        flood_backoff_s: float = 1.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(channel.token, http_client=ChannelHttpClient(channel))
        self.API_URL = channel.api_url
        self.channel = channel
        self.limiter = channel.limiter
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.flood_backoff_s = flood_backoff_s
        self._sleep = sleep  # injectable: tests count the pauses instead of sitting them out

    async def request(
        self, method: str, data: dict[str, Any], version: str | None = None
    ) -> dict[str, Any]:
        for attempt in range(1, self.max_attempts + 1):
            try:
                async with self.limiter.slot():
                    result: dict[str, Any] = await super().request(method, data, version)
                    return result
            except VKAPIError as exc:
                code = int(exc.code)
                if code not in REFUSED or attempt == self.max_attempts:
                    raise
                delay = retry_delay(code, attempt, self.backoff_s, self.flood_backoff_s)
                log.warning(
                    "%s refused (VK error %d), attempt %d of %d: again in %.2f s",
                    method,
                    code,
                    attempt,
                    self.max_attempts,
                    delay,
                )
            await self._sleep(delay)
        raise AssertionError("unreachable")
