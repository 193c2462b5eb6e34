"""Monitoring pages for admins: a unit's week (metrics with colours and trends, charts, the units
below it ranked, inactive schools), the weekly table, the xlsx export and the charts as SVG.

Who sees what: staff with the admin position, for the organisations they administer and
everything under them (a region admin drills down to every school; a school admin sees the
school). Anything else is 403, an unknown organisation 404. Query parameters never crash a page:
a bad ``week``, ``metric`` or ``weeks`` falls back to the default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aiohttp import web

from core.activity.charts import Series, TargetLine, bar_chart, line_chart
from core.activity.counts import RATED, SHARES, Metric
from core.activity.export import filename, workbook
from core.activity.metrics import MonitoringError
from core.activity.report import COLUMNS, SUMMARY, UNIT_COLUMNS, Reports, TableRow, UnitReport
from core.activity.summary import reason
from core.activity.targets import target
from core.activity.texts import T, change, column_title, number, pct, week_range
from core.activity.thresholds import (
    DEFAULTS,
    Period,
    Threshold,
    ThresholdError,
    Thresholds,
    period_of,
)
from core.activity.units import OrgTree, Unit
from core.activity.weeks import Week
from core.integers import ascii_id, ascii_int
from core.people import OrgKind

from ..access import AccessDenied
from ..keys import PAGES, SERVICES
from ..viewer import Viewer, check_csrf, require_admin

CHART_WEEKS = 8
MAX_WEEKS = 52
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Place:
    """What the request is about: who asks, which unit, which week."""

    viewer: Viewer
    reports: Reports
    tree: OrgTree
    unit: Unit
    week: Week
    current: Week
    admin_units: list[int]

    def may_see(self, org_id: int) -> bool:
        return any(self.tree.within(org_id, mine) for mine in self.admin_units if mine in self.tree)


def _reports(request: web.Request) -> Reports:
    services = request.app[SERVICES]
    return Reports.over(services.db, services.clock)


async def _admin_units(request: web.Request) -> tuple[Viewer, Reports, list[int]]:
    viewer = await require_admin(request)
    reports = _reports(request)
    person = viewer.identity.person
    units = [] if person is None else await reports.monitoring.admin_units(person.id)
    return viewer, reports, units


def _int(value: str | None, default: int, low: int, high: int) -> int:
    number = ascii_int(value)
    return default if number is None else max(low, min(high, number))


async def _place(request: web.Request) -> Place:
    viewer, reports, units = await _admin_units(request)
    # Only plain digits within 64 bits name an organisation (a 30-digit id overflows SQLite).
    org_id = ascii_id(request.match_info["org"])
    if org_id is None:
        raise web.HTTPNotFound()
    try:
        tree = await reports.monitoring.tree(org_id)
    except MonitoringError:
        raise web.HTTPNotFound() from None
    current = reports.monitoring.current_week(tree, org_id)
    week = current
    asked = request.query.get("week")
    if asked:
        try:
            week = Week.parse(asked, tree.timezone(org_id))
        except ValueError:
            week = current
    if week.key > current.key or week.key < current.previous(MAX_WEEKS * 2).key:
        week = current
    place = Place(viewer, reports, tree, tree.unit(org_id), week, current, units)
    if not place.may_see(org_id):
        raise AccessDenied(str(org_id))
    return place


def _applies(metric: Metric, unit: Unit) -> bool:
    """A school is connected by being a school: its "connected" share is never shown."""
    return not (metric == Metric.CONNECTED and unit.kind == OrgKind.SCHOOL)


def _metric(request: web.Request, unit: Unit) -> Metric:
    default = Metric.WRITERS3 if unit.kind == OrgKind.SCHOOL else Metric.CONNECTED
    try:
        metric = Metric(request.query.get("metric", default.value))
    except ValueError:
        return default
    return metric if _applies(metric, unit) else default


def _week_query(place: Place) -> str:
    return "" if place.week == place.current else f"week={place.week.key}"


# --- view models --------------------------------------------------------------------------------
def _tiles(report: UnitReport) -> list[dict[str, Any]]:
    tiles = []
    for metric in SUMMARY:
        if not _applies(metric, report.unit):
            continue
        part, whole = SHARES[metric]
        threshold = report.thresholds.get(metric)
        tiles.append(
            {
                "metric": metric.value,
                "title": T.label(f"metric_{metric.value}"),
                "value": report.share(metric),
                "detail": T.label(
                    "part_of",
                    part=number(getattr(report.current, part)),
                    whole=number(getattr(report.current, whole)),
                ),
                "colour": report.colour(metric).value,
                "change": change(report.trend(metric)),
                "up": (report.trend(metric).delta or 0) > 0,
                "threshold": threshold,
            }
        )
    return tiles


def _target_line(metric: Metric) -> TargetLine | None:
    """The metric's 2022–2023 region target as a chart draws it, None when it has none."""
    goal = target(metric)
    return None if goal is None else TargetLine(goal, T.label("target_line", value=pct(goal)))


