"""Write the demo district into storage (idempotent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from core.cabinet.demo import load_demo_codes
from core.cabinet.invites_demo import load_demo_invites
from core.people import OrgKind, PeopleRepository, Position, RoleKind
from core.verification import Verification

from .calendar import shift_birthday, years_from_anchor
from .district import REGION_CODE, TIMEZONE, District, build

CHAT_PEER_BASE = 2_000_000_000
# The journal-only parent (no VK account yet) links her account with this one-time code.
DEMO_JOURNAL_CODE = "DEMO-PA11"


@dataclass(frozen=True)
class DemoSummary:
    organisations: int
    groups: int
    persons: int
    roles: int
    chats: int
    contacts: int


async def load_demo(people: PeopleRepository, district: District | None = None) -> DemoSummary:
    d = district or build()
    vk_ids = d.vk_ids()
    # Loaded years after the district was written, its children are as old as they were then.
    years = years_from_anchor(people.clock.now())
    region_id = await people.upsert_organisation(
        kind=OrgKind.REGION,
        name=d.region_name,
        region_code=REGION_CODE,
        timezone=TIMEZONE,
        external_id=f"demo:region:{REGION_CODE}",
    )
    municipality_ids = {
        key: await people.upsert_organisation(
            kind=OrgKind.MUNICIPALITY,
            name=name,
            region_code=REGION_CODE,
            timezone=TIMEZONE,
            parent_id=region_id,
            external_id=f"demo:mun:{key}",
        )
        for key, name in d.municipalities.items()
    }
    school_ids = {
        school.key: await people.upsert_organisation(
            kind=OrgKind.SCHOOL,
            name=school.name,
            region_code=REGION_CODE,
            timezone=TIMEZONE,
            parent_id=municipality_ids[school.municipality],
            external_id=f"demo:school:{school.key}",
        )
        for school in d.schools
    }
    person_ids = {
        p.key: await people.upsert_person(
            first_name=p.first_name,
            last_name=p.last_name,
            vk_user_id=vk_ids.get(p.key),
            birth_date=None if p.birth_date is None else shift_birthday(p.birth_date, years),
            is_adult=p.is_adult,
            phone=p.phone,
            external_id=f"demo:person:{p.key}",
        )
        for p in d.people
    }
    roles = 0
    for staff in d.staff:
        for position in staff.positions:
            await people.grant_role(
                person_ids[staff.person],
                RoleKind.STAFF,
                school_ids[staff.school],
                position=Position(position),
                method="demo",
            )
            roles += 1
    group_ids: dict[str, int] = {}
    student_school: dict[str, int] = {}
    for demo_class in d.classes:
        group_id = await people.upsert_group(
            org_id=school_ids[demo_class.school],
            name=demo_class.name,
            grade=demo_class.grade,
            external_id=f"demo:group:{demo_class.key}",
        )
        group_ids[demo_class.key] = group_id
        for student in demo_class.students:
            await people.grant_role(
                person_ids[student], RoleKind.STUDENT, school_ids[demo_class.school], method="demo"
            )
            await people.add_student_to_group(person_ids[student], group_id)
            student_school[student] = school_ids[demo_class.school]
            roles += 1
    journal_only = {p.key for p in d.people if not p.has_vk}
    for parent, children in d.parents.items():
        for child in children:
            await people.link_parent_child(person_ids[parent], person_ids[child])
            if parent in journal_only:
                # Her role is in the e-journal; Sferum confirms it when she sends her code.
                verification = Verification(people.db, people.clock, people)
                await verification.issue_code(
                    person_ids[parent],
                    RoleKind.PARENT,
                    student_school[child],
                    code=DEMO_JOURNAL_CODE,
                    ttl=timedelta(days=3650),
                )
                continue
            await people.grant_role(
                person_ids[parent], RoleKind.PARENT, student_school[child], method="demo"
            )
        roles += 0 if parent in journal_only else 1
    for index, (key, title, school, members) in enumerate(d.chats, start=1):
        class_key = key.removeprefix("chat-")
        chat_id = await people.upsert_chat(
            title=title,
            peer_id=CHAT_PEER_BASE + index,
            org_id=school_ids[school],
            group_id=group_ids.get(class_key),
            external_id=f"demo:{key}",
        )
        await people.add_chat_members(chat_id, [person_ids[m] for m in members])
    for owner, contact in d.contacts:
        await people.add_contact(person_ids[owner], person_ids[contact])
    for demo_class in d.classes:
        await people.db.execute(
            "UPDATE groups SET class_teacher_id = ? WHERE id = ?",
            (person_ids[demo_class.class_teacher], group_ids[demo_class.key]),
        )
    await load_demo_codes(people, group_ids)
    await load_demo_invites(people, group_ids)
    return DemoSummary(
        organisations=1 + len(municipality_ids) + len(school_ids),
        groups=len(group_ids),
        persons=len(person_ids),
        roles=roles,
        chats=len(d.chats),
        contacts=len(d.contacts),
    )
