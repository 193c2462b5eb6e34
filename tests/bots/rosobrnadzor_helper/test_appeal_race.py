"""Two operators take the same new appeal at the same moment, each through a connection (a
Database object) of their own, as two workers of a region would (the ``two_dbs`` fixture): exactly
one of them gets it, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import asyncio

from bots.rosobrnadzor_helper import plugin
from bots.rosobrnadzor_helper.appeals import AppealError, AppealStore, Status
from core.clock import ManualClock
from core.people import Identity, PeopleRepository
from core.people.models import OrgKind, Position, RoleKind
from core.plugins.loader import plugin_migrations
from core.storage import Database, load_migrations, migrate

TEXT = "Завуч требует еженедельный отчёт в Excel, хотя всё есть в электронном журнале."
ROUNDS = 5


async def seed(db: Database, clock: ManualClock) -> tuple[Identity, Identity, Identity]:
    """A school with a teacher who files appeals and two operators."""
    await migrate(db, load_migrations("core", "core.storage"))
    await migrate(db, plugin_migrations(plugin))
    people = PeopleRepository(db, clock)
    school = await people.upsert_organisation(
        kind=OrgKind.SCHOOL, name="Школа № 1", region_code="54", timezone="Asia/Novosibirsk"
    )
    found = []
    for vk_user_id, name, position in (
        (101, "Смирнова", Position.TEACHER),
        (102, "Морозова", Position.OPERATOR),
        (103, "Волков", Position.OPERATOR),
    ):
        person_id = await people.upsert_person(
            first_name=name, vk_user_id=vk_user_id, is_adult=True
        )
        await people.grant_role(person_id, RoleKind.STAFF, school, position=position, method="test")
        found.append(await people.identity(vk_user_id))
    return found[0], found[1], found[2]


async def test_two_operators_taking_one_appeal_at_once_exactly_one_gets_it(
    two_dbs: tuple[Database, Database], clock: ManualClock
) -> None:
    first, second = two_dbs
    teacher, morozova, volkov = await seed(first, clock)
    mine, theirs = AppealStore(first, clock), AppealStore(second, clock)
    for _ in range(ROUNDS):
        appeal = await mine.file(teacher, category="documents", text=TEXT)
        outcomes = await asyncio.gather(
            mine.take(appeal.id, morozova),
            theirs.take(appeal.id, volkov),
            return_exceptions=True,
        )
        taken = [o for o in outcomes if not isinstance(o, BaseException)]
        refused = [o for o in outcomes if isinstance(o, BaseException)]
        assert len(taken) == 1 and len(refused) == 1, outcomes
        assert isinstance(refused[0], AppealError) and refused[0].reason == "taken"
        winner = taken[0]
        assert winner.status == Status.IN_PROGRESS
        stored = await mine.get(appeal.id)
        assert stored is not None and stored.operator_id == winner.operator_id
        kinds = [e["kind"] for e in await mine.history(appeal.id)]
        assert kinds == ["filed", "taken"]
