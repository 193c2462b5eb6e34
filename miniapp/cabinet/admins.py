"""«Администраторы»: who administers the organisation (and, read-only, the ones above it),
granting admin rights to one of its staff, revoking them with a reason, and the history."""

from __future__ import annotations

from functools import partial
from typing import Any

from aiohttp import web

from core.cabinet.admins import Admins
from core.cabinet.role_changes import Refusal, check_grant_admin, target_role
from core.integers import ascii_id
from core.people import Position, RoleKind

from ..keys import SERVICES
from .place import CabinetPlace, cabinet_place, posted_form
from .render import cabinet_page, done, refused
from .roles import ROLE_PROBLEMS, changed, revoke_posted


async def _page(request: web.Request, place: CabinetPlace, **extra: Any) -> web.Response:
    admins = Admins(request.app[SERVICES].db)
    above = [u.id for u in place.tree.ancestors(place.org.id)]
    listed = await admins.of([place.org.id, *above])
    return cabinet_page(
        request,
        place,
        "cabinet/admins.html",
        "admins",
        own=[a for a in listed if a.org_id == place.org.id],
        above=[a for a in listed if a.org_id != place.org.id],
        candidates=await admins.candidates(place.org.id),
        history=await admins.history(place.org.id),
        org_names={u.id: u.name for u in place.tree.units.values()},
        **extra,
    )


async def index(request: web.Request) -> web.StreamResponse:
    return await _page(request, await cabinet_place(request))


async def grant(request: web.Request) -> web.StreamResponse:
    place = await cabinet_place(request)
    form = await posted_form(request, place)
    services = request.app[SERVICES]
    person_id = ascii_id(form.get("person"))
    refusal = (
        Refusal.NOT_STAFF
        if person_id is None
        else await check_grant_admin(services.db, place.org.id, person_id)
    )
    if refusal is not None or person_id is None:
        key = "admin_already" if refusal == Refusal.ALREADY else str(refusal)
        return await _page(request, place, **refused(request, ROLE_PROBLEMS, key))
    role_id = await services.people.grant_role(
        person_id,
        RoleKind.STAFF,
        place.org.id,
        position=Position.ADMIN,
        method="admin",
        by_person_id=place.person_id,
    )
    role = await target_role(services.db, role_id)
    assert role is not None
    await changed(request, place, role, "admin.grant")
    raise done(place, "/admins", "admin_granted")


async def revoke(request: web.Request) -> web.StreamResponse:
    place = await cabinet_place(request)
    form = await posted_form(request, place)
    # This page revokes admin rights only. Admins above are read-only here, admins below are
    # managed on their organisation's page.
    refusal = await revoke_posted(
        request,
        place,
        form,
        fits=lambda role: role.is_admin,
        allowed=lambda org: org == place.org.id,
        page=partial(_page, request, place),
        action="admin.revoke",
    )
    if refusal is not None:
        return refusal
    raise done(place, "/admins", "admin_revoked")
