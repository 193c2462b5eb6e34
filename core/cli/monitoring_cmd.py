"""``sferum monitoring``: activity monitoring from the command line.

    sferum monitoring import FILE [--week 2026-11-16] [--region-code 54] [--timezone Z] [--org ID]
    sferum monitoring export OUT [--sheet общая|учителя] [--format xlsx|csv] [--org ID] [--weeks 8]
    sferum monitoring table [--org ID] [--weeks 8] [--week DATE]
    sferum monitoring report [--org ID] [--week DATE]
    sferum monitoring xlsx OUT.xlsx [--org ID] [--weeks 8] [--week DATE]
    sferum monitoring thresholds show|set|reset --region 54 [--metric M --good 35 --low 25]
    sferum monitoring thresholds period --region 54 [--period before-2022-11-15|from-2022-11-15]
    sferum monitoring rebuild | recover
    sferum monitoring federal-admin add|remove|list [VK_ID]

``--org`` defaults to the region when the database holds exactly one. Exit code 0 on success,
2 when the input was unusable (the reason on stderr).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Literal, TypeVar

from core.activity.counts import Metric
from core.activity.export import workbook
from core.activity.export_tables import label
from core.activity.importer import ImportFailed, PlatformImporter, describe, describe_failure
from core.activity.metrics import MonitoringError
from core.activity.report import COLUMNS, Reports
from core.activity.store import ActivityStore
from core.activity.summary import summary_text
from core.activity.texts import T as TEXTS
from core.activity.texts import cell, change, column_title, week_range
from core.activity.thresholds import DEFAULTS, Period, ThresholdError, ThresholdStore
from core.activity.unit_exports import build_export
from core.activity.weekly_import import (
    WeeklyImporter,
    describe_weekly,
    describe_weekly_failure,
    is_weekly,
)
from core.activity.weeks import Week
from core.cli import federal_cmd
from core.clock import Clock
from core.config import load_settings
from core.storage import Database, open_core_database

T = TypeVar("T")
THRESHOLD_METRICS = [m.value for m in DEFAULTS]
# --sheet's Russian choices -> the export's sheet.
EXPORT_SHEETS: dict[str, Literal["general", "teachers"]] = {
    "общая": "general",
    "учителя": "teachers",
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "monitoring", help="мониторинг активности: импорт статистики, недельная таблица, xlsx"
    )
    commands = parser.add_subparsers(dest="monitoring_command", metavar="ДЕЙСТВИЕ", required=True)

    importing = commands.add_parser(
        "import", help="загрузить выгрузку статистики платформы (CSV или XLSX)"
    )
    importing.add_argument("file", type=Path, help="файл выгрузки (.csv или .xlsx)")
    importing.add_argument("--week", help="неделя, если в файле нет столбца с ней (любой её день)")
    importing.add_argument("--region-code", help="код региона, если в файле его нет (например 54)")
    importing.add_argument("--timezone", help="часовой пояс нового региона (по умолчанию по коду)")
    importing.add_argument(
        "--org",
        type=int,
        help="чья недельная статистика (строка на неделю); по умолчанию — по заголовку файла",
    )
    importing.set_defaults(handler=run_import)

    exporting = commands.add_parser(
        "export", help="выгрузить «Общую» таблицу или «По учителям» в .xlsx (с графиками) или .csv"
    )
    exporting.add_argument("out", type=Path, help="куда сохранить файл")
    exporting.add_argument(
        "--sheet",
        choices=list(EXPORT_SHEETS),
        default="общая",
        help="таблица: общая (недели и показатели) или учителя (каждый педагог по неделям)",
    )
    exporting.add_argument(
        "--format", choices=["xlsx", "csv"], default="xlsx", help="формат файла (по умолчанию xlsx)"
    )
    exporting.add_argument("--org", type=int, help="организация (по умолчанию регион)")
    exporting.add_argument("--week", help="последняя неделя (любой её день)")
    exporting.add_argument("--weeks", type=int, default=8, help="сколько недель")
    exporting.set_defaults(handler=run_export)

    for name, help_text in (
        ("table", "недельная таблица организации"),
        ("report", "сводка, как её присылает бот"),
        ("xlsx", "выгрузить таблицу в .xlsx"),
    ):
        command = commands.add_parser(name, help=help_text)
        if name == "xlsx":
            command.add_argument("out", type=Path, help="куда сохранить .xlsx")
        command.add_argument("--org", type=int, help="организация (по умолчанию регион)")
        command.add_argument("--week", help="последняя неделя таблицы (любой её день)")
        if name != "report":
            command.add_argument("--weeks", type=int, default=8, help="сколько недель")
        command.set_defaults(
            handler={"table": run_table, "report": run_report, "xlsx": run_xlsx}[name]
        )

    thresholds = commands.add_parser("thresholds", help="пороги показателей региона")
    thresholds.add_argument(
        "action",
        choices=["show", "set", "reset", "period"],
        help="показать, задать или сбросить пороги; или показать и выбрать период методики",
    )
    thresholds.add_argument("--region", required=True, help="код региона")
    thresholds.add_argument(
        "--metric", choices=THRESHOLD_METRICS, help="показатель (для set и reset)"
    )
    thresholds.add_argument("--good", type=float, help="норма: от, %%")
    thresholds.add_argument("--low", type=float, help="ниже нормы: до, %% (не указывать для цели)")
    thresholds.add_argument(
        "--period",
        choices=[p.value for p in Period],
        help="период методики (до или с 15.11.2022), по официальным порогам которого "
        "окрашиваются показатели региона",
    )
    thresholds.set_defaults(handler=run_thresholds)

    rebuild = commands.add_parser(
        "rebuild", help="пересчитать недельные счётчики из журнала событий"
    )
    rebuild.set_defaults(handler=run_rebuild)
    recover = commands.add_parser("recover", help="досчитать события прерванной загрузки")
    recover.set_defaults(handler=run_recover)
    federal_cmd.register(commands)  # federal-admin add|remove|list (issue 19)


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def _with_db(args: argparse.Namespace, work: Callable[[Database, Clock], Awaitable[T]]) -> T:
    settings = load_settings()

    async def go() -> T:
        db = await open_core_database(settings.database)
        try:
            return await work(db, args.clock)
        finally:
            await db.close()

    return asyncio.run(go())


async def _default_org(db: Database, org: int | None) -> int:
    if org is not None:
        if await db.fetchval("SELECT id FROM organisations WHERE id = ?", (org,)) is None:
            raise MonitoringError(f"организации {org} нет в базе")
        return org
    # Regions with schools of their own: the federal demo's regions are figures only (issue 19).
    regions = await db.fetchall(
        "SELECT id FROM organisations r WHERE kind = 'region' AND EXISTS (SELECT 1 FROM "
        "organisations s WHERE s.kind = 'school' AND s.region_code = r.region_code) ORDER BY id"
    )
    if len(regions) != 1:
        raise MonitoringError("укажите организацию: --org ID")
    return int(regions[0]["id"])


def run_import(args: argparse.Namespace) -> int:
    try:
        week = date.fromisoformat(args.week) if args.week else None
    except ValueError:
        return _fail(f"Неделя {args.week!r}: ожидается дата вида 2026-11-16")

    async def work(db: Database, clock: Clock) -> str:
        try:
            data = await asyncio.to_thread(args.file.read_bytes)
        except OSError:  # the importer says why, in Russian
            data = None
        if data is not None and is_weekly(data, args.file.name):
            # One unit, a row per week (the weekly sheet): weekly_import.py.
            weekly = await WeeklyImporter(db, clock).import_bytes(
                data, args.file.name, org_id=args.org
            )
            return describe_weekly(weekly)
        result = await PlatformImporter(db, clock).import_file(
            args.file, week=week, region_code=args.region_code, timezone=args.timezone
        )
        return describe(result)

    try:
        print(_with_db(args, work))
    except ImportFailed as failure:
        if failure.code.startswith("weekly_"):
            return _fail(describe_weekly_failure(failure))
        return _fail(describe_failure(failure))
    return 0


def run_table(args: argparse.Namespace) -> int:
    async def work(reports: Reports, org: int, last: Week, clock: Clock) -> str:
        table = await reports.weekly_table(org, args.weeks, last)
        unit = (await reports.monitoring.tree(org)).unit(org)
        # Transposed for a terminal: one line per column, one column per week.
        width = max(len(column_title(c)) for c in COLUMNS) + 2
        lines = [unit.name, " " * width + "".join(f"{week_range(r.week):>22}" for r in table)]
        for column in COLUMNS:
            shown = [
                f"{cell(r.value(column), column)} {change(r.trend(column), column)}" for r in table
            ]
            values = "".join(f"{text.strip():>22}" for text in shown)
            lines.append(f"{column_title(column):<{width}}{values}")
        return "\n".join(lines)

    return _run_on_week(args, work)


def run_report(args: argparse.Namespace) -> int:
    async def work(reports: Reports, org: int, week: Week, clock: Clock) -> str:
        current = await reports.week_for(org)
        report = await reports.unit_report(org, week)
        return summary_text(report, finished=week.key < current.key)

    return _run_on_week(args, work)


def run_xlsx(args: argparse.Namespace) -> int:
    async def work(reports: Reports, org: int, last: Week, clock: Clock) -> str:
        table = await reports.weekly_table(org, args.weeks, last)
        report = await reports.unit_report(org, last)
        data = workbook(report, table, clock.now().astimezone(last.zone))
        await asyncio.to_thread(args.out.write_bytes, data)
        return f"{args.out}: {len(table)} нед., {len(data)} байт"

    return _run_on_week(args, work)


def run_export(args: argparse.Namespace) -> int:
    async def work(reports: Reports, org: int, last: Week, clock: Clock) -> str:
        sheet = EXPORT_SHEETS[args.sheet]
        made = await build_export(
            reports, org, sheet, args.format, args.weeks, last, clock.now().astimezone(last.zone)
        )
        await asyncio.to_thread(args.out.write_bytes, made.data)
        return label("saved", path=str(args.out), rows=made.rows, size=len(made.data))

    return _run_on_week(args, work)


def _run_on_week(
    args: argparse.Namespace, work: Callable[[Reports, int, Week, Clock], Awaitable[str]]
) -> int:
    """A report command: ``work`` gets the organisation (--org) and week (--week) it is about."""

    async def on_db(db: Database, clock: Clock) -> str:
        reports = Reports.over(db, clock)
        org = await _default_org(db, args.org)
        return await work(reports, org, await reports.week_for(org, args.week), clock)

    return _report_errors(lambda: _with_db(args, on_db), args.week)


def _report_errors(run: Callable[[], str], week: str | None) -> int:
    try:
        print(run())
    except MonitoringError as exc:
        return _fail(f"Ошибка: {exc}")
    except ValueError:  # a bad --week: Python's own message is English
        return _fail(f"Ошибка: неделя «{week}» — ожидается дата вида 2026-11-16 или 2026-W48")
    return 0


def _check_threshold(good: float, low: float | None) -> None:
    """The store's own checks, said in Russian before it is asked."""
    for value in (good, low):
        if value is not None and not 0 <= value <= 100:
            raise ThresholdError(f"порог {value:g} — нужен процент от 0 до 100")
    if low is not None and low >= good:
        raise ThresholdError(f"--low ({low:g}) должен быть меньше --good ({good:g})")


