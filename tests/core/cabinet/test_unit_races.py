"""Two classes of one school named alike by two workers at once (two Database objects on one
store): one is created, the other is refused as a clash — on SQLite (its writer lock) and on
PostgreSQL (the school's row locked while the name is checked)."""

from __future__ import annotations

import asyncio

from core.audit import AuditLog
from core.cabinet.units import Problem, UnitError, Units
from core.clock import ManualClock
from core.people import OrgKind, PeopleRepository
from core.storage import Database

ROUNDS = 8


def _units(db: Database, clock: ManualClock) -> Units:
    return Units(db, clock, AuditLog(db, clock))


async def test_two_classes_named_alike_at_once_make_one_class(
    two_dbs: tuple[Database, Database], clock: ManualClock
) -> None:
    first_db, second_db = two_dbs
    people = PeopleRepository(first_db, clock)
    school = await people.upsert_organisation(
        kind=OrgKind.SCHOOL, name="СОШ № 7", region_code="54", timezone="Asia/Novosibirsk"
    )
    admin = await people.upsert_person(first_name="Ольга", is_adult=True)
    first, second = _units(first_db, clock), _units(second_db, clock)
    for grade in range(1, ROUNDS + 1):
        # The same class spelled two ways («5А» and «5 а» share a name key).
        outcomes = await asyncio.gather(
            first.create(admin, school, f"{grade}А", "class", str(grade)),
            second.create(admin, school, f"{grade} а", "class", str(grade)),
            return_exceptions=True,
        )
        created = [o for o in outcomes if isinstance(o, int)]
        refused = [o for o in outcomes if isinstance(o, UnitError)]
        assert len(created) == 1 and len(refused) == 1, (grade, outcomes)
        assert refused[0].problem == Problem.CLASH
        alike = await first_db.fetchval(
            "SELECT count(*) FROM groups WHERE org_id = ? AND grade = ?", (school, grade)
        )
        assert alike == 1
