"""Role changes raced by two workers (two Database objects on one store): the same role granted
twice at once is one role with one grant on record, a role revoked twice at once is revoked
once; on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio

from core.clock import ManualClock
from core.people import OrgKind, PeopleRepository, Position, RoleKind
from core.storage import Database

ROUNDS = 12


async def test_a_role_granted_and_revoked_twice_at_once_changes_once(
    two_dbs: tuple[Database, Database], clock: ManualClock
) -> None:
    first_db, second_db = two_dbs
    first, second = PeopleRepository(first_db, clock), PeopleRepository(second_db, clock)
    school = await first.upsert_organisation(
        kind=OrgKind.SCHOOL, name="СОШ № 7", region_code="54", timezone="Asia/Novosibirsk"
    )
    for n in range(ROUNDS):
        person = await first.upsert_person(first_name="Олег", vk_user_id=500 + n)
        granted = await asyncio.gather(
            *(
                people.grant_role(
                    person, RoleKind.STAFF, school, position=Position.TEACHER, method="x"
                )
                for people in (first, second)
            )
        )
        assert granted[0] == granted[1]
        roles = await first.active_roles(person)
        assert [(r.id, r.role, r.position) for r in roles] == [
            (granted[0], RoleKind.STAFF, Position.TEACHER)
        ]
        revoked = await asyncio.gather(
            *(
                people.revoke_role(granted[0], by_person_id=None, reason="тест")
                for people in (first, second)
            )
        )
        assert sorted(revoked) == [False, True]
        assert await second.active_roles(person) == []
        history = [row["action"] for row in await second.role_history(person)]
        assert history == ["grant", "revoke"]
