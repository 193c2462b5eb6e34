"""``sferum monitoring``: activity monitoring from the command line.

    sferum monitoring import FILE [--week 2026-11-16] [--region-code 54] [--timezone ZONE]
    sferum monitoring table [--org ID] [--weeks 8] [--week DATE]
    sferum monitoring report [--org ID] [--week DATE]
    sferum monitoring xlsx OUT.xlsx [--org ID] [--weeks 8] [--week DATE]
    sferum monitoring thresholds show|set|reset --region 54 [--metric M --good 35 --low 25]
    sferum monitoring rebuild | recover

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
from typing import TypeVar

from core.activity.counts import Metric
from core.activity.export import workbook
from core.activity.importer import ImportFailed, PlatformImporter, describe, describe_failure
from core.activity.metrics import MonitoringError
from core.activity.report import COLUMNS, Reports
from core.activity.store import ActivityStore
from core.activity.summary import summary_text
from core.activity.texts import T as TEXTS
from core.activity.texts import cell, change, column_title, week_range
from core.activity.thresholds import DEFAULTS, ThresholdError, ThresholdStore
from core.clock import Clock
from core.config import load_settings
from core.storage import Database, open_core_database

T = TypeVar("T")
THRESHOLD_METRICS = [m.value for m in DEFAULTS]


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
    importing.set_defaults(handler=run_import)

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
        "action", choices=["show", "set", "reset"], help="показать, задать или сбросить пороги"
    )
    thresholds.add_argument("--region", required=True, help="код региона")
    thresholds.add_argument(
        "--metric", choices=THRESHOLD_METRICS, help="показатель (для set и reset)"
    )
    thresholds.add_argument("--good", type=float, help="норма: от, %%")
    thresholds.add_argument("--low", type=float, help="ниже нормы: до, %% (не указывать для цели)")
    thresholds.set_defaults(handler=run_thresholds)

    rebuild = commands.add_parser(
        "rebuild", help="пересчитать недельные счётчики из журнала событий"
    )
    rebuild.set_defaults(handler=run_rebuild)
    recover = commands.add_parser("recover", help="досчитать события прерванной загрузки")
    recover.set_defaults(handler=run_recover)


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def _with_db(args: argparse.Namespace, work: Callable[[Database, Clock], Awaitable[T]]) -> T:
    settings = load_settings()

    async def go() -> T:
        db = await open_core_database(settings.db_path)
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
    regions = await db.fetchall("SELECT id FROM organisations WHERE kind = 'region' ORDER BY id")
    if len(regions) != 1:
        raise MonitoringError("укажите организацию: --org ID")
    return int(regions[0]["id"])


def run_import(args: argparse.Namespace) -> int:
    try:
        week = date.fromisoformat(args.week) if args.week else None
    except ValueError:
        return _fail(f"Неделя {args.week!r}: ожидается дата вида 2026-11-16")

    async def work(db: Database, clock: Clock) -> str:
        result = await PlatformImporter(db, clock).import_file(
            args.file, week=week, region_code=args.region_code, timezone=args.timezone
        )
        return describe(result)

    try:
        print(_with_db(args, work))
    except ImportFailed as failure:
        return _fail(describe_failure(failure))
    return 0


def run_table(args: argparse.Namespace) -> int:
    async def work(db: Database, clock: Clock) -> str:
        reports = Reports.over(db, clock)
        org = await _default_org(db, args.org)
        last = await reports.week_for(org, args.week)
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

    return _report_errors(lambda: _with_db(args, work), args.week)


def run_report(args: argparse.Namespace) -> int:
    async def work(db: Database, clock: Clock) -> str:
        reports = Reports.over(db, clock)
        org = await _default_org(db, args.org)
        week = await reports.week_for(org, args.week)
        current = await reports.week_for(org)
        report = await reports.unit_report(org, week)
        return summary_text(report, finished=week.key < current.key)

    return _report_errors(lambda: _with_db(args, work), args.week)


def run_xlsx(args: argparse.Namespace) -> int:
    async def work(db: Database, clock: Clock) -> str:
        reports = Reports.over(db, clock)
        org = await _default_org(db, args.org)
        last = await reports.week_for(org, args.week)
        table = await reports.weekly_table(org, args.weeks, last)
        report = await reports.unit_report(org, last)
        data = workbook(report, table, clock.now().astimezone(last.zone))
        await asyncio.to_thread(args.out.write_bytes, data)
        return f"{args.out}: {len(table)} нед., {len(data)} байт"

    return _report_errors(lambda: _with_db(args, work), args.week)


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
        current = await store.for_region(args.region)
        lines = [f"Пороги региона {args.region}:"]
        for metric, threshold in current.by_metric.items():
            low = "—" if threshold.low is None else f"{threshold.low:g}"
            title = TEXTS.label(f"col_share_{metric.value}")
            # The code is what --metric takes.
            lines.append(
                f"  {title} (--metric {metric.value}): ниже нормы до {low} %, "
                f"норма от {threshold.good:g} %"
            )
        return "\n".join(lines)

    try:
        print(_with_db(args, work))
    except ThresholdError as exc:
        return _fail(f"Ошибка: {exc}")
    return 0


def _activity_store(db: Database, clock: Clock) -> ActivityStore:
    """Rebuild and recover count people without a region in the same zone."""
    return ActivityStore(db, clock=clock, default_timezone=load_settings().timezone)


def run_rebuild(args: argparse.Namespace) -> int:
    async def work(db: Database, clock: Clock) -> str:
        result = await _activity_store(db, clock).rebuild()
        return f"Пересчитано событий: {result.events}, учтено: {result.attributed}"

    print(_with_db(args, work))
    return 0


def run_recover(args: argparse.Namespace) -> int:
    async def work(db: Database, clock: Clock) -> str:
        result = await _activity_store(db, clock).recover()
        return f"Досчитано событий: {result.events}"

    print(_with_db(args, work))
    return 0
