from datetime import date, timedelta

from core.clock import ManualClock
from core.demo.district import build
from core.demo.loader import load_demo
from core.people import OrgKind, PeopleRepository, Position, RoleKind
from core.people.models import Person


async def _school(people: PeopleRepository) -> int:
    return await people.upsert_organisation(
        kind=OrgKind.SCHOOL, name="СОШ № 1", region_code="54", timezone="Asia/Novosibirsk"
    )


async def test_unknown_vk_user_has_no_role(people: PeopleRepository) -> None:
    identity = await people.identity(555)
    assert identity.person is None
    assert identity.as_sender() == RoleKind.NONE


async def test_grant_is_idempotent_and_revoke_is_recorded(
    people: PeopleRepository, clock: ManualClock
) -> None:
    school = await _school(people)
    admin = await people.upsert_person(first_name="Дмитрий", vk_user_id=1)
    teacher = await people.upsert_person(first_name="Ирина", vk_user_id=2)
    first = await people.grant_role(
        teacher, RoleKind.STAFF, school, position=Position.TEACHER, method="import"
    )
    again = await people.grant_role(
        teacher, RoleKind.STAFF, school, position=Position.TEACHER, method="import"
    )
    assert first == again
    assert (await people.identity(2)).as_sender() == RoleKind.STAFF

    clock.advance(timedelta(days=1))
    assert await people.revoke_role(first, by_person_id=admin, reason="уволена")
    assert not await people.revoke_role(first, by_person_id=admin, reason="повтор")
    assert (await people.identity(2)).as_sender() == RoleKind.NONE
    history = await people.role_history(teacher)
    assert [h["action"] for h in history] == ["grant", "revoke"]
    assert history[1]["by_person_id"] == admin
    assert history[1]["at"] > history[0]["at"]


async def test_bind_vk_account_moves_a_stray_record(people: PeopleRepository) -> None:
    journal_parent = await people.upsert_person(first_name="Наталья", external_id="j:1")
    stray = await people.ensure_vk_person(777, "Наталья", "Егорова")
    await people.bind_vk_account(journal_parent, 777)
    assert (await people.person_by_vk(777)).id == journal_parent  # type: ignore[union-attr]
    assert (await people.person(stray)).vk_user_id is None  # type: ignore[union-attr]


def test_age_and_adulthood() -> None:
    today = date(2026, 11, 23)
    teen = Person(1, None, "А", "Б", birth_date=date(2008, 11, 24))
    assert teen.age(today) == 17 and not teen.is_adult(today)
    assert Person(2, None, "В", "Г", birth_date=date(2008, 11, 23)).is_adult(today)
    assert not Person(3, None, "Д", "Е").is_adult(today)  # unknown age: protective default
    assert Person(4, None, "Ж", "З", adult_flag=True).is_adult(today)


async def test_demo_district_is_complete_and_idempotent(people: PeopleRepository) -> None:
    first = await load_demo(people)
    second = await load_demo(people)
    assert first == second
    db = people.db
    assert await db.fetchval("SELECT count(*) FROM persons") == first.persons
    assert await db.fetchval("SELECT count(*) FROM roles") == first.roles
    assert await db.fetchval("SELECT count(*) FROM organisations WHERE kind='school'") >= 2
    assert await db.fetchval("SELECT count(*) FROM groups") >= 6
    positions = {r["position"] for r in await db.fetchall("SELECT position FROM roles")}
    assert {"teacher", "counsellor", "admin", "operator"} <= positions
    today = date(2026, 11, 23)
    district = build()
    guests = [p for p in district.people if p.key.startswith("guest")]
    assert {
        p.birth_date is not None and (today.year - p.birth_date.year) >= 18 for p in guests
    } == {
        True,
        False,
    }
    # Every parent sees exactly their confirmed children.
    mother = await people.person_by_vk(district.vk_ids()["pa00"])
    assert mother is not None
    assert len(await people.children_of(mother.id)) == 2
    # One journal parent has no VK account yet (she links with a journal code).
    assert await db.fetchval("SELECT count(*) FROM persons WHERE vk_user_id IS NULL") == 1


async def test_persons_in_bulk_beyond_sqlite_variable_limit(people: PeopleRepository) -> None:
    first = await people.upsert_person(first_name="Анна", vk_user_id=None, is_adult=True)
    second = await people.upsert_person(first_name="Борис", vk_user_id=None, is_adult=True)
    # 40,000 ids: more than SQLite accepts as separate variables.
    found = await people.persons([first, *range(10_000_000, 10_040_000), second])
    assert {pid: p.first_name for pid, p in found.items()} == {first: "Анна", second: "Борис"}
    assert await people.persons([]) == {}
