"""The cabinet's own pages: the entry (to the widest organisation the admin runs), an
organisation's overview (its sections; the organisations under it for a region or a
municipality) and the audit log."""

from __future__ import annotations

from aiohttp import web

from core.audit import PAGE
from core.integers import ascii_id

from ..viewer import require_admin
from .place import admin_units, cabinet_place
from .render import cabinet_page


async def index(request: web.Request) -> web.StreamResponse:
    viewer = await require_admin(request)
    units = await admin_units(request, viewer)
    if not units:
        raise web.HTTPForbidden()
    raise web.HTTPFound(f"/admin/org/{units[0]}")


async def overview(request: web.Request) -> web.StreamResponse:
    place = await cabinet_place(request)
    below = place.tree.kids(place.org.id)
    return cabinet_page(request, place, "cabinet/overview.html", "overview", below=below)


async def audit(request: web.Request) -> web.StreamResponse:
    place = await cabinet_place(request)
    before = ascii_id(request.query.get("before"))
    entries = await place.audit.entries(place.subtree(), before_id=before, limit=PAGE + 1)
    more = len(entries) > PAGE
    entries = entries[:PAGE]
    return cabinet_page(
        request,
        place,
        "cabinet/audit.html",
        "audit",
        entries=entries,
        next_before=entries[-1].id if more and entries else None,
    )
