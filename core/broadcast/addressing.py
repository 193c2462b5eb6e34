"""Who may address which audience of a school.

- The whole school (everyone, its staff, all its students, all its parents): its admins (and
  admins of the organisations above it: municipality, region) and its counsellors.
- The students of a class: besides those, the class's teachers; the parents of a class: besides
  admins and counsellors, only its class teacher (position ``class_teacher``).
- An explicit list of persons: any staff member; the communication policy judges each recipient.

"Its teachers": the people model has no teacher-to-class table; a class's teachers are the staff
of its school in the class's chat (where the demo district and imports record the class teacher,
and which bots/pushkin_card reads the same way for "your classes"). Its class teacher is
``groups.class_teacher_id`` (set in the cabinet), holding the position; for a class without one,
a holder of the position in its chat.

The broadcast engine enforces this in ``create()`` (``refusal``); the counsellor's bot offers only
what is allowed, from the same ``reach``.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.people import Organisation, PeopleRepository, Position, RoleKind
from core.texts import CORE_TEXTS

from .spec import Audience, AudienceKind

WHOLE_SCHOOL = frozenset(
    {AudienceKind.ORGANISATION, AudienceKind.STAFF, AudienceKind.STUDENTS, AudienceKind.PARENTS}
)
TEACHING = frozenset({Position.TEACHER, Position.CLASS_TEACHER})


@dataclass(frozen=True)
class Reach:
    """What one staff member may address in one organisation."""

    org_id: int
    whole_school: bool
    students_of: frozenset[int]  # class ids whose students they may address
    parents_of: frozenset[int]  # class ids whose parents they may address

    @property
    def anything(self) -> bool:
        return self.whole_school or bool(self.students_of)


async def reach(people: PeopleRepository, person_id: int, org_id: int) -> Reach:
    roles = [r for r in await people.active_roles(person_id) if r.role == RoleKind.STAFF]
    here = {r.position for r in roles if r.org_id == org_id}
    admin_of = {r.org_id for r in roles if r.position == Position.ADMIN}
    whole = Position.COUNSELLOR in here or bool(
        admin_of and admin_of & await people.org_and_above(org_id)
    )
    if whole:
        classes = frozenset(g.id for g in await people.groups_of_org(org_id))
        return Reach(org_id, True, classes, classes)
    if not here & TEACHING:
        return Reach(org_id, False, frozenset(), frozenset())
    rows = await people.db.fetchrows(
        "SELECT DISTINCT c.group_id, g.class_teacher_id FROM chats c "
        "JOIN chat_members m ON m.chat_id = c.id JOIN groups g ON g.id = c.group_id "
        "WHERE m.person_id = ? AND g.org_id = ? AND g.archived_at IS NULL",
        (person_id, org_id),
    )
    taught = frozenset(int(row[0]) for row in rows)
    led: frozenset[int] = frozenset()
    if Position.CLASS_TEACHER in here:
        # The classes the school made theirs (groups.class_teacher_id, set in the cabinet), and
        # the classes of their chats that have no class teacher set.
        assigned = await people.db.fetchrows(
            "SELECT id FROM groups WHERE class_teacher_id = ? AND org_id = ? "
            "AND archived_at IS NULL",
            (person_id, org_id),
        )
        unset = {int(row[0]) for row in rows if row[1] is None}
        led = frozenset({int(row[0]) for row in assigned} | unset)
    return Reach(org_id, False, taught | led, led)


async def schools(people: PeopleRepository, person_id: int) -> list[Organisation]:
    """The organisations where the person is staff and may address someone, by name."""
    org_ids = sorted(
        {r.org_id for r in await people.active_roles(person_id) if r.role == RoleKind.STAFF}
    )
    found: list[Organisation] = []
    for org_id in org_ids:
        org = await people.organisation(org_id)
        if org is not None and (await reach(people, person_id, org_id)).anything:
            found.append(org)
    return sorted(found, key=lambda o: o.name)


async def refusal(
    people: PeopleRepository, author_person_id: int, audience: Audience
) -> str | None:
    """Why the author may not address this audience (Russian, for the author), or None."""
    kind = audience.kind
    if kind == AudienceKind.PERSONS:
        return None
    if kind in WHOLE_SCHOOL:
        if (
            audience.org_id is not None
            and (await reach(people, author_person_id, audience.org_id)).whole_school
        ):
            return None
        return CORE_TEXTS.render("broadcast_refused.j2", kind="whole_school")
    parents = kind == AudienceKind.GROUP_PARENTS
    refused: list[str] = []
    reaches: dict[int, Reach] = {}
    for group_id in audience.group_ids:
        group = await people.group(group_id)
        if group is None:
            return CORE_TEXTS.render("broadcast_refused.j2", kind="no_class")
        if group.org_id not in reaches:
            reaches[group.org_id] = await reach(people, author_person_id, group.org_id)
        allowed = reaches[group.org_id].parents_of if parents else reaches[group.org_id].students_of
        if group.id not in allowed:
            refused.append(group.name)
    if not refused:
        return None
    return CORE_TEXTS.render(
        "broadcast_refused.j2",
        kind="class_parents" if parents else "class",
        classes=", ".join(refused),
    )
