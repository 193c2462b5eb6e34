"""Redis for the dialog stores' tests: a key prefix of its own per test, deleted after, since
other test processes share the server."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import pytest
from redis.asyncio import Redis

from tests.servers import REDIS_URL, require


def require_redis() -> None:
    parts = urlsplit(REDIS_URL)
    require("Redis", parts.hostname or "127.0.0.1", parts.port or 6379)


@pytest.fixture
def redis_prefix() -> str:
    return f"test:{uuid.uuid4().hex}:"


@pytest.fixture
async def redis_client(redis_prefix: str) -> AsyncIterator[Redis]:
    async with scratch_redis(redis_prefix) as client:
        yield client


@asynccontextmanager
async def scratch_redis(prefix: str) -> AsyncIterator[Redis]:
    """A client of the test Redis; every key under ``prefix`` is deleted after the block."""
    require_redis()
    client = Redis.from_url(REDIS_URL)
    try:
        yield client
    finally:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
