"""One limit per token over all workers, its window in Redis. Simulated time: several limiters
(the workers) on one clock that moves only when every worker waits for it; the tests never sleep,
and Redis only ever sees the simulated time the scripts are given."""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import itertools
import random
import uuid
from collections.abc import AsyncIterator, Coroutine
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from redis.asyncio import Redis

from core.vk.rate_limit import MARGIN_S
from core.vk.shared_rate_limit import LEASE_S, SharedRateLimiter, token_key
from tests.core.dialogs.conftest import scratch_redis
from tests.servers import REDIS_URL

TOKEN = "vk1.a.community-token-of-school-1"


@pytest.fixture
def prefix() -> str:
    return f"test:{uuid.uuid4().hex}:"


@pytest.fixture
async def client(prefix: str) -> AsyncIterator[Redis]:
    async with scratch_redis(prefix) as found:
        yield found


class Region:
    """Simulated time for several workers. A worker either runs (its Redis round trips take
    no simulated time) or waits in ``sleep``; when all wait, time jumps to the next moment
    someone wakes or a call's answer arrives (its slot is left then, as the sender would)."""

    def __init__(self) -> None:
        self.now = 0.0
        self._timers: list[tuple[float, int, Any]] = []
        self._order = itertools.count()
        self._running = 0
        self._exits: set[asyncio.Task[None]] = set()

    def time(self) -> float:
        return self.now

    def limiter(self, client: Redis, token: str, rate: float, **options: Any) -> SharedRateLimiter:
        return SharedRateLimiter(client, token, rate, time=self.time, sleep=self.sleep, **options)

    async def sleep(self, seconds: float) -> None:
        # A nanosecond late, as real timers are (see test_rate_limit.Simulation.sleep).
        woken = asyncio.get_running_loop().create_future()
        self._at(self.now + max(seconds, 0.0) + 1e-9, woken)
        self._running -= 1
        self._advance()
        await woken

    def answer(self, latency: float, slot: AbstractAsyncContextManager[None]) -> None:
        self._at(self.now + latency, slot)

    def _at(self, moment: float, what: Any) -> None:
        heapq.heappush(self._timers, (moment, next(self._order), what))

    def _advance(self) -> None:
        if self._running or not self._timers:
            return
        moment, _, what = heapq.heappop(self._timers)
        self.now = max(self.now, moment)
        self._running += 1
        if isinstance(what, asyncio.Future):
            what.set_result(None)
        else:
            task = asyncio.ensure_future(self._leave(what))
            self._exits.add(task)
            task.add_done_callback(self._exits.discard)

    async def _leave(self, slot: AbstractAsyncContextManager[None]) -> None:
        try:
            await slot.__aexit__(None, None, None)
        finally:
            self._done()

    def _done(self) -> None:
        self._running -= 1
        self._advance()

    async def run(self, *workers: Coroutine[Any, Any, None]) -> None:
        self._running += len(workers)

        async def worker(body: Coroutine[Any, Any, None]) -> None:
            try:
                await body
            finally:
                self._done()

        await asyncio.wait_for(asyncio.gather(*(worker(body) for body in workers)), 60)
        while self._exits:  # the answers still due
            await asyncio.gather(*self._exits)

    async def start_call(self, limiter: SharedRateLimiter, latency: float) -> float:
        """Take a slot and send; the answer leaves it ``latency`` later. The start time."""
        slot = limiter.slot()
        await slot.__aenter__()
        self.answer(latency, slot)
        return self.now


