"""Who is looking: age and eligibility, their school, their city.

Nothing personal is asked: age comes from the journal's birth date, the city from the school's
municipality ("город Бердск" -> Бердск) when that city has events; otherwise the bot asks once
with buttons and remembers the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from core.people import Identity, Organisation, OrgKind, Person, RoleKind
from core.people.repository import PeopleRepository

from .catalog import Catalog
from .eligibility import Eligibility, eligibility
from .geo import city_of_municipality

# Whose school counts as "home": a student's first, then a teacher's, then a parent's.
_HOME_ORDER = (RoleKind.STUDENT, RoleKind.STAFF, RoleKind.PARENT)


@dataclass(frozen=True, slots=True)
class Viewer:
    vk_user_id: int
    identity: Identity
    home: Organisation | None
    eligibility: Eligibility

    @property
    def person(self) -> Person | None:
        return self.identity.person

    @property
    def is_staff(self) -> bool:
        return self.identity.has(RoleKind.STAFF)

    @property
    def is_student(self) -> bool:
        return self.identity.has(RoleKind.STUDENT)


async def home_organisation(people: PeopleRepository, identity: Identity) -> Organisation | None:
    for kind in _HOME_ORDER:
        for org_id in sorted(identity.org_ids(kind)):
            org = await people.organisation(org_id)
            if org is not None:
                return org
    return None


async def viewer(
    people: PeopleRepository, identity: Identity, now: datetime, default_zone: str
) -> Viewer:
    home = await home_organisation(people, identity)
    zone = home.zone if home is not None else ZoneInfo(default_zone)
    today = now.astimezone(zone).date()
    return Viewer(identity.vk_user_id, identity, home, eligibility(identity.person, today))


async def city_from_school(
    people: PeopleRepository, catalog: Catalog, org: Organisation | None
) -> str | None:
    """The city of the school's municipality, when events are imported for it."""
    seen = 0
    while org is not None and seen < 5:  # region > municipality > school: a short walk up
        if org.kind in (OrgKind.MUNICIPALITY, OrgKind.SCHOOL):
            city = await catalog.city(city_of_municipality(org.name))
            if city is not None:
                return city.name
        org = await people.organisation(org.parent_id) if org.parent_id else None
        seen += 1
    return None
