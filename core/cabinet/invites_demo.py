"""Invites and join requests of the demo school (СОШ № 112), so the cabinet's «Приглашения по
ссылке» and «Заявки» are filled under `sferum run`.

Invites (``load_demo_invites``, from the demo loader): one for 7Б's parents that a 7Б parent has
used (she is a parent there already, so nothing about the district changes), one for teachers,
one that ran out, one revoked. Join requests (``load_demo_requests``, only where `sferum run`
loads the demo, since the bot's own tests expect the school's queue empty): two guests waiting,
one request rejected three days ago. Both idempotent; every date from the injected clock."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from core.clock import ManualClock
from core.people import PeopleRepository, Position, RoleKind
from core.verification import Verification

SCHOOL_CLASS = "s112-7b"  # the school is this class's
ADMIN = "demo:person:orlov"
USED_BY = "demo:person:pa02"  # a parent of 7Б
# Who waits, for what, filed how many hours ago, with what comment.
WAITING = (
    (
        "demo:person:guest-adult",
        RoleKind.PARENT,
        SCHOOL_CLASS,
        26,
        "Отец ученика 7Б, сын у вас с этого месяца.",
    ),
    (
        "demo:person:guest-minor",
        RoleKind.STUDENT,
        "s112-9a",
        5,
        "Я новенький в 9А, перевёлся из гимназии.",
    ),
)
REJECTED = ("demo:person:guest-adult2", RoleKind.STAFF, "Хочу вести кружок робототехники.")


async def _person(people: PeopleRepository, external_id: str) -> int | None:
    found = await people.db.fetchval("SELECT id FROM persons WHERE external_id = ?", (external_id,))
    return None if found is None else int(found)


async def load_demo_invites(people: PeopleRepository, group_ids: Mapping[str, int]) -> None:
    group = await people.group(group_ids.get(SCHOOL_CLASS, 0))
    admin = await _person(people, ADMIN)
    if group is None or admin is None:
        return
    school = group.org_id
    if await people.db.fetchval("SELECT 1 FROM invites WHERE org_id = ? LIMIT 1", (school,)):
        return
    verification = Verification(people.db, people.clock, people)
    used = await verification.create_invite(
        school, RoleKind.PARENT, created_by=admin, group_id=group.id,
        ttl=timedelta(days=14), max_uses=30,
    )  # fmt: skip
    parent = await people.person(await _person(people, USED_BY) or 0)
    if parent is not None and parent.vk_user_id is not None:
        await verification.use_invite(parent.vk_user_id, used)
    await verification.create_invite(
        school, RoleKind.STAFF, created_by=admin, position=Position.TEACHER,
        ttl=timedelta(days=7), max_uses=5,
    )  # fmt: skip
    # Made before: on a clock of twenty days ago, taken from the injected one.
    earlier = Verification(people.db, ManualClock(people.clock.now() - timedelta(days=20)), people)
    await earlier.create_invite(
        school, RoleKind.STUDENT, created_by=admin, group_id=group_ids.get("s112-5a"),
        ttl=timedelta(days=10), max_uses=25,
    )  # fmt: skip
    revoked = await earlier.create_invite(
        school, RoleKind.PARENT, created_by=admin, group_id=group_ids.get("s112-9a"),
        ttl=timedelta(days=30), max_uses=30,
    )  # fmt: skip
    await verification.revoke_invite(revoked)


async def load_demo_requests(people: PeopleRepository) -> None:
    admin = await _person(people, ADMIN)
    group_ids = {
        key: await people.db.fetchval(
            "SELECT id FROM groups WHERE external_id = ?", (f"demo:group:{key}",)
        )
        for key in (SCHOOL_CLASS, "s112-9a")
    }
    group = await people.group(group_ids[SCHOOL_CLASS] or 0)
    if admin is None or group is None:
        return
    school = group.org_id
    if await people.db.fetchval("SELECT 1 FROM join_requests WHERE org_id = ?", (school,)):
        return
    earlier = Verification(people.db, ManualClock(people.clock.now() - timedelta(days=3)), people)
    who, role, comment = REJECTED
    person = await _person(people, who)
    if person is not None:
        request = await earlier.request_to_join(
            person, school, role, position=Position.TEACHER, comment=comment
        )
        await earlier.decide(request, admin, approve=False)
    for who, role, class_key, hours, comment in WAITING:
        person = await _person(people, who)
        if person is not None:
            filed = ManualClock(people.clock.now() - timedelta(hours=hours))
            await Verification(people.db, filed, people).request_to_join(
                person, school, role, group_id=group_ids.get(class_key), comment=comment
            )
