"""Two workers on one PostgreSQL database (two engines, each with its own pool and its own sender
to the community) never put one recipient on the wire twice: not when both are asked to send the
same broadcast at once, and not when both resume a broadcast a crash interrupted while one of them
is also asked to send it. Counted on the sandbox side, where VK's random_id memory would hide a
second send: it must have nothing to suppress."""

import asyncio
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from core.runtime.services import Services
from core.vk.batch_sender import CALLS_PER_EXECUTE, PEERS_PER_CALL, Batch, BatchSender, PeerResult
from tests.core.storage.conftest import postgres_schema
from tests.servers import POSTGRES_URL

from .helpers import BulkAudience, School, bulk_audience

# Five execute calls of one text: several on the wire at once, none of them instant.
RECIPIENTS = 12_000
RATE_LIMIT = 10.0
PEERS_PER_EXECUTE = PEERS_PER_CALL * CALLS_PER_EXECUTE


@asynccontextmanager
async def two_workers(
    audience: BulkAudience,
) -> AsyncIterator[tuple[School, Services, BatchSender]]:
    """The school on a PostgreSQL schema of the test's own, and a second worker on it."""
    async with postgres_schema() as schema:
        separator = "&" if "?" in POSTGRES_URL else "?"
        url = f"{POSTGRES_URL}{separator}search_path={schema}"
        async with (
            audience.school(url, RATE_LIMIT) as school,
            audience.worker(url, RATE_LIMIT) as (other, other_sender),
        ):
            assert other.db is not school.services.db
            yield school, other, other_sender


def assert_each_recipient_once(audience: BulkAudience) -> None:
    stats = audience.sandbox.runtime.state.stats
    assert stats.duplicates_suppressed == 0
    assert stats.messages_delivered == RECIPIENTS
    counts = audience.messages_per_user()
    assert set(counts.values()) == {1}, {
        n: sum(1 for c in counts.values() if c == n) for n in set(counts.values())
    }


async def test_two_workers_sending_one_broadcast_at_once_send_each_recipient_once() -> None:
    async with bulk_audience(RECIPIENTS) as audience, two_workers(audience) as workers:
        school, other, other_sender = workers
        broadcast_id = await school.broadcast_to_parents("Собрание в четверг.")
        first, second = await asyncio.gather(
            school.services.broadcasts.run(broadcast_id), other.broadcasts.run(broadcast_id)
        )
        # One of them sent it; the other found it being sent and left it alone.
        assert "done" in (first.status, second.status)
        for engine in (school.services.broadcasts, other.broadcasts):
            status = await engine.status(broadcast_id)
            assert status.status == "done"
            assert status.sent == RECIPIENTS and status.failed == 0 and status.pending == 0
        assert_each_recipient_once(audience)
        # Between them, the calls one worker alone would have made.
        calls = school.sender.stats.api_calls + other_sender.stats.api_calls
        assert calls == math.ceil(RECIPIENTS / PEERS_PER_EXECUTE)


async def test_two_workers_resuming_a_crashed_broadcast_send_each_recipient_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first worker's job runner takes the broadcast; its first call is answered, the rest
    never come back, and the worker dies. Then both workers start again — each resumes what was
    interrupted and runs its due jobs — while the second is also asked to send it directly (as
    `sferum broadcast send` would)."""
    async with bulk_audience(RECIPIENTS) as audience, two_workers(audience) as workers:
        school, other, _ = workers
        services = school.services
        broadcast_id = await school.broadcast_to_parents("Собрание в четверг.")
        send_execute = school.sender.send_execute
        started = 0
        stalled = asyncio.Event()

        async def answers_the_first_call_only(chunk: list[Batch]) -> list[PeerResult]:
            nonlocal started
            started += 1
            if started > 1:
                stalled.set()
                await asyncio.Event().wait()  # until the "crash" cancels the run
            return await send_execute(chunk)

        monkeypatch.setattr(school.sender, "send_execute", answers_the_first_call_only)
        crashed = asyncio.create_task(services.jobs.run_due())
        await asyncio.wait_for(stalled.wait(), 30)
        for _ in range(1000):  # the first call's answers are recorded
            sent = await services.db.fetchval(
                "SELECT count(*) FROM broadcast_deliveries "
                "WHERE broadcast_id = ? AND state = 'sent'",
                (broadcast_id,),
            )
            if sent == PEERS_PER_EXECUTE:
                break
            await asyncio.sleep(0.01)
        assert sent == PEERS_PER_EXECUTE
        crashed.cancel()  # the worker dies with its calls on the wire
        await asyncio.gather(crashed, return_exceptions=True)
        monkeypatch.undo()
        stats = audience.sandbox.runtime.state.stats
        assert stats.messages_delivered == PEERS_PER_EXECUTE
        assert (await services.broadcasts.status(broadcast_id)).status == "sending"

        async def restart(worker: Services) -> None:
            await worker.broadcasts.resume()
            await worker.jobs.run_due()

        await asyncio.gather(restart(services), restart(other), other.broadcasts.run(broadcast_id))
        status = await services.broadcasts.status(broadcast_id)
        assert status.status == "done"
        assert status.sent == RECIPIENTS and status.failed == 0 and status.pending == 0
        assert_each_recipient_once(audience)
