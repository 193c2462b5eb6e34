"""«Участники»: the people of the organisation's tree (filters, search, pages of 50), a person's
card with their role history, and revoking a role with a reason."""

from __future__ import annotations

from functools import partial
from typing import Any

from aiohttp import web

from core.cabinet.members import PAGE_SIZE, ROLE_FILTERS, SOURCES, MemberQuery, Members

from ..keys import SERVICES
from .place import CabinetPlace, cabinet_place, path_id, posted_form
from .render import cabinet_page, done
from .roles import revoke_posted


def _org_names(place: CabinetPlace) -> dict[int, str]:
    return {u.id: u.name for u in place.tree.walk(place.org.id)}


async def index(request: web.Request) -> web.StreamResponse:
    place = await cabinet_place(request)
    services = request.app[SERVICES]
    query = MemberQuery.parse(request.query)
    listing = await Members(services.db).page(place.subtree(), query)
    groups = await services.people.groups_of_org(place.org.id) if place.is_school else []
    return cabinet_page(
        request,
        place,
        "cabinet/people.html",
        "people",
        query=query,
        listing=listing,
        groups=groups,
        role_filters=list(ROLE_FILTERS),
        sources=SOURCES,
        org_names=_org_names(place),
        page_size=PAGE_SIZE,
    )


async def _card_page(
    request: web.Request, place: CabinetPlace, person_id: int, **extra: Any
) -> web.Response:
    card = await Members(request.app[SERVICES].db).card(place.subtree(), person_id)
    if card is None:
        raise web.HTTPNotFound()
    return cabinet_page(
        request,
        place,
        "cabinet/person.html",
        "people",
        card=card,
        org_names=_org_names(place),
        own=card.person_id == place.person_id,
        **extra,
    )


async def card(request: web.Request) -> web.StreamResponse:
    place = await cabinet_place(request)
    person_id = path_id(request, "person")
    return await _card_page(request, place, person_id)


def manages_within(place: CabinetPlace, org_id: int) -> bool:
    """A role this page may change: of this organisation's tree, and the viewer's to manage."""
    return place.may_manage(org_id) and place.tree.within(org_id, place.org.id)


async def revoke(request: web.Request) -> web.StreamResponse:
    place = await cabinet_place(request)
    person_id = path_id(request, "person")
    form = await posted_form(request, place)
    refused = await revoke_posted(
        request,
        place,
        form,
        fits=lambda role: role.person_id == person_id,
        allowed=lambda org: manages_within(place, org),
        page=partial(_card_page, request, place, person_id),
        action="role.revoke",
    )
    if refused is not None:
        return refused
    raise done(place, f"/people/{person_id}", "role_revoked")
