"""«Подразделения» (/admin/org/{org}/units): a school's classes and groups with their class
teachers and student counts; create, rename, archive, restore, set the class teacher. The rules
are core/cabinet/units.py's; this module reads the forms and answers."""

from __future__ import annotations

from aiohttp import web

from core.cabinet.units import UnitError, Units
from core.integers import ascii_id

from ..keys import SERVICES
from .place import CabinetPlace, path_id, posted_form, school_place
from .render import cabinet_page, done, refused

PATH = "/units"
PROBLEMS = "cabinet/_unit_problems.html"


def _units(request: web.Request, place: CabinetPlace) -> Units:
    services = request.app[SERVICES]
    return Units(services.db, services.clock, place.audit)


async def _page(
    request: web.Request, place: CabinetPlace, *, problem: UnitError | None = None
) -> web.Response:
    units = _units(request, place)
    rows = await units.of_school(place.org.id)
    refusal = (
        {}
        if problem is None
        else refused(request, PROBLEMS, problem.problem.value, name=problem.name)
    )
    return cabinet_page(
        request,
        place,
        "cabinet/units.html",
        "units",
        active=[u for u in rows if not u.archived],
        archived=[u for u in rows if u.archived],
        staff=await units.staff(place.org.id),
        **refusal,
    )


async def page(request: web.Request) -> web.StreamResponse:
    return await _page(request, await school_place(request))


async def create(request: web.Request) -> web.StreamResponse:
    place = await school_place(request)
    form = await posted_form(request, place)
    try:
        await _units(request, place).create(
            place.person_id,
            place.org.id,
            form.get("name", ""),
            form.get("kind", "class"),
            form.get("grade", ""),
        )
    except UnitError as problem:
        return await _page(request, place, problem=problem)
    raise done(place, PATH, "unit_created")


async def change(request: web.Request) -> web.StreamResponse:
    """rename, archive, restore, teacher: ``/units/{unit}/{action}``."""
    place = await school_place(request)
    unit_id = path_id(request, "unit")
    form = await posted_form(request, place)
    units = _units(request, place)
    action = request.match_info["action"]
    actor, org = place.person_id, place.org.id
    try:
        if action == "rename":
            found, key = await units.rename(actor, org, unit_id, form.get("name", "")), "renamed"
        elif action == "archive":
            found, key = await units.archive(actor, org, unit_id), "archived"
        elif action == "restore":
            found, key = await units.restore(actor, org, unit_id), "restored"
        elif action == "teacher":
            raw = form.get("teacher", "")
            teacher = ascii_id(raw) if raw else None
            if raw and teacher is None:
                raise web.HTTPBadRequest()
            found, key = await units.set_teacher(actor, org, unit_id, teacher), "teacher"
        else:
            raise web.HTTPNotFound()
    except UnitError as problem:
        return await _page(request, place, problem=problem)
    if not found:
        raise web.HTTPNotFound()  # no such class at this school
    raise done(place, PATH, "unit_" + key)
