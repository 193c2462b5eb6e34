"""Who may read which journal: the one place the mini-app's pages and JSON API ask.

- A student reads their own journal.
- A parent reads the journals of their own children whose link is confirmed, and only while
  they hold a parent role.
- A teacher reads the classes they teach (journal and homework).
- Nobody else reads anything; an unknown id is refused exactly like someone else's.

Bots in the same process can use ``JournalAccess`` directly with the writer's ``Identity``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from core.people import Identity, Person, Position, RoleKind
from core.runtime.services import Services

from .ids import PublicIds
from .journal.abc import JournalClass, JournalProvider

_ZONE_CACHE_LIMIT = 100_000


class AccessDenied(Exception):
    """The viewer may not see this (or it does not exist: the two are not told apart)."""


@dataclass(frozen=True, slots=True)
class StudentRef:
    person: Person
    public_id: str
    is_self: bool


@dataclass(frozen=True, slots=True)
class ClassRef:
    journal_class: JournalClass
    public_id: str


def is_admin(identity: Identity, org_id: int | None = None) -> bool:
    """Staff with the admin position (at ``org_id`` when given): for the admin pages."""
    return any(
        role.role == RoleKind.STAFF
        and role.position == Position.ADMIN
        and (org_id is None or role.org_id == org_id)
        for role in identity.roles
    )


class JournalAccess:
    def __init__(self, services: Services, provider: JournalProvider, ids: PublicIds) -> None:
        self.services = services
        self.provider = provider
        self.ids = ids
        self._zones: dict[int, ZoneInfo] = {}

    # --- students ----------------------------------------------------------------------------
    async def _is_confirmed_child(self, parent_id: int, child_id: int) -> bool:
        found = await self.services.db.fetchval(
            "SELECT 1 FROM parent_children WHERE parent_id = ? AND child_id = ? AND confirmed = 1",
            (parent_id, child_id),
        )
        return found is not None

    async def visible_students(self, identity: Identity) -> list[StudentRef]:
        """The viewer themself if a student, then their confirmed children if a parent."""
        person = identity.person
        if person is None:
            return []
        refs: list[StudentRef] = []
        if identity.has(RoleKind.STUDENT):
            refs.append(StudentRef(person, await self.ids.for_person(person.id), True))
        if identity.has(RoleKind.PARENT):
            for child in await self.services.people.children_of(person.id):
                if child.id != person.id:
                    refs.append(StudentRef(child, await self.ids.for_person(child.id), False))
        return refs

    async def student(self, identity: Identity, public_id: str) -> StudentRef:
        viewer = identity.person
        student_id = await self.ids.person(public_id)
        if viewer is None or student_id is None:
            raise AccessDenied(public_id)
        if student_id == viewer.id and identity.has(RoleKind.STUDENT):
            return StudentRef(viewer, public_id, True)
        if identity.has(RoleKind.PARENT) and await self._is_confirmed_child(viewer.id, student_id):
            child = await self.services.people.person(student_id)
            if child is not None:
                return StudentRef(child, public_id, False)
        raise AccessDenied(public_id)

    # --- teachers ----------------------------------------------------------------------------
    async def visible_classes(self, identity: Identity) -> list[ClassRef]:
        if identity.person is None or not identity.has(RoleKind.STAFF):
            return []
        classes = await self.provider.teacher_classes(identity.person.id)
        return [ClassRef(c, await self.ids.for_class(c.ref)) for c in classes]

    async def journal_class(self, identity: Identity, public_id: str) -> ClassRef:
        viewer = identity.person
        class_ref = await self.ids.journal_class(public_id)
        if viewer is None or class_ref is None or not identity.has(RoleKind.STAFF):
            raise AccessDenied(public_id)
        if not await self.provider.teaches(viewer.id, class_ref):
            raise AccessDenied(public_id)
        journal_class = await self.provider.journal_class(class_ref)
        if journal_class is None:
            raise AccessDenied(public_id)
        return ClassRef(journal_class, public_id)

    # --- time --------------------------------------------------------------------------------
    async def zone(self, person_id: int) -> ZoneInfo:
        """The time zone of the person's school (the first active role), else the default."""
        cached = self._zones.get(person_id)
        if cached is not None:
            return cached
        name = await self.services.db.fetchval(
            "SELECT o.timezone FROM roles r JOIN organisations o ON o.id = r.org_id "
            "WHERE r.person_id = ? AND r.revoked_at IS NULL ORDER BY r.id LIMIT 1",
            (person_id,),
        )
        zone = ZoneInfo(str(name or self.services.settings.timezone))
        if len(self._zones) > _ZONE_CACHE_LIMIT:
            self._zones.clear()
        self._zones[person_id] = zone
        return zone

    async def today(self, person_id: int) -> date:
        return self.services.clock.now().astimezone(await self.zone(person_id)).date()
