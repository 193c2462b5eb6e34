"""The vkbottle API client of one token (real VK or the sandbox), on the token's channel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import ClientResponse
from vkbottle import API
from vkbottle.http import AiohttpClient

from .tokens import TokenChannel


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
    broadcast sender of this token waits in."""

    def __init__(self, channel: TokenChannel) -> None:
        super().__init__(channel.token, http_client=ChannelHttpClient(channel))
        self.API_URL = channel.api_url
        self.channel = channel
        self.limiter = channel.limiter

    async def request(
        self, method: str, data: dict[str, Any], version: str | None = None
    ) -> dict[str, Any]:
        async with self.limiter.slot():
            result: dict[str, Any] = await super().request(method, data, version)
            return result
