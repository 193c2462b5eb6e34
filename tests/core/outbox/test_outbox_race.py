"""One outbox message asked for by two workers at once (two Database objects on one store):
one row, the same message for both askers and one job, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.broadcast import BroadcastError
from core.clock import ManualClock
from core.outbox import JOB, State
from core.outbox.service import NO_VK_ACCOUNT, Outbox
from core.people import PeopleRepository
from core.policy.service import PolicyService
from core.scheduling import JobQueue
from core.storage import Database
from core.vk.batch_sender import BatchSender
from tests.core.workers import ENGINES, two_workers

ZONE = "Asia/Novosibirsk"
ROUNDS = 10


class NoSenders:
    """Nothing here is sent at once: the messages are held back or refused."""

    def sender(self, group_id: int) -> BatchSender:
        raise BroadcastError(f"community {group_id} is not connected in this test")


def _outbox(db: Database, clock: ManualClock) -> Outbox:
    people = PeopleRepository(db, clock)
    return Outbox(
        db=db,
        clock=clock,
        jobs=JobQueue(db, clock),
        people=people,
        policy=PolicyService(db, clock),
        senders=NoSenders(),
        timezone=ZONE,
    )


@pytest.mark.parametrize("engine", ENGINES)
async def test_one_message_asked_for_by_two_workers_at_once_is_kept_once(
    engine: str, tmp_path: Path, clock: ManualClock
) -> None:
    # 23:30 in Novosibirsk: a person with a VK account is held back until the morning.
    clock.set(datetime(2026, 11, 23, 23, 30, tzinfo=ZoneInfo(ZONE)))
    async with two_workers(engine, tmp_path) as (first_db, second_db):
        people = PeopleRepository(first_db, clock)
        reachable = await people.upsert_person(first_name="Ира", vk_user_id=77, is_adult=True)
        unreachable = await people.upsert_person(first_name="Олег", is_adult=True)
        first, second = _outbox(first_db, clock), _outbox(second_db, clock)
        for n in range(ROUNDS):
            for person, state in ((reachable, State.PENDING), (unreachable, State.SKIPPED)):
                key = f"{person}-{n}"
                messages = await asyncio.gather(
                    *(
                        outbox.deliver(
                            group_id=5, kind="test.race", key=key, text="Текст", person_id=person
                        )
                        for outbox in (first, second)
                    )
                )
                assert messages[0].id == messages[1].id
                assert {m.state for m in messages} == {state}
                rows = await first_db.fetchval(
                    "SELECT count(*) FROM outbox_messages WHERE kind = 'test.race' AND key = ?",
                    (key,),
                )
                assert rows == 1
                if state == State.SKIPPED:
                    assert messages[0].reason == NO_VK_ACCOUNT
        # One job per held-back message, none for a refused one.
        jobs = await first_db.fetchval(
            "SELECT count(*) FROM scheduled_jobs WHERE kind = ? AND status = 'active'", (JOB,)
        )
        assert jobs == ROUNDS
