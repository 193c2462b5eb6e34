"""The federal right granted to one person by two workers at once (two Database objects on one
store): one grant is stored and answers True, the other answers False instead of failing on the
key — on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio

from core.activity.federal_admins import FederalAdmins
from core.clock import ManualClock
from core.people import PeopleRepository
from core.storage import Database

ROUNDS = 8


async def test_a_federal_right_granted_twice_at_once_is_granted_once(
    two_dbs: tuple[Database, Database], clock: ManualClock
) -> None:
    first_db, second_db = two_dbs
    people = PeopleRepository(first_db, clock)
    first, second = FederalAdmins(first_db, clock), FederalAdmins(second_db, clock)
    for n in range(ROUNDS):
        person = await people.upsert_person(first_name="Анна", vk_user_id=500 + n)
        granted = await asyncio.gather(first.add(person), second.add(person, granted_by=None))
        assert sorted(granted) == [False, True], (n, granted)
        assert await first.is_admin(person) and await second.is_admin(person)
    rows = await first_db.fetchval("SELECT count(*) FROM federal_admins")
    assert rows == ROUNDS
