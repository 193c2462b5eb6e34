"""The home page: what this person can open, by role; the link page for everyone else."""

from __future__ import annotations

from aiohttp import web

from core.people import RoleKind

from ..keys import ACCESS, HOME_LINKS, PAGES, SERVICES
from ..viewer import current_viewer


async def home(request: web.Request) -> web.Response:
    viewer = await current_viewer(request)
    identity = viewer.identity
    pages = request.app[PAGES]
    if identity.person is None or not identity.roles:
        return pages.response("link.html", viewer=viewer, result=None, code="")
    access = request.app[ACCESS]
    people = request.app[SERVICES].people
    students = await access.visible_students(identity)
    groups = {
        ref.person.id: ", ".join(g.name for g in await people.groups_of_student(ref.person.id))
        for ref in students
    }
    classes = await access.visible_classes(identity)
    links = [
        link
        for link in request.app[HOME_LINKS]
        if link.visible(identity)
        and (link.allowed is None or await link.allowed(request, identity))
    ]
    return pages.response(
        "home.html",
        viewer=viewer,
        person=identity.person,
        students=students,
        groups=groups,
        classes=classes,
        is_staff=identity.has(RoleKind.STAFF),
        is_parent=identity.has(RoleKind.PARENT),
        links=links,
    )
