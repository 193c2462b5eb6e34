"""Which organisation a cabinet request is about, and whether the viewer may manage it.

The cabinet is for admins (staff with the admin position). An admin of an organisation manages it
and everything under it: a school admin their school, a municipal admin its schools, a region
admin the whole region. ``{org}`` in the URL names the organisation; anything outside the viewer's
tree is 403, an id that names no organisation 404 (checked in that order only for admins, so a
stranger learns nothing about which ids exist).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from zoneinfo import ZoneInfo

from aiohttp import web

from core.activity.metrics import Monitoring
from core.activity.units import OrgTree, Unit, load_tree
from core.audit import AuditLog
from core.integers import ascii_id
from core.people import OrgKind

from ..access import AccessDenied
from ..keys import SERVICES
from ..viewer import Viewer, check_csrf, require_admin


@dataclass(frozen=True)
class CabinetPlace:
    viewer: Viewer
    tree: OrgTree
    org: Unit
    # The organisations the viewer administers (within this region), widest first.
    admin_units: tuple[int, ...]
    audit: AuditLog

    @property
    def person_id(self) -> int:
        person = self.viewer.identity.person
        assert person is not None  # require_admin passed: an admin is a person
        return person.id

    def may_manage(self, org_id: int) -> bool:
        return org_id in self.tree and any(self.tree.within(org_id, m) for m in self.admin_units)

    @cached_property
    def zone(self) -> ZoneInfo:
        """Times on the cabinet's pages are the organisation's region's."""
        return ZoneInfo(self.tree.timezone(self.org.id))

    @property
    def is_school(self) -> bool:
        return self.org.kind == OrgKind.SCHOOL

    def schools(self) -> list[int]:
        """The schools of this organisation's subtree (itself, for a school)."""
        return self.tree.schools(self.org.id)

    def subtree(self) -> list[int]:
        return [u.id for u in self.tree.walk(self.org.id)]

    def crumbs(self) -> list[tuple[Unit, bool]]:
        """The organisations above this one, top first, each with whether it may be opened."""
        return [(u, self.may_manage(u.id)) for u in reversed(self.tree.ancestors(self.org.id))]


async def admin_units(request: web.Request, viewer: Viewer) -> list[int]:
    """The organisations this admin administers, the widest first (region, municipality,
    school): the monitoring pages' own answer, so both admin areas agree on who is an admin."""
    person = viewer.identity.person
    if person is None:
        return []
    services = request.app[SERVICES]
    return await Monitoring(services.db, services.clock).admin_units(person.id)


def path_id(request: web.Request, name: str) -> int:
    """The id ``{name}`` of the URL, or 404: only plain digits within 64 bits name a row."""
    found = ascii_id(request.match_info[name])
    if found is None:
        raise web.HTTPNotFound()
    return found


async def cabinet_place(request: web.Request) -> CabinetPlace:
    """The place of a ``/admin/org/{org}/…`` request, or 401/403/404."""
    viewer = await require_admin(request)
    org_id = path_id(request, "org")
    services = request.app[SERVICES]
    tree = await load_tree(services.db, org_id)
    if tree is None or org_id not in tree:
        raise web.HTTPNotFound()
    mine = tuple(u for u in await admin_units(request, viewer) if u in tree)
    audit = AuditLog(services.db, services.clock)
    place = CabinetPlace(viewer, tree, tree.unit(org_id), mine, audit)
    if not place.may_manage(org_id):
        raise AccessDenied(str(org_id))
    return place


async def school_place(request: web.Request) -> CabinetPlace:
    """The place of a school's page (its classes, invites, codes): a region or a municipality
    has no classes of its own, so 404."""
    place = await cabinet_place(request)
    if not place.is_school:
        raise web.HTTPNotFound()
    return place


async def posted_form(request: web.Request, place: CabinetPlace) -> dict[str, str]:
    """The posted form of a cabinet action, its CSRF token checked (403 without it). Values
    are stripped strings; a field posted twice keeps its first value."""
    form = await request.post()
    check_csrf(request, place.viewer, form)
    values: dict[str, str] = {}
    for key, value in form.items():
        if isinstance(value, str) and key not in values:
            values[key] = value.strip()
    return values
