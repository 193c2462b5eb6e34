"""Who may address the whole school, a class, a class's parents — in core's ``create()``, for each
role of the demo district: admins and counsellors the whole school; a class teacher their classes
and those classes' parents; a teacher the students of the classes they teach; no one another
school; a staff member of two schools what each school gives them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.broadcast import Audience, BroadcastError, BroadcastSpec, addressing
from core.broadcast.engine import AudienceNotAllowed
from core.clock import ManualClock
from core.config import Settings
from core.demo.loader import load_demo
from core.people import Position, RoleKind
from core.runtime.services import Services


@dataclass
class District:
    services: Services

    async def person(self, key: str) -> int:
        return int(
            await self.services.db.fetchval(
                "SELECT id FROM persons WHERE external_id = ?", (f"demo:person:{key}",)
            )
        )

    async def org(self, key: str) -> int:
        return int(
            await self.services.db.fetchval(
                "SELECT id FROM organisations WHERE external_id = ?", (key,)
            )
        )

    async def group(self, key: str) -> int:
        return int(
            await self.services.db.fetchval(
                "SELECT id FROM groups WHERE external_id = ?", (f"demo:group:{key}",)
            )
        )

    async def create(self, author: str | int, audience: Audience) -> int:
        person = author if isinstance(author, int) else await self.person(author)
        return await self.services.broadcasts.create(
            BroadcastSpec(person, 1, audience, "Собрание в четверг", title="Собрание")
        )

    async def refused(self, author: str | int, audience: Audience) -> str:
        with pytest.raises(AudienceNotAllowed) as caught:
            await self.create(author, audience)
        return str(caught.value)


@pytest.fixture
async def d(tmp_path: Path, clock: ManualClock) -> AsyncIterator[District]:
    services = await Services.open(Settings(db_path=str(tmp_path / "d.db")), clock=clock)
    try:
        await load_demo(services.people)
        yield District(services)
    finally:
        await services.close()


async def school_audiences(d: District, org: int) -> list[Audience]:
    return [
        Audience.organisation(org),
        Audience.staff(org),
        Audience.students(org),
        Audience.parents(org),
    ]


async def test_counsellor_and_admin_address_the_whole_school_and_any_class(d: District) -> None:
    s112 = await d.org("demo:school:s112")
    class_7b = await d.group("s112-7b")
    for author in ("volkova", "orlov"):  # the counsellor; the admin and director
        for audience in await school_audiences(d, s112):
            assert await d.create(author, audience) > 0
        await d.create(author, Audience.groups(class_7b))
        await d.create(author, Audience.group_parents(class_7b))


async def test_an_admin_of_the_municipality_addresses_its_schools(d: District) -> None:
    town = await d.org("demo:mun:nsk")
    person = await d.services.people.upsert_person(
        first_name="Городской", vk_user_id=None, is_adult=True
    )
    await d.services.people.grant_role(
        person, RoleKind.STAFF, town, position=Position.ADMIN, method="test"
    )
    assert await d.create(person, Audience.parents(await d.org("demo:school:s112"))) > 0
    # Бердск's gymnasium is not under Новосибирск.
    await d.refused(person, Audience.parents(await d.org("demo:school:g5")))


async def test_a_class_teacher_addresses_her_classes_and_their_parents_only(d: District) -> None:
    s112 = await d.org("demo:school:s112")
    ninth, eleventh = await d.group("s112-9a"), await d.group("s112-11a")
    assert await d.create("smirnova", Audience.groups(ninth, eleventh)) > 0
    assert await d.create("smirnova", Audience.group_parents(ninth)) > 0
    for audience in await school_audiences(d, s112):
        assert "только администраторы школы и советники" in await d.refused("smirnova", audience)
    refusal = await d.refused("smirnova", Audience.group_parents(ninth, await d.group("s112-7b")))
    assert "родителям учеников класса (7Б)" in refusal
    assert "(7Б)" in await d.refused("smirnova", Audience.groups(await d.group("s112-7b")))


async def test_a_teacher_reaches_the_students_of_her_class_but_not_its_parents(
    d: District,
) -> None:
    # Кузнецов is a teacher in 5А's chat, without the class-teacher position.
    fifth = await d.group("s112-5a")
    assert await d.create("kuznetsov", Audience.groups(fifth)) > 0
    refusal = await d.refused("kuznetsov", Audience.group_parents(fifth))
    assert "только классный руководитель" in refusal
    await d.refused("kuznetsov", Audience.groups(await d.group("s112-9a")))
    await d.refused("kuznetsov", Audience.students(await d.org("demo:school:s112")))


async def test_nobody_addresses_another_school(d: District) -> None:
    g5 = await d.org("demo:school:g5")
    for author in ("volkova", "orlov", "smirnova"):
        for audience in await school_audiences(d, g5):
            await d.refused(author, audience)
        await d.refused(author, Audience.groups(await d.group("g5-6a")))
    # Новиков is an admin of the gymnasium: all of it, none of СОШ № 112.
    assert await d.create("novikov", Audience.organisation(g5)) > 0
    await d.refused("novikov", Audience.group_parents(await d.group("s112-9a")))


async def test_a_staff_member_of_two_schools_has_what_each_school_gives(d: District) -> None:
    s112, g5 = await d.org("demo:school:s112"), await d.org("demo:school:g5")
    volkova = await d.person("volkova")  # counsellor of СОШ № 112, now also teaches in g5
    await d.services.people.grant_role(
        volkova, RoleKind.STAFF, g5, position=Position.TEACHER, method="test"
    )
    assert await d.create(volkova, Audience.organisation(s112)) > 0
    await d.refused(volkova, Audience.organisation(g5))
    await d.refused(volkova, Audience.groups(await d.group("g5-6a")))  # not in 6А's chat
    schools = await addressing.schools(d.services.people, volkova)
    assert [s.id for s in schools] == [s112]  # she may address nobody in g5 yet
    chat = await d.services.db.fetchval(
        "SELECT id FROM chats WHERE external_id = 'demo:chat-g5-6a'"
    )
    await d.services.people.add_chat_members(int(chat), [volkova])
    assert await d.create(volkova, Audience.groups(await d.group("g5-6a"))) > 0
    names = [s.name for s in await addressing.schools(d.services.people, volkova)]
    assert names == ["МАОУ «Гимназия № 5»", "МБОУ СОШ № 112"]


async def test_students_parents_and_unknown_classes_are_refused(d: District) -> None:
    for person in ("pa00", "st00"):
        with pytest.raises(BroadcastError, match="подтверждённые сотрудники"):
            await d.create(person, Audience.groups(await d.group("s112-9a")))
    refusal = await d.refused("volkova", Audience.groups(999_999))
    assert "Такого класса нет" in refusal
    # A list of persons stays open to any staff member: the policy judges each recipient.
    assert await d.create("kuznetsov", Audience.persons(await d.person("pa00"))) > 0
