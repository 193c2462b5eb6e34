"""What the Redis store adds to the contract: its key layout, expiry, and what a Redis failure
does (documented in core/dialogs/redis.py)."""

from __future__ import annotations

import json
import socket

import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from core.clock import ManualClock
from core.dialogs.redis import KEY_PREFIX, TTL_S, RedisDialogStore


async def test_one_json_value_per_person_under_the_prefix_with_an_expiry(
    redis_client: Redis, redis_prefix: str, clock: ManualClock
) -> None:
    store = RedisDialogStore(redis_client, clock, prefix=redis_prefix)
    assert TTL_S == 30 * 86_400 and KEY_PREFIX == "sferum:dialog:"
    dialog = await store.load(7, 100)
    await store.save(dialog, "broadcast.text", text="Привет")
    key = f"{redis_prefix}7:100"
    assert [k async for k in redis_client.scan_iter(match=f"{redis_prefix}*")] == [key.encode()]
    raw = await redis_client.get(key)
    assert raw is not None
    value = json.loads(raw)
    assert value == {
        "step": "broadcast.text",
        "data": {"text": "Привет"},
        "updated_at": clock.now().isoformat(),
    }
    assert 0 < await redis_client.ttl(key) <= TTL_S
    # Every step renews the expiry: only a dialog abandoned for 30 days leaves.
    await redis_client.expire(key, 5)
    await store.save(dialog, "broadcast.confirm")
    assert await redis_client.ttl(key) > 5
    await store.clear(dialog)
    assert await redis_client.exists(key) == 0


async def test_a_store_without_a_cache_never_answers_a_stale_step(
    redis_client: Redis, redis_prefix: str, clock: ManualClock
) -> None:
    store = RedisDialogStore(redis_client, clock, prefix=redis_prefix)
    assert store.shared
    await store.save(await store.load(1, 100), "a.one")
    await redis_client.set(f"{redis_prefix}1:100", json.dumps({"step": "a.two", "data": {}}))
    assert (await store.load(1, 100)).step == "a.two"


async def test_state_lost_with_a_redis_restart_starts_the_dialog_over(
    redis_client: Redis, redis_prefix: str, clock: ManualClock
) -> None:
    # Redis keeps nothing on disk: a restart is its keys gone (not restarted here: the server
    # is shared with other tests).
    store = RedisDialogStore(redis_client, clock, prefix=redis_prefix)
    dialog = await store.load(1, 100)
    await store.save(dialog, "appeal.text", topic="ОГЭ")
    await redis_client.delete(f"{redis_prefix}1:100")
    again = await store.load(1, 100)
    assert (again.step, again.data) == (None, {})
    await store.save(again, "appeal.topic")
    assert (await store.load(1, 100)).step == "appeal.topic"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_an_unreachable_redis_raises_a_connection_error(clock: ManualClock) -> None:
    # No retries here: the default client retries with back-off, which would only slow the test.
    client = Redis(host="127.0.0.1", port=closed_port(), retry=Retry(NoBackoff(), 0))
    store = RedisDialogStore(client, clock, owns_client=True)
    with pytest.raises(RedisConnectionError):
        await store.load(1, 100)
    await store.close()
