"""One handler per conversation across workers: the peer lock in Redis (issue 16).

Each "worker" is a RedisPeerLock with a Redis client of its own. The injected sleep never waits
for real: a short back-off only yields to the event loop (Redis answers in between), a long one
(the lease refresh) waits until the test wakes it. The only real wait is the 0.2 s lease of a
holder that died, which Redis itself expires (PX).
"""

from __future__ import annotations

import asyncio
import logging
import random
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from core.clock import ManualClock
from core.config import Settings
from core.plugins import Plugin
from core.runtime.community import Community, CommunityConfig
from core.runtime.ordering import ConversationQueue
from core.runtime.peer_lock import (
    BACKOFF_FIRST_S,
    BACKOFF_MAX_S,
    KEY_PREFIX,
    LocalPeerLock,
    RedisPeerLock,
    open_peer_lock,
)
from core.runtime.services import Services
from core.texts import CORE_TEXTS
from tests.servers import REDIS_URL, require

LONG_S = 1.0  # at or above: the lease refresh (30 s / 3); below: the waiters' back-off


class Sleeps:
    """The sleep a worker's lock is given, recording what was asked for."""

    def __init__(self, yield_s: float = 0.0) -> None:
        self.delays: list[float] = []
        self.parked: list[asyncio.Future[None]] = []
        self._yield_s = yield_s

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        if delay < LONG_S:
            await asyncio.sleep(self._yield_s)
            return
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.parked.append(woken)
        await woken

    @property
    def backoffs(self) -> list[float]:
        return [d for d in self.delays if d < LONG_S]

    def wake_long(self) -> None:
        for woken in self.parked:
            if not woken.done():
                woken.set_result(None)
        self.parked.clear()

    async def until_parked(self, count: int = 1) -> None:
        await until(lambda: sum(not woken.done() for woken in self.parked) >= count)


async def until(condition: Callable[[], bool], turns: int = 200_000) -> None:
    """Let the other tasks run until ``condition`` holds; a bounded number of loop turns, not
    time, so a broken lock fails the test instead of hanging it."""
    for _ in range(turns):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the condition never came true")


@pytest.fixture
def prefix() -> str:
    return f"test:{uuid.uuid4().hex}:"


@pytest.fixture
async def clients(prefix: str) -> AsyncIterator[tuple[Redis, Redis]]:
    """Two clients: the two workers' connections."""
    parts = urlsplit(REDIS_URL)
    require("Redis", parts.hostname or "127.0.0.1", parts.port or 6379)
    first, second = Redis.from_url(REDIS_URL), Redis.from_url(REDIS_URL)
    try:
        yield first, second
    finally:
        keys = [key async for key in first.scan_iter(match=f"{prefix}*")]
        if keys:
            await first.delete(*keys)
        await first.aclose()
        await second.aclose()


def workers(
    clients: tuple[Redis, Redis], prefix: str, **options: Any
) -> tuple[RedisPeerLock, Sleeps, RedisPeerLock, Sleeps]:
    a_sleeps, b_sleeps = Sleeps(), Sleeps()
    a = RedisPeerLock(clients[0], prefix, sleep=a_sleeps, **options)
    b = RedisPeerLock(clients[1], prefix, sleep=b_sleeps, **options)
    return a, a_sleeps, b, b_sleeps