def run_thresholds(args: argparse.Namespace) -> int:
    async def work(db: Database, clock: Clock) -> str:
        store = ThresholdStore(db, clock)
        if args.action == "set":
            if args.metric is None or args.good is None:
                raise ThresholdError("для set нужны --metric и --good")
            _check_threshold(args.good, args.low)
            await store.set(args.region, Metric(args.metric), low=args.low, good=args.good)
        elif args.action == "reset":
            await store.reset(args.region, Metric(args.metric) if args.metric else None)
        elif args.action == "period" and args.period is not None:
            await store.set_period(args.region, Period(args.period))
        current = await store.for_region(args.region)
        period = TEXTS.label(f"period_{current.period.name.lower()}")
        lines = [
            f"Пороги региона {args.region}:",
            # The code is what --period takes.
            f"  период методики: официальные пороги {period} (--period {current.period.value})",
        ]
        for metric, threshold in current.by_metric.items():
            low = "—" if threshold.low is None else f"{threshold.low:g}"
            title = TEXTS.label(f"col_share_{metric.value}")
            own = " (своё значение региона)" if metric in current.custom else ""
            # The code is what --metric takes.
            lines.append(
                f"  {title} (--metric {metric.value}): ниже нормы до {low} %, "
                f"норма от {threshold.good:g} %{own}"
            )
        return "\n".join(lines)

    try:
        print(_with_db(args, work))
    except ThresholdError as exc:
        return _fail(f"Ошибка: {exc}")
    return 0


def _on_activity_store(
    args: argparse.Namespace, work: Callable[[ActivityStore], Awaitable[str]]
) -> int:
    """Prints what ``work`` says on the activity store; rebuild and recover count people without
    a region in the same zone."""

    async def on_db(db: Database, clock: Clock) -> str:
        timezone = load_settings().timezone
        return await work(ActivityStore(db, clock=clock, default_timezone=timezone))

    print(_with_db(args, on_db))
    return 0


def run_rebuild(args: argparse.Namespace) -> int:
    async def work(store: ActivityStore) -> str:
        result = await store.rebuild()
        return f"Пересчитано событий: {result.events}, учтено: {result.attributed}"

    return _on_activity_store(args, work)


def run_recover(args: argparse.Namespace) -> int:
    async def work(store: ActivityStore) -> str:
        result = await store.recover()
        return f"Досчитано событий: {result.events}"

    return _on_activity_store(args, work)
