"""Whose quiet hours hold a message back: the recipient's roles and their organisations."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from core.people import Organisation, PeopleRepository, RoleKind
from core.quiet_hours import plan_for_recipient

# The roles that have quiet hours; a person with none of them is judged by the default zone.
_WITH_HOURS = (RoleKind.STAFF, RoleKind.STUDENT, RoleKind.PARENT)


async def quiet_until(
    people: PeopleRepository, person_id: int, now: datetime, default_zone: ZoneInfo
) -> datetime:
    """``now`` when the person may be written to now, else the moment their quiet hours end.

    Each role is judged in its organisation (the lowest id where they hold it several times, as
    the broadcast engine picks a recipient's school), staff with their own working hours."""
    orgs: dict[RoleKind, Organisation] = {}
    for role in sorted(await people.active_roles(person_id), key=lambda r: r.org_id):
        if role.role in _WITH_HOURS and role.role not in orgs:
            org = await people.organisation(role.org_id)
            if org is not None:
                orgs[role.role] = org
    person = await people.person(person_id)
    return plan_for_recipient(orgs, person, now, zone=default_zone).at
