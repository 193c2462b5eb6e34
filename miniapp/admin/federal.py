"""The federal page: every region ranked by % active teachers and % active students, with the
change from the week before (core/activity/federal.py), and its CSV.

Who sees it: federal admins (``federal_admins``, granted with ``sferum monitoring federal-admin
add``); anyone else signed in gets 403, nobody signed in 401. A region's name links to its
monitoring page only when the viewer may see that page (an admin of the region itself).
Query parameters never crash the page: a bad ``week`` or ``basis`` falls back to the default.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from urllib.parse import quote

from aiohttp import web

from core.activity.federal import (
    Basis,
    FederalMonitoring,
    FederalRanking,
    messages_basis_available,
    ranking_rows,
)
from core.activity.federal_admins import FederalAdmins
from core.activity.metrics import Monitoring
from core.activity.texts import T, change, pct, week_range
from core.people import Identity

from ..keys import PAGES, SERVICES
from ..viewer import Viewer, current_viewer

PATH = "/admin/federal"
CSV_COLUMNS = (
    "rank",
    "name",
    "code",
    "teachers_registered",
    "teachers_active",
    "teachers_pct",
    "teachers_change",
    "students_registered",
    "students_active",
    "students_pct",
    "students_change",
)


async def is_federal_admin(request: web.Request, identity: Identity) -> bool:
    person = identity.person
    services = request.app[SERVICES]
    return person is not None and await FederalAdmins(services.db, services.clock).is_admin(
        person.id
    )


async def _require(request: web.Request) -> Viewer:
    viewer = await current_viewer(request)  # 401 when nobody is signed in
    if not await is_federal_admin(request, viewer.identity):
        raise web.HTTPForbidden()
    return viewer


def _basis(request: web.Request) -> Basis:
    try:
        basis = Basis(request.query.get("basis", Basis.ACTIVE.value))
    except ValueError:
        return Basis.ACTIVE
    return basis if basis == Basis.ACTIVE or messages_basis_available() else Basis.ACTIVE


async def _ranking(request: web.Request) -> tuple[Viewer, FederalRanking]:
    viewer = await _require(request)
    services = request.app[SERVICES]
    federal = FederalMonitoring(services.db, services.clock)
    monday = federal.choose_monday(request.query.get("week"))
    return viewer, await federal.ranking(monday, _basis(request))


def _query(ranking: FederalRanking, default_basis: bool = False) -> str:
    parts = [f"week={ranking.key}"]
    if ranking.basis != Basis.ACTIVE and not default_basis:
        parts.append(f"basis={ranking.basis.value}")
    return "&".join(parts)


async def page(request: web.Request) -> web.Response:
    viewer, ranking = await _ranking(request)
    services = request.app[SERVICES]
    person = viewer.identity.person
    mine = (
        set()
        if person is None
        else set(await Monitoring(services.db, services.clock).admin_units(person.id))
    )
    monday = ranking.monday
    later = monday + timedelta(days=7)
    return request.app[PAGES].page(
        "admin/federal.html",
        ranking=ranking,
        total=ranking.total,
        linked={row.org_id for row in ranking.rows if row.org_id in mine},
        week_label=week_range(ranking.week),
        previous_week=(monday - timedelta(days=7)).isoformat(),
        next_week=later.isoformat() if later <= ranking.current_monday else "",
        is_current=monday == ranking.current_monday,
        basis=ranking.basis.value,
        bases=[b.value for b in Basis if b == Basis.ACTIVE or messages_basis_available()],
        messages_available=messages_basis_available(),
        query=_query(ranking),
        pct=pct,
        change=change,
        crumbs=[],
    )


async def export_csv(request: web.Request) -> web.Response:
    _viewer, ranking = await _ranking(request)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([T.label(f"federal_col_{name}") for name in CSV_COLUMNS])
    total = T.label("federal_total")
    for row in ranking_rows(ranking):
        values = []
        for name in CSV_COLUMNS:
            value = row[name]
            if name == "name" and not value:
                value = total
            if isinstance(value, float):
                value = f"{value:.1f}".replace(".", ",")
            values.append("" if value is None else value)
        writer.writerow(values)
    russian = f"Рейтинг регионов — {ranking.key}.csv"
    return web.Response(
        # Excel opens a UTF-8 CSV with Cyrillic correctly only with the byte order mark.
        body=("\ufeff" + out.getvalue()).encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={
            "Content-Disposition": (
                f'attachment; filename="federal-{ranking.key}.csv"; '
                f"filename*=UTF-8''{quote(russian)}"
            )
        },
    )


def setup(app: web.Application) -> None:
    app.router.add_get(PATH, page, name="federal")
    app.router.add_get(PATH + "/ranking.csv", export_csv, name="federal_csv")