def most_in_one_second(moments: list[float]) -> int:
    ordered = sorted(moments)
    return max(
        (
            sum(1 for other in ordered[i:] if other < moment + 1.0)
            for i, moment in enumerate(ordered)
        ),
        default=0,
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_four_workers_on_one_token_never_exceed_the_limit_together(
    client: Redis, prefix: str, seed: int
) -> None:
    region = Region()
    shuffle = random.Random(seed)
    starts: list[float] = []
    counted: list[float] = []  # when VK counted each call: somewhere between start and answer

    async def worker(limiter: SharedRateLimiter) -> None:
        for _ in range(60):
            latency = shuffle.uniform(0.0, 2.0)
            start = await region.start_call(limiter, latency)
            starts.append(start)
            counted.append(start + shuffle.random() * latency)
            if shuffle.random() < 0.5:
                await region.sleep(shuffle.uniform(0.0, 0.5))

    await region.run(*(worker(region.limiter(client, TOKEN, 20, prefix=prefix)) for _ in range(4)))
    assert len(starts) == 240
    assert most_in_one_second(starts) <= 20
    assert most_in_one_second(counted) <= 20
    # Not four limits, not a trickle either: the workers together use the one limit.
    assert most_in_one_second(starts) == 20


async def test_steady_sending_of_four_workers_reaches_the_limit_and_no_more(
    client: Redis, prefix: str
) -> None:
    region = Region()
    starts: list[float] = []

    async def worker(limiter: SharedRateLimiter) -> None:
        for _ in range(50):
            starts.append(await region.start_call(limiter, latency=0.0))

    await region.run(*(worker(region.limiter(client, TOKEN, 20, prefix=prefix)) for _ in range(4)))
    # 200 calls at 20/s over all four workers: ten windows, not more (and not 2.5).
    assert sorted(starts)[:20] == [0.0] * 20
    assert most_in_one_second(starts) == 20
    assert max(starts) <= 9 * (1.0 + MARGIN_S) + 1e-6
    assert max(starts) >= 9 * (1.0 + MARGIN_S) - 1e-6


async def test_two_tokens_do_not_share_a_budget(client: Redis, prefix: str) -> None:
    region = Region()
    starts: dict[str, list[float]] = {"first": [], "second": []}

    async def worker(token: str) -> None:
        limiter = region.limiter(client, token, 2, prefix=prefix)
        for _ in range(3):
            starts[token].append(await region.start_call(limiter, latency=0.3))

    await region.run(worker("first"), worker("second"))
    window = 2 / 2 + MARGIN_S
    for token in ("first", "second"):
        assert starts[token][:2] == [0.0, 0.0]  # each its own two at once
        assert abs(starts[token][2] - (0.3 + window)) < 1e-6
    # One key per token, named by a hash: whoever reads Redis does not learn a token.
    keys = sorted([key async for key in client.scan_iter(match=f"{prefix}*")])
    assert keys == sorted(token_key(t, prefix).encode() for t in ("first", "second"))
    for key in keys:
        assert b"first" not in key and b"second" not in key
    assert token_key(TOKEN, prefix) == prefix + hashlib.sha256(TOKEN.encode()).hexdigest()


async def test_a_worker_that_dies_holding_slots_frees_them_after_the_lease(
    client: Redis, prefix: str
) -> None:
    region = Region()
    lease = 10.0
    dead = region.limiter(client, TOKEN, 2, prefix=prefix, lease_s=lease)
    alive = region.limiter(client, TOKEN, 2, prefix=prefix, lease_s=lease)
    starts: list[float] = []
    # Kept referenced: a collected context manager would be closed, and leave its slot.
    held: list[AbstractAsyncContextManager[None]] = []

    async def dies() -> None:
        for _ in range(2):
            held.append(dead.slot())
            await held[-1].__aenter__()  # and never leaves: SIGKILL

    async def lives() -> None:
        for _ in range(3):
            starts.append(await region.start_call(alive, latency=0.1))

    await region.run(dies())
    await region.run(lives())
    # Not a moment before the lease ran out, and no slot lost for good.
    assert abs(starts[0] - lease) < 1e-6
    assert abs(starts[1] - lease) < 1e-6
    assert abs(starts[2] - (lease + 0.1 + 1.0 + MARGIN_S)) < 1e-6
    assert len(held) == 2


async def test_a_slow_call_holds_its_slot_across_workers(client: Redis, prefix: str) -> None:
    region = Region()
    first = region.limiter(client, TOKEN, 2, prefix=prefix)
    second = region.limiter(client, TOKEN, 2, prefix=prefix)
    starts: list[float] = []

    async def slow() -> None:
        for _ in range(2):
            starts.append(await region.start_call(first, latency=5.0))

    async def then() -> None:
        await region.sleep(0.5)
        starts.append(await region.start_call(second, latency=0.1))

    await region.run(slow(), then())
    assert starts[:2] == [0.0, 0.0]
    # In flight for 5 s, then counted up to a window later: the other worker waits for that.
    assert abs(starts[2] - (5.0 + 1.0 + MARGIN_S)) < 1e-6


async def test_the_lease_must_outlast_the_window_and_defaults_to_thirty_seconds(
    client: Redis,
) -> None:
    assert SharedRateLimiter(client, TOKEN, 20).lease_s == LEASE_S == 30.0
    with pytest.raises(ValueError, match="lease_s"):
        SharedRateLimiter(client, TOKEN, 20, lease_s=1.0)
    with pytest.raises(ValueError, match="rate"):
        SharedRateLimiter(client, TOKEN, 0)


async def test_on_redis_own_clock_a_call_takes_and_leaves_its_slot(
    client: Redis, prefix: str
) -> None:
    # time=None: the scripts read Redis's TIME, one clock for every worker. No timing asserted.
    limiter = SharedRateLimiter(client, TOKEN, 1000, prefix=prefix)
    async with limiter.slot():
        assert await client.zcard(limiter.key) == 1
    assert await client.zcard(limiter.key) <= 1
    assert 0 < await client.pttl(limiter.key) <= (LEASE_S + 1.0 + MARGIN_S) * 1000 + 1


async def test_a_region_s_channels_take_their_limiters_from_redis(client: Redis) -> None:
    """``redis_url`` set: every channel (replies, broadcasts, jobs) of every worker waits in
    the token's shared window; the slot is really taken in Redis and left after the call."""
    from core.config import Settings
    from core.vk.rate_limit import RateLimiter
    from core.vk.tokens import TokenChannels

    local = TokenChannels.for_settings(Settings())
    assert isinstance(local.channel("http://127.0.0.1:1", TOKEN).limiter, RateLimiter)
    await local.close()

    token = f"vk1.a.{uuid.uuid4().hex}"
    workers = [TokenChannels.for_settings(Settings(redis_url=REDIS_URL)) for _ in range(2)]
    try:
        limiters = [w.channel("http://127.0.0.1:1", token).limiter for w in workers]
        assert all(isinstance(limiter, SharedRateLimiter) for limiter in limiters)
        key = token_key(token)
        assert {limiter.key for limiter in limiters} == {key}  # type: ignore[attr-defined]
        assert token not in key
        async with limiters[0].slot(), limiters[1].slot():
            assert await client.zcard(key) == 2  # both workers' calls count in one window
    finally:
        for worker in workers:
            await worker.close()
        await client.delete(token_key(token))


async def test_a_slow_rate_limit_still_gets_a_lease_longer_than_its_window(client: Redis) -> None:
    from core.config import Settings
    from core.vk.tokens import TokenChannels

    channels = TokenChannels.for_settings(Settings(redis_url=REDIS_URL, rate_limit=0.01))
    try:
        limiter = channels.channel("http://127.0.0.1:1", f"vk1.a.{uuid.uuid4().hex}").limiter
        assert isinstance(limiter, SharedRateLimiter)
        assert limiter.lease_s > limiter.window
    finally:
        await channels.close()
