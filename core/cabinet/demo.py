"""Journal codes in the demo district, so the cabinet's «Журнальные коды» of СОШ № 112 is filled:
7Б's students and parents have codes (two students have already used theirs), 11А's students were
given codes forty days ago that ran out unused. Idempotent: nothing is added once 7Б has codes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from core.clock import ManualClock
from core.people import PeopleRepository, RoleKind
from core.verification import Verification

from .codes import issue_for_class

ISSUED_CLASS = "s112-7b"
EXPIRED_CLASS = "s112-11a"
USED = 2


async def load_demo_codes(people: PeopleRepository, group_ids: Mapping[str, int]) -> None:
    issued_group = await people.group(group_ids.get(ISSUED_CLASS, 0))
    expired_group = await people.group(group_ids.get(EXPIRED_CLASS, 0))
    if issued_group is None or expired_group is None:
        return
    already = await people.db.fetchval(
        "SELECT count(*) FROM journal_codes j JOIN student_groups s ON s.person_id = j.person_id "
        "WHERE s.group_id = ?",
        (issued_group.id,),
    )
    if already:
        return
    verification = Verification(people.db, people.clock, people)
    issue = await issue_for_class(
        verification, issued_group, (RoleKind.STUDENT, RoleKind.PARENT), actor_id=None, audit=None
    )
    students = [c for c in issue.codes if c.holder.role == RoleKind.STUDENT]
    for issued in students[:USED]:
        person = await people.person(issued.holder.person_id)
        if person is not None and person.vk_user_id is not None:
            await verification.redeem_code(person.vk_user_id, issued.code)
    # Issued before: the clock of forty days ago, taken from the injected one.
    earlier = ManualClock(people.clock.now() - timedelta(days=40))
    await issue_for_class(
        Verification(people.db, earlier, people),
        expired_group,
        (RoleKind.STUDENT,),
        actor_id=None,
        audit=None,
    )
