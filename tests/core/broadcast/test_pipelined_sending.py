"""Sending is pipelined: each prepared chunk goes out while the next is evaluated, and calls start
without waiting for earlier answers. Nobody may be put on the wire twice — not by one run, and not
by a run resuming a broadcast whose preparation was interrupted after some of it was sent."""

import asyncio
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from core.broadcast.preparation import FIRST_CHUNK
from core.policy import Decision
from core.policy.service import Facts, PolicyService

from .helpers import bulk_audience

RECIPIENTS = 30_000


async def test_one_run_sends_each_recipient_once_with_few_calls(tmp_path: Path) -> None:
    async with (
        bulk_audience(RECIPIENTS) as audience,
        audience.school(tmp_path / "sferum.db", rate_limit=20) as school,
    ):
        services = school.services
        broadcast_id = await school.broadcast_to_parents("Собрание, {{ first_name }}!")
        status = await services.broadcasts.run(broadcast_id)
        assert status.status == "done" and status.sent == RECIPIENTS
        stats = audience.sandbox.runtime.state.stats
        # Not one recipient sent twice (VK would have suppressed it by random_id).
        assert stats.duplicates_suppressed == 0
        assert stats.messages_delivered == RECIPIENTS
        # Personalised texts cost a few partial batches, not a call per name per chunk.
        assert school.sender.stats.api_calls <= math.ceil(RECIPIENTS / 2500) + 4


async def test_resuming_an_interrupted_preparation_sends_nobody_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first chunk is committed and sent, then the process stops while the second chunk is
    evaluated. The resumed run prepares again: the first chunk's recipients must not be handed
    to sending a second time (VK's random_id de-duplication is the last line, not the mechanism:
    it must have nothing to suppress)."""
    recipients = FIRST_CHUNK + 5_000
    async with (
        bulk_audience(recipients) as audience,
        audience.school(tmp_path / "sferum.db", rate_limit=50) as school,
    ):
        services = school.services
        # One text for all: the first chunk fills whole execute calls and goes out at once.
        broadcast_id = await school.broadcast_to_parents("Собрание.")
        stats = audience.sandbox.runtime.state.stats
        first_person = await services.db.fetchval(
            "SELECT min(person_id) FROM roles WHERE org_id = ? AND role = 'parent'", (school.org,)
        )
        evaluate = PolicyService.evaluate
        second_chunk = asyncio.Event()

        async def stalls_on_the_second_chunk(
            self: PolicyService,
            sender_id: int,
            recipient_ids: Sequence[int],
            *args: Any,
            **kw: Any,
        ) -> tuple[dict[int, Decision], dict[int, Facts]]:
            if recipient_ids[0] != first_person:
                second_chunk.set()
                await asyncio.Event().wait()  # until the "crash" cancels the run
            return await evaluate(self, sender_id, recipient_ids, *args, **kw)

        monkeypatch.setattr(PolicyService, "evaluate", stalls_on_the_second_chunk)
        run = asyncio.create_task(services.broadcasts.run(broadcast_id))
        await asyncio.wait_for(second_chunk.wait(), 30)
        for _ in range(1000):  # the first chunk's calls are answered and recorded
            sent = await services.db.fetchval(
                "SELECT count(*) FROM broadcast_deliveries "
                "WHERE broadcast_id = ? AND state = 'sent'",
                (broadcast_id,),
            )
            if sent == FIRST_CHUNK:
                break
            await asyncio.sleep(0.01)
        assert sent == FIRST_CHUNK and stats.messages_delivered == FIRST_CHUNK
        run.cancel()  # the process stops mid-preparation
        await asyncio.gather(run, return_exceptions=True)
        monkeypatch.setattr(PolicyService, "evaluate", evaluate)

        status = await services.broadcasts.run(broadcast_id)
        assert status.status == "done" and status.sent == recipients
        assert stats.messages_delivered == recipients
        assert stats.duplicates_suppressed == 0
        assert set(audience.messages_per_user().values()) == {1}
