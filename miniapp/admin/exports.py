"""Downloads of «Общая» and «По учителям» (xlsx with charts, csv) for a monitoring unit:
``/admin/monitoring/{org}/general.xlsx|general.csv|teachers.xlsx|teachers.csv?weeks=N&week=DATE``.

The same access as «Скачать .xlsx» (views.export): admins, for the units they administer and
everything under them; 403 otherwise, 404 for an unknown unit; a bad ``weeks`` or ``week`` falls
back to the default.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import quote

from aiohttp import web

from core.activity.unit_exports import Format, Sheet, build_export

from ..keys import SERVICES
from .views import CHART_WEEKS, MAX_WEEKS, _int, _place

Handler = Callable[[web.Request], Awaitable[web.Response]]


async def download(request: web.Request, sheet: Sheet, fmt: Format) -> web.Response:
    place = await _place(request)
    count = _int(request.query.get("weeks"), CHART_WEEKS, 1, MAX_WEEKS)
    now = request.app[SERVICES].clock.now().astimezone(place.week.zone)
    made = await build_export(place.reports, place.unit.id, sheet, fmt, count, place.week, now)
    return web.Response(
        body=made.data,
        headers={
            "Content-Type": made.content_type,
            "Content-Disposition": (
                f"attachment; filename=\"{made.filename}\"; filename*=UTF-8''{quote(made.russian)}"
            ),
        },
    )


def handler(sheet: Sheet, fmt: Format) -> Handler:
    async def view(request: web.Request) -> web.Response:
        return await download(request, sheet, fmt)

    view.__name__ = f"{sheet}_{fmt}"
    return view


# (path under /admin/monitoring/{org}/, route name, handler)
ROUTES: tuple[tuple[str, str, Handler], ...] = tuple(
    (f"/{sheet}.{fmt}", f"monitoring_{sheet}_{fmt}", handler(sheet, fmt))
    for sheet in ("general", "teachers")
    for fmt in ("xlsx", "csv")
)