async def test_the_second_worker_waits_until_the_first_leaves(
    clients: tuple[Redis, Redis], prefix: str
) -> None:
    a, _, b, b_sleeps = workers(clients, prefix)
    seen: list[str] = []
    gate = asyncio.Event()

    async def first() -> None:
        async with a.hold(2000000001):
            seen.append("a in")
            await gate.wait()
            seen.append("a out")

    async def second() -> None:
        async with b.hold(2000000001):
            seen.append("b in")
            seen.append("b out")

    one = asyncio.create_task(first())
    await until(lambda: seen == ["a in"])
    two = asyncio.create_task(second())
    # The second worker was refused several times while the first held the conversation.
    await until(lambda: len(b_sleeps.backoffs) >= 5)
    assert seen == ["a in"]
    assert await clients[1].exists(f"{prefix}2000000001") == 1
    gate.set()
    await asyncio.gather(one, two)
    assert seen == ["a in", "a out", "b in", "b out"]
    # The back-off doubles from 5 ms and stays under 100 ms (the holder's lease was far longer).
    first_backoffs = b_sleeps.backoffs[:5]
    assert first_backoffs == [BACKOFF_FIRST_S * 2**n for n in range(5)]
    assert all(BACKOFF_FIRST_S <= d <= BACKOFF_MAX_S for d in b_sleeps.backoffs)
    # Both left: the key is gone.
    assert await clients[0].exists(f"{prefix}2000000001") == 0


async def test_different_conversations_are_handled_at_once(
    clients: tuple[Redis, Redis], prefix: str
) -> None:
    a, _, b, b_sleeps = workers(clients, prefix)
    inside: set[str] = set()
    both_inside = False
    gate = asyncio.Event()

    async def handle(lock: RedisPeerLock, key: int, name: str) -> None:
        nonlocal both_inside
        async with lock.hold(key):
            inside.add(name)
            both_inside = both_inside or inside == {"a", "b"}
            await gate.wait()
            inside.discard(name)

    one = asyncio.create_task(handle(a, 1, "a"))
    two = asyncio.create_task(handle(b, 2, "b"))
    await until(lambda: inside == {"a", "b"})
    gate.set()
    await asyncio.gather(one, two)
    assert both_inside
    assert b_sleeps.backoffs == []  # never refused


async def test_a_dead_holder_is_taken_over_when_its_lease_runs_out(
    clients: tuple[Redis, Redis], prefix: str
) -> None:
    # The dead worker's lease is short and real: Redis expires it (PX), nobody refreshes it.
    dead = RedisPeerLock(clients[0], prefix, lease_s=0.2, sleep=Sleeps())
    dead_token = await dead.acquire(42)  # then the process "dies": no release, no refresh
    b_sleeps = Sleeps(yield_s=0.002)
    b = RedisPeerLock(clients[1], prefix, sleep=b_sleeps)
    key = f"{prefix}42"
    async with b.hold(42):
        ours = await clients[1].get(key)
        assert isinstance(ours, bytes) and ours.decode() != dead_token
        assert b_sleeps.backoffs  # it had to wait for the lease
        # Never longer than the dead holder's remaining lease (0.2 s), capped at 100 ms.
        assert all(d <= BACKOFF_MAX_S for d in b_sleeps.backoffs)
        # The dead holder "coming back" and leaving does not free the new holder's key.
        assert await dead.release(42, dead_token) is False
        assert await dead.extend(42, dead_token) is False
        assert await clients[1].get(key) == ours
        assert 0 < await clients[1].pttl(key) <= b.lease_ms
    assert await clients[1].exists(key) == 0