def _history_chart(
    place: Place, table: list[TableRow], metric: Metric, thresholds: Thresholds
) -> str:
    weeks = [row.week for row in table]
    values = [row.counts.share(metric) for row in table]
    return line_chart(
        T.label(f"metric_{metric.value}"),
        weeks,
        [Series(place.unit.name, values)],
        thresholds.get(metric),
        _target_line(metric),
    )


def _people_chart(table: list[TableRow], title: str, teachers: Metric, students: Metric) -> str:
    weeks = [row.week for row in table]
    return line_chart(
        T.label(title),
        weeks,
        [
            Series(T.label("chart_teachers"), [row.counts.share(teachers) for row in table]),
            Series(T.label("chart_students"), [row.counts.share(students) for row in table]),
        ],
    )


def _children_chart(report: UnitReport, metric: Metric) -> str:
    items = [
        (
            ranked.row.unit.name,
            ranked.row.counts.share(metric),
            report.thresholds.colour(metric, ranked.row.counts.share(metric)),
        )
        for ranked in sorted(
            report.children,
            key=lambda r: -(r.row.counts.share(metric) or -1.0),
        )[:40]
    ]
    return bar_chart(T.label(f"metric_{metric.value}"), items, _target_line(metric))


# --- handlers -----------------------------------------------------------------------------------
async def index(request: web.Request) -> web.StreamResponse:
    units = (await _admin_units(request))[2]
    if not units:
        raise web.HTTPForbidden()
    raise web.HTTPFound(f"/admin/monitoring/{units[0]}")


async def unit(request: web.Request) -> web.Response:
    place = await _place(request)
    metric = _metric(request, place.unit)
    reports = place.reports
    report = await reports.unit_report(place.unit.id, place.week)
    table = await reports.weekly_table(place.unit.id, CHART_WEEKS, place.week)
    own = next((s for s in report.inactive if s.unit.id == place.unit.id), None)
    metrics = [m for m in RATED if _applies(m, place.unit)]
    return request.app[PAGES].page(
        "admin/monitoring_unit.html",
        place=place,
        report=report,
        tiles=_tiles(report),
        metric=metric.value,
        metrics=[(m.value, column_title(_share_column(m))) for m in metrics],
        history_svg=_history_chart(place, table, metric, report.thresholds),
        people_svg=_people_chart(
            table, "chart_active", Metric.TEACHERS_ACTIVE, Metric.STUDENTS_ACTIVE
        ),
        # Who wrote at least one message (a group chat or a bot), as the municipal tables count.
        writing_svg=_people_chart(
            table, "chart_writing", Metric.TEACHERS_WRITING, Metric.STUDENTS_WRITING
        ),
        children_svg=_children_chart(report, metric) if report.children else "",
        columns=[(c, column_title(c)) for c in UNIT_COLUMNS],
        crumbs=[(u, place.may_see(u.id)) for u in report.path],
        own_reason=reason(own) if own is not None else "",
        reasons={s.unit.id: reason(s) for s in report.inactive},
        week_query=_week_query(place),
        previous_week=place.week.previous().key,
        next_week=place.week.next().key if place.week.key < place.current.key else "",
        week_label=week_range(place.week),
        finished=place.week.key < place.current.key,
    )


def _share_column(metric: Metric) -> Any:
    return next(c for c in COLUMNS + UNIT_COLUMNS if c.metric == metric)


async def weeks(request: web.Request) -> web.Response:
    place = await _place(request)
    count = _int(request.query.get("weeks"), CHART_WEEKS, 1, MAX_WEEKS)
    table = await place.reports.weekly_table(place.unit.id, count, place.week)
    thresholds = await place.reports.thresholds.for_region(place.unit.region_code)
    return request.app[PAGES].page(
        "admin/monitoring_weeks.html",
        place=place,
        rows=list(reversed(table)),
        columns=[(c, column_title(c)) for c in COLUMNS],
        thresholds=thresholds,
        count=count,
        crumbs=[(u, place.may_see(u.id)) for u in reversed(place.tree.ancestors(place.unit.id))],
        week_query=_week_query(place),
    )


