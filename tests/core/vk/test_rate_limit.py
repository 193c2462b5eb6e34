"""The per-token limiter: however late VK counts a call (between our sending it and its answer),
no second of VK's can hold more calls than the limit. Simulated time: the tests never sleep."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from contextlib import AbstractAsyncContextManager

from hypothesis import given, settings
from hypothesis import strategies as st

from core.vk.rate_limit import MARGIN_S, RateLimiter


class Simulation:
    """Fake time for a limiter; answers arrive when time passes their moment."""

    def __init__(self) -> None:
        self.now = 0.0
        self._answers: list[tuple[float, int, AbstractAsyncContextManager[None]]] = []
        self._order = itertools.count()

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        # A nanosecond late, as real timers are: now + (until - now) can round to just before
        # `until`, and the limiter would sleep again for nothing, forever.
        await self._answer_until(self.now + max(seconds, 0.0) + 1e-9)

    async def _answer_until(self, moment: float) -> None:
        while self._answers and self._answers[0][0] <= moment:
            at, _, slot = heapq.heappop(self._answers)
            self.now = max(self.now, at)
            await slot.__aexit__(None, None, None)
        self.now = max(self.now, moment)

    async def start_call(self, limiter: RateLimiter, latency: float) -> float:
        """Wait for a slot (answering earlier calls as time passes); returns the start time."""
        slot = limiter.slot()
        entering = asyncio.ensure_future(slot.__aenter__())
        while True:
            await asyncio.sleep(0)
            if entering.done():
                break
            assert self._answers, "waiting for a slot with no call in flight"
            await self._answer_until(self._answers[0][0])  # every slot is in flight
        start = self.now
        heapq.heappush(self._answers, (start + latency, next(self._order), slot))
        return start


def limiter_in(sim: Simulation, rate: float) -> RateLimiter:
    return RateLimiter(rate, time=sim.time, sleep=sim.sleep)


async def test_the_limit_starts_at_once_and_the_next_call_waits_a_window_after_an_answer() -> None:
    sim = Simulation()
    limiter = limiter_in(sim, 4)
    starts = [await sim.start_call(limiter, latency=0.3) for _ in range(5)]
    assert starts[:4] == [0.0, 0.0, 0.0, 0.0]
    # The first answer came at 0.3: VK may have counted that call as late as that.
    assert abs(starts[4] - (0.3 + 1.0 + MARGIN_S)) < 1e-6


async def test_a_slow_answer_holds_its_slot() -> None:
    sim = Simulation()
    limiter = limiter_in(sim, 2)
    await sim.start_call(limiter, latency=5.0)
    await sim.start_call(limiter, latency=5.0)
    third = await sim.start_call(limiter, latency=0.1)
    assert abs(third - (5.0 + 1.0 + MARGIN_S)) < 1e-6


async def test_steady_sending_reaches_the_limit() -> None:
    sim = Simulation()
    limiter = limiter_in(sim, 20)
    starts = [await sim.start_call(limiter, latency=0.0) for _ in range(200)]
    # 200 calls at 20/s: ten windows, not more.
    assert starts[-1] <= 9 * (1.0 + MARGIN_S) + 1e-6


@settings(max_examples=60, deadline=None)
@given(
    rate=st.sampled_from([1.0, 3.0, 20.0]),
    calls=st.lists(
        st.tuples(
            st.floats(0.0, 2.0),  # latency: sending, VK's work and the answer's way back
            st.floats(0.0, 1.0),  # where in that time VK counted the call
            st.floats(0.0, 0.7),  # pause of the caller before the next call
        ),
        min_size=1,
        max_size=80,
    ),
)
def test_no_second_of_vk_ever_counts_more_than_the_limit(
    rate: float, calls: list[tuple[float, float, float]]
) -> None:
    async def scenario() -> list[float]:
        sim = Simulation()
        limiter = limiter_in(sim, rate)
        counted: list[float] = []
        for latency, share, pause in calls:
            start = await sim.start_call(limiter, latency)
            counted.append(start + share * latency)
            await sim.sleep(pause)
        return sorted(counted)

    counted = asyncio.run(scenario())
    limit = int(rate)
    for i, moment in enumerate(counted):
        in_second = sum(1 for other in counted[i:] if other < moment + 1.0)
        assert in_second <= limit, (moment, counted)
