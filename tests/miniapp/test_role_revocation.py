"""The mini-app sees a revoked role on the next request, whoever revoked it: the identity cache
follows the database's identity counter (before, a cached identity kept it for 60 seconds)."""

from __future__ import annotations

from core.clock import ManualClock
from core.people import PeopleRepository
from core.storage import Database, SqliteDatabase

from .conftest import BrowserFactory, me, vk


async def test_teacher_pages_close_at_once_after_a_revoke_elsewhere(
    open_as: BrowserFactory, jdb: Database, clock: ManualClock
) -> None:
    teacher = await open_as("smirnova")
    assert (await teacher.get("/t/week")).status == 200
    assert "staff" in (await me(teacher))["roles"]  # type: ignore[operator]
    # Another process on the same database (`sferum roles revoke`) takes her roles away.
    assert isinstance(jdb, SqliteDatabase)
    other = SqliteDatabase(jdb.path)
    await other.connect()
    try:
        people = PeopleRepository(other, clock)
        person = await people.person_by_vk(vk("smirnova"))
        assert person is not None
        for role in await people.active_roles(person.id):
            assert await people.revoke_role(role.id, by_person_id=None, reason="увольнение")
    finally:
        await other.close()
    # No time passes: the very next requests know.
    assert (await teacher.get("/t/week")).status == 403
    assert (await me(teacher))["roles"] == []