async def chart(request: web.Request) -> web.Response:
    place = await _place(request)
    metric = _metric(request, place.unit)
    count = _int(request.query.get("weeks"), CHART_WEEKS, 2, MAX_WEEKS)
    table = await place.reports.weekly_table(place.unit.id, count, place.week)
    # Only the region's thresholds are drawn: the whole unit report is not needed here.
    thresholds = await place.reports.thresholds.for_region(place.unit.region_code)
    return web.Response(
        text=_history_chart(place, table, metric, thresholds), content_type="image/svg+xml"
    )


async def export(request: web.Request) -> web.Response:
    place = await _place(request)
    count = _int(request.query.get("weeks"), CHART_WEEKS, 1, MAX_WEEKS)
    table = await place.reports.weekly_table(place.unit.id, count, place.week)
    report = await place.reports.unit_report(place.unit.id, place.week)
    now = request.app[SERVICES].clock.now().astimezone(place.week.zone)
    data = workbook(report, table, now)
    russian = f"Мониторинг — {place.unit.name} — {place.week.key}.xlsx"
    return web.Response(
        body=data,
        content_type=XLSX,
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{filename(report)}\"; filename*=UTF-8''{quote(russian)}"
            )
        },
    )


# --- thresholds -----------------------------------------------------------------------------------
def _region_admin(place: Place) -> bool:
    """Thresholds belong to the region: only its admins change them."""
    return place.tree.top(place.unit.id).id in place.admin_units


def _percent(value: str | None) -> float | None:
    text = (value or "").strip().replace(",", ".").rstrip("%").strip()
    if not text:
        return None
    number = float(text)  # ValueError for anything else: reported on the page
    if number != number:  # NaN
        raise ValueError(text)
    return number


def _period_label(period: Period) -> str:
    return T.label(f"period_{period.name.lower()}")


async def _thresholds_page(
    request: web.Request,
    place: Place,
    *,
    problems: dict[str, str],
    saved: bool,
    status: int = 200,
    period_saved: bool = False,
) -> web.Response:
    current = await place.reports.thresholds.for_region(place.unit.region_code)
    rows = [
        (
            metric.value,
            column_title(_share_column(metric)),
            threshold,
            current.official[metric],
            metric in current.custom,
        )
        for metric, threshold in current.by_metric.items()
    ]
    return request.app[PAGES].response(
        "admin/monitoring_thresholds.html",
        status=status,
        place=place,
        rows=rows,
        period=current.period.value,
        period_label=_period_label(current.period),
        periods=[(p.value, _period_label(p)) for p in Period],
        editable=_region_admin(place),
        problems=problems,
        saved=saved,
        period_saved=period_saved,
        viewer=place.viewer,
        crumbs=[],
        week_query="",
    )


async def thresholds(request: web.Request) -> web.Response:
    place = await _place(request)
    return await _thresholds_page(request, place, problems={}, saved=False)


async def save_thresholds(request: web.Request) -> web.Response:
    """Either form of the thresholds page: the period (``form=period``) or the values."""
    place = await _place(request)
    data = await request.post()
    check_csrf(request, place.viewer, data)
    if not _region_admin(place):
        raise web.HTTPForbidden()
    store = place.reports.thresholds
    region = place.unit.region_code
    if data.get("form") == "period":
        raw = data.get("period")
        period = period_of(raw if isinstance(raw, str) else None)
        if period is None:
            return await _thresholds_page(
                request, place, problems={"period": "invalid"}, saved=False, status=400
            )
        await store.set_period(region, period)
        return await _thresholds_page(request, place, problems={}, saved=False, period_saved=True)
    official = (await store.for_region(region)).official
    problems: dict[str, str] = {}
    chosen: list[tuple[Metric, float | None, float]] = []
    for metric in DEFAULTS:
        low_raw, good_raw = data.get(f"{metric.value}_low"), data.get(f"{metric.value}_good")
        try:
            low = _percent(low_raw if isinstance(low_raw, str) else None)
            good = _percent(good_raw if isinstance(good_raw, str) else None)
            if good is None:
                raise ValueError("good")
            Threshold(metric, low, good)  # validates the range and the order
        except (ValueError, ThresholdError):
            problems[metric.value] = "invalid"
            continue
        chosen.append((metric, low, good))
    if problems:
        return await _thresholds_page(request, place, problems=problems, saved=False, status=400)
    for metric, low, good in chosen:
        # The period's official value is no value of the region's own: it follows the period
        # (a later change of period recolours this metric too).
        if (low, good) == (official[metric].low, official[metric].good):
            await store.reset(region, metric)
        else:
            await store.set(region, metric, low=low, good=good)
    return await _thresholds_page(request, place, problems={}, saved=True)
