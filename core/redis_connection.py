"""The one way core opens a Redis client (``redis_url``): the region's shared dialogs, per-peer
locks and VK rate limits.

Timeouts are short on purpose: Redis answers in a millisecond on the region's network, and a
worker that waits long for a dead Redis holds a conversation (and VK's Callback API retry clock)
hostage. Imported only where ``redis_url`` is set, so the embedded default never loads redis.
"""

from __future__ import annotations

from redis.asyncio import Redis

SOCKET_TIMEOUT_S = 5.0


def redis_client(url: str) -> Redis:
    return Redis.from_url(
        url, socket_timeout=SOCKET_TIMEOUT_S, socket_connect_timeout=SOCKET_TIMEOUT_S
    )
