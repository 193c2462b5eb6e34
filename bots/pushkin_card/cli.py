"""``sferum events import FILE|--api``: load Pushkin-card events into the database.

A file is read whole; the API is paged (``api_url`` and ``api_key`` of the plugin's settings:
``[bots.pushkin_card]`` of sferum.toml or ``SFERUM_PUSHKIN_CARD_API_URL``/``_API_KEY``)
and, after the first run, asked only for events starting from the last one seen (``--full``
re-reads everything). Bad records are skipped and counted by reason; the exit code is 0 when
the source was readable, 2 when it was not.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from core.config import load_settings
from core.plugins.settings import load_plugin_settings
from core.storage import load_migrations, migrate, open_core_database

from .importer import EventImporter, ImportReport
from .kit import NAME
from .settings import PushkinSettings
from .sources import ApiSource, EventSource, FileSource, SourceError
from .ui import T


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    events = sub.add_parser("events", help="мероприятия «Пушкинской карты»: импорт афиши")
    actions = events.add_subparsers(dest="events_command", metavar="ДЕЙСТВИЕ", required=True)
    importing = actions.add_parser(
        "import",
        help="загрузить мероприятия из файла или из API PRO.Культура.РФ",
        description="Загружает данные PRO.Культура.РФ (API v2.5, /pushkinsCardEvents).",
    )
    what = importing.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "file", nargs="?", type=Path, help="файл JSON: {total, events} или список мероприятий"
    )
    what.add_argument(
        "--api",
        action="store_true",
        help="прочитать API (настройки — [bots.pushkin_card] в sferum.toml или "
        "SFERUM_PUSHKIN_CARD_API_URL и SFERUM_PUSHKIN_CARD_API_KEY)",
    )
    importing.add_argument(
        "--full", action="store_true", help="с --api: перечитать всё, а не только новое"
    )
    importing.set_defaults(handler=run_import)


def _print_report(report: ImportReport, seconds: float) -> None:
    print(
        f"Импорт из {report.source}: загружено {report.imported}, сеансов {report.sessions}, "
        f"пропущено {report.skipped_total}, за {seconds:.1f} с."
    )
    for reason, count in report.skipped.most_common():
        why = T.render("import_reason.j2", reason=reason)
        example = report.examples.get(reason, "")
        print(
            f"  пропущено — {why}: {count}" + (f"; например, запись {example}" if example else "")
        )
    if report.dropped_seances:
        print(f"  отброшено испорченных сеансов: {report.dropped_seances}")
    if report.removed or report.pruned:
        print(f"  удалено: вышли из программы {report.removed}, давно прошли {report.pruned}")


def run_import(args: argparse.Namespace) -> int:
    settings = load_settings()

    async def go() -> ImportReport:
        db = await open_core_database(settings.db_path)
        try:
            await migrate(db, load_migrations(NAME, "bots.pushkin_card"))
            importer = EventImporter(db, args.clock)
            source: EventSource
            if args.api:
                start = None if args.full else await importer.last_watermark()
                own = load_plugin_settings(NAME, PushkinSettings, settings)
                source = ApiSource(own, start_ms=start)
            else:
                source = FileSource(args.file)
            return await importer.run(source)
        finally:
            await db.close()

    started = time.perf_counter()
    try:
        report = asyncio.run(go())
    except SourceError as exc:
        print(f"Импорт не выполнен: {exc}", file=sys.stderr)
        return 2
    _print_report(report, time.perf_counter() - started)
    return 0
