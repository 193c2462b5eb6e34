"""«Журнальные коды» (/admin/org/{org}/codes): a school's classes with the counts of their codes
(issued, used, expired or replaced, valid — never the codes themselves: only their hashes are
stored), and the form that issues a class's codes at once. Its answer is the only place the
plain codes ever appear: the printable slips, or a CSV to download (core/cabinet/codes.py)."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from core.cabinet import codes
from core.integers import ascii_id
from core.people import RoleKind

from ..keys import PAGES, SERVICES
from .place import CabinetPlace, posted_form, school_place
from .render import cabinet_page, refused

PATH = "/codes"
PROBLEMS = "cabinet/_code_problems.html"
CSV_LABELS = "cabinet/codes_csv.txt"


async def _page(
    request: web.Request, place: CabinetPlace, *, problem: str | None = None
) -> web.Response:
    services = request.app[SERVICES]
    groups = await services.people.groups_of_org(place.org.id)
    classes = await codes.of_classes(services.db, groups, services.clock.now())
    return cabinet_page(
        request,
        place,
        "cabinet/codes.html",
        "codes",
        classes=classes,
        chosen=ascii_id(request.query.get("class")),
        ttl_days=services.verification.code_ttl.days,
        **refused(request, PROBLEMS, problem),
    )


async def page(request: web.Request) -> web.StreamResponse:
    return await _page(request, await school_place(request))


async def issue(request: web.Request) -> web.StreamResponse:
    place = await school_place(request)
    form = await posted_form(request, place)
    services = request.app[SERVICES]
    group = await services.people.group(ascii_id(form.get("class")) or 0)
    if group is None or group.org_id != place.org.id:
        raise web.HTTPNotFound()  # another school's class is not told apart from none
    if group.archived:
        return await _page(request, place, problem="archived")
    roles = [r for r in codes.ROLES if form.get(r.value) == "1"]
    if not roles:
        return await _page(request, place, problem="no_roles")
    result = await codes.issue_for_class(
        services.verification, group, roles, actor_id=place.person_id, audit=place.audit
    )
    if not result.codes:
        return await _page(request, place, problem="nobody")
    if form.get("format") == "csv":
        pages = request.app[PAGES]

        def label(key: str) -> str:
            return pages.render(CSV_LABELS, key=key).strip()

        body = codes.as_csv(
            result,
            label("header").split(";"),
            {r: label(r.value) for r in (RoleKind.STUDENT, RoleKind.PARENT)},
            place.zone,
        )
        filename = label("filename").replace('"', "")
        return web.Response(
            body=body,
            content_type="text/csv",
            charset="utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="codes-{group.id}.csv"; '
                f"filename*=UTF-8''{quote(filename + ' ' + group.name, safe='')}.csv",
                # Plain codes: not to be kept by any cache on the way.
                "Cache-Control": "no-store",
            },
        )
    response = cabinet_page(request, place, "cabinet/code_slips.html", "codes", issue=result)
    response.headers["Cache-Control"] = "no-store"
    return response