async def test_a_release_after_the_lease_ran_out_keeps_the_new_holders_key(
    clients: tuple[Redis, Redis], prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    a, a_sleeps, b, _ = workers(clients, prefix)
    key = f"{prefix}7"
    gate = asyncio.Event()
    entered = asyncio.Event()

    async def slow() -> None:
        async with a.hold(7):
            entered.set()
            await gate.wait()

    caplog.set_level(logging.WARNING, logger="sferum.peer_lock")
    task = asyncio.create_task(slow())
    await entered.wait()
    await a_sleeps.until_parked()
    # The lease ran out while the handler was stuck (what Redis does at expiry), and the
    # other worker took the conversation.
    await clients[0].delete(key)
    b_token = await b.acquire(7)
    a_sleeps.wake_long()  # the refresh finds the key is not its own: it must not extend it
    await until(lambda: "ran out while its event was handled" in caplog.text)
    assert a_sleeps.parked == []  # the refresh stopped
    gate.set()
    await task  # leaving does not delete the new holder's key
    assert (await clients[0].get(key)) == b_token.encode()
    assert "had run out before its event was handled" in caplog.text
    assert await b.release(7, b_token) is True
    assert await clients[0].exists(key) == 0


async def test_a_long_handler_extends_its_lease(clients: tuple[Redis, Redis], prefix: str) -> None:
    a, a_sleeps, _, _ = workers(clients, prefix)
    key = f"{prefix}9"
    gate = asyncio.Event()

    async def long_handler() -> None:
        async with a.hold(9):
            await gate.wait()

    task = asyncio.create_task(long_handler())
    await a_sleeps.until_parked()
    assert a_sleeps.delays == [a.lease_s / 3]  # the refresh waits a third of the lease
    # 29 s of the 30 s lease went by (as far as Redis is concerned); the refresh is due.
    await clients[0].pexpire(key, 1000)
    for _ in range(3):
        a_sleeps.wake_long()
        await a_sleeps.until_parked()
        assert await clients[0].pttl(key) > 10_000  # renewed to a whole lease again
        await clients[0].pexpire(key, 1000)
    gate.set()
    await task
    assert await clients[0].exists(key) == 0


async def test_a_closing_queue_leaves_the_conversation_it_held(
    clients: tuple[Redis, Redis], prefix: str
) -> None:
    a, a_sleeps, _, _ = workers(clients, prefix)
    queue = ConversationQueue(lock=a)
    entered = asyncio.Event()

    async def stuck() -> None:
        entered.set()
        await asyncio.Event().wait()

    await queue.submit(3, stuck)
    await entered.wait()
    await a_sleeps.until_parked()
    assert await clients[0].exists(f"{prefix}3") == 1
    await queue.close()  # the worker shuts down: its handler is cancelled
    assert await clients[0].exists(f"{prefix}3") == 0
    # The refresh was cancelled with it, not left renewing a key nobody holds.
    assert a_sleeps.parked and all(woken.cancelled() for woken in a_sleeps.parked)


def job(
    seen: list[tuple[str, str, int]], worker: str, n: int, client: Redis
) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        seen.append(("in", worker, n))
        for _ in range(3):  # real round trips: the other worker runs meanwhile
            await client.ping()
            await asyncio.sleep(0)
        seen.append(("out", worker, n))

    return run


def overlaps(seen: list[tuple[str, str, int]]) -> int:
    inside = 0
    found = 0
    for what, _, _ in seen:
        inside += 1 if what == "in" else -1
        found += inside > 1
    return found


async def feed(
    queues: dict[str, ConversationQueue], seen: list[tuple[str, str, int]], client: Redis
) -> None:
    """The same 30 events of peer 5 to the two workers' queues, then the queues closed."""
    rng = random.Random(16)
    try:
        for n in range(30):  # VK hands each event of peer 5 to one worker or the other
            worker = rng.choice(sorted(queues))
            await queues[worker].submit(5, job(seen, worker, n, client))
        await asyncio.gather(*(queue.join() for queue in queues.values()))
    finally:
        for queue in queues.values():
            await queue.close()


async def test_two_workers_queues_never_overlap_on_one_peer(
    clients: tuple[Redis, Redis], prefix: str
) -> None:
    a, _, b, _ = workers(clients, prefix)
    queues = {"a": ConversationQueue(lock=a), "b": ConversationQueue(lock=b)}
    seen: list[tuple[str, str, int]] = []
    await feed(queues, seen, clients[0])
    assert len(seen) == 60
    assert overlaps(seen) == 0
    assert [what for what, _, _ in seen] == ["in", "out"] * 30
    # Within each worker its events still run in the order they came.
    for worker in queues:
        mine = [n for what, w, n in seen if w == worker and what == "in"]
        assert mine == sorted(mine)
    assert {w for _, w, _ in seen} == {"a", "b"}
    assert [key async for key in clients[0].scan_iter(match=f"{prefix}*")] == []


async def test_without_a_shared_lock_the_two_workers_do_overlap(
    clients: tuple[Redis, Redis], prefix: str
) -> None:
    """The control: the test above would see an overlap if there were one."""
    queues = {"a": ConversationQueue(lock=LocalPeerLock()), "b": ConversationQueue()}
    seen: list[tuple[str, str, int]] = []
    await feed(queues, seen, clients[0])
    assert len(seen) == 60
    assert overlaps(seen) > 0


class _Unreachable:
    """A Redis whose every script fails, as redis-py does after its retries."""

    def register_script(self, script: str) -> Callable[..., Awaitable[Any]]:
        async def run(**_: Any) -> Any:
            raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379")

        return run


async def test_redis_unreachable_the_event_is_handled_without_the_lock(
    caplog: pytest.LogCaptureFixture,
) -> None:
    lock = RedisPeerLock(_Unreachable(), "x:", sleep=Sleeps())  # type: ignore[arg-type]
    queue = ConversationQueue(lock=lock)
    done: list[int] = []

    async def handled() -> None:
        done.append(1)

    caplog.set_level(logging.ERROR, logger="sferum.peer_lock")
    await queue.submit(1, handled)
    await queue.join()
    assert done == [1]  # not dropped: the Callback API's answer waits for it
    assert "handling the event without it" in caplog.text


async def test_the_local_lock_never_suspends() -> None:
    """The embedded default: entering and leaving complete without yielding to the loop."""
    hold = LocalPeerLock().hold(1)
    entering = hold.__aenter__()
    with pytest.raises(StopIteration):
        entering.send(None)
    leaving = hold.__aexit__(None, None, None)
    with pytest.raises(StopIteration):
        leaving.send(None)


def test_the_embedded_default_never_imports_redis() -> None:
    code = (
        "import sys, core.runtime.community, core.runtime.ordering, core.runtime.peer_lock\n"
        "assert not [m for m in sys.modules if m == 'redis' or m.startswith('redis.')]\n"
        "assert type(core.runtime.peer_lock.open_peer_lock(None, 1)).__name__ == 'LocalPeerLock'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[3])


ECHO = Plugin(name="echo", title="Эхо", labelers=[], texts=CORE_TEXTS)


@pytest.mark.parametrize("shared", [True, False])
async def test_a_community_holds_the_lock_of_its_setting(
    tmp_path: Path, clock: ManualClock, shared: bool
) -> None:
    if shared:
        parts = urlsplit(REDIS_URL)
        require("Redis", parts.hostname or "127.0.0.1", parts.port or 6379)
    settings = Settings(
        db_path=str(tmp_path / "sferum.db"), redis_url=REDIS_URL if shared else None
    )
    services = await Services.open(settings, clock)
    group_id = random.randrange(10**12, 10**13)
    config = CommunityConfig(group_id, "token", "http://127.0.0.1:9/method/", ("echo",))
    community = Community(services, config, [ECHO])
    try:
        if shared:
            lock = community.peer_lock
            assert isinstance(lock, RedisPeerLock)
            # One person is another conversation in every community.
            assert lock.key(100) == f"{KEY_PREFIX}{group_id}:100"
            token = await lock.acquire(100)
            assert await lock.client.get(lock.key(100)) == token.encode()
            assert await lock.release(100, token) is True
        else:
            assert isinstance(community.peer_lock, LocalPeerLock)
    finally:
        await community.close()
        await services.close()


async def test_open_peer_lock_prefixes_keys_by_community() -> None:
    assert isinstance(open_peer_lock(None, 5), LocalPeerLock)
    lock = open_peer_lock("redis://127.0.0.1:6379/0", 5)
    assert isinstance(lock, RedisPeerLock)
    assert lock.key(2000000001) == "sferum:peer-lock:5:2000000001"
    assert lock.refresh_s == lock.lease_s / 3 == 10.0
    with pytest.raises(ValueError):
        RedisPeerLock(lock.client, lease_s=0)
    await lock.close()  # it owns its client (never connected here)
