"""Callback API events claimed by two workers at once (two Database objects on one store, as
two ``sferum run --transport callback`` processes behind one address): each claim, and each
take-over of a dead worker's claim, goes to exactly one, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from core.clock import ManualClock
from core.runtime.processed_events import LEASE, ClaimState, ProcessedEvents
from core.storage import Database

EVENTS = 20


async def test_an_event_delivered_to_two_workers_at_once_is_claimed_once(
    two_dbs: tuple[Database, Database], clock: ManualClock
) -> None:
    first_db, second_db = two_dbs
    first, second = ProcessedEvents(first_db, clock), ProcessedEvents(second_db, clock)
    events = [f"event-{n}" for n in range(EVENTS)]

    async def race() -> list[list[ClaimState]]:
        claims = await asyncio.gather(
            *(w.claim(event, 7) for event in events for w in (first, second))
        )
        states = [claim.state for claim in claims]
        return [sorted(states[i : i + 2], key=lambda s: s.value) for i in range(0, len(states), 2)]

    # New events: one worker claims each, the other is told to come back (busy).
    assert await race() == [[ClaimState.BUSY, ClaimState.CLAIMED]] * EVENTS
    # Both workers died holding nothing live: after the lease one of them takes each over.
    clock.advance(LEASE + timedelta(seconds=1))
    assert await race() == [[ClaimState.BUSY, ClaimState.CLAIMED]] * EVENTS
    for event in events:
        await first.done(event)
    assert await race() == [[ClaimState.DONE, ClaimState.DONE]] * EVENTS
    rows = await second_db.fetchval("SELECT count(*) FROM processed_events")
    assert rows == EVENTS
