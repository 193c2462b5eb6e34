"""The vkbottle API client pointed at a base URL (real VK or the sandbox) with a rate limit."""

from __future__ import annotations

from typing import Any

from vkbottle import API

from .rate_limit import RateLimiter


class RateLimitedAPI(API):
    """vkbottle's API, pacing every request through a per-token limiter."""

    def __init__(self, token: str, base_url: str, rate_limit: float) -> None:
        super().__init__(token)
        self.API_URL = base_url
        self.limiter = RateLimiter(rate_limit)

    async def request(
        self, method: str, data: dict[str, Any], version: str | None = None
    ) -> dict[str, Any]:
        async with self.limiter.slot():
            return await super().request(method, data, version)


def make_api(token: str, base_url: str, rate_limit: float) -> RateLimitedAPI:
    return RateLimitedAPI(token, base_url, rate_limit)
