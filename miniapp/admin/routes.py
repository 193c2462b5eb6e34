"""The monitoring pages' table of contents, added to the mini-app through its ``extra_routes``
hook, and the home-page link admins see."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from aiohttp import web

from core.activity.texts import FILTERS, T

from ..access import is_admin
from ..keys import HOME_LINKS, PAGES, HomeLink
from . import exports, federal, views

STATIC = Path(str(resources.files("miniapp.admin").joinpath("static")))
PREFIX = "/admin/monitoring"


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get(PREFIX, views.index, name="monitoring")
    r.add_get(PREFIX + "/{org}", views.unit, name="monitoring_unit")
    r.add_get(PREFIX + "/{org}/weeks", views.weeks, name="monitoring_weeks")
    r.add_get(PREFIX + "/{org}/chart.svg", views.chart, name="monitoring_chart")
    r.add_get(PREFIX + "/{org}/export.xlsx", views.export, name="monitoring_export")
    for path, name, handler in exports.ROUTES:
        r.add_get(PREFIX + "/{org}" + path, handler, name=name)
    r.add_get(PREFIX + "/{org}/thresholds", views.thresholds, name="monitoring_thresholds")
    r.add_post(PREFIX + "/{org}/thresholds", views.save_thresholds)
    r.add_static("/admin/static", STATIC, name="admin_static", append_version=False)
    # Prefixed: the journal's own filters (week_range of a date…) keep their names.
    app[PAGES].texts.env.filters.update({f"mon_{name}": f for name, f in FILTERS.items()})
    app[HOME_LINKS].append(HomeLink(T.label("home_link"), PREFIX, is_admin))
    # The federal ranking (issue 19): federal admins only, who are no role at an organisation.
    federal.setup(app)
    app[HOME_LINKS].append(
        HomeLink(T.label("federal_home_link"), federal.PATH, allowed=federal.is_federal_admin)
    )
