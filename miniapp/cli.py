"""``sferum miniapp`` (serve the e-journal mini-app) and ``sferum journal import``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from core.config import load_settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser("miniapp", help="запустить мини-приложение «Электронный журнал»")
    serve.add_argument("--host", help="адрес (по умолчанию miniapp_host из настроек)")
    serve.add_argument("--port", type=int, help="порт (по умолчанию miniapp_port, 8082)")
    serve.add_argument(
        "--behind-proxy",
        action="store_true",
        help="за HTTPS-прокси: доверять заголовку X-Forwarded-Proto (как настройка behind_proxy)",
    )
    serve.set_defaults(handler=run_miniapp)

    journal = sub.add_parser("journal", help="электронный журнал: импорт данных")
    journal_sub = journal.add_subparsers(dest="journal_command", metavar="КОМАНДА")
    load = journal_sub.add_parser(
        "import",
        help="загрузить выгрузку OneRoster 1.2 (CSV) или демо-журнал",
        description="DIR — папка с CSV-файлами OneRoster 1.2 (orgs.csv, users.csv, roles.csv, "
        "classes.csv, enrollments.csv, academicSessions.csv, courses.csv, lineItems.csv, "
        "results.csv...). Повторный импорт обновляет записи, не создавая дублей.",
    )
    source = load.add_mutually_exclusive_group(required=True)
    source.add_argument("dir", nargs="?", type=Path, help="папка выгрузки OneRoster")
    source.add_argument("--demo", action="store_true", help="демо-округ и его журнал")
    load.add_argument("--region", help="код региона (54 — Новосибирская область)")
    load.set_defaults(handler=run_import)

    def usage(args: argparse.Namespace) -> int:
        journal.print_help()
        return 2

    journal.set_defaults(handler=usage)


def run_miniapp(args: argparse.Namespace) -> int:
    from aiohttp import web

    from core.gc_tuning import tune_gc
    from core.plugins.loader import discover
    from core.runtime.services import Services

    from .app import create_app, extension_routes
    from .keys import MiniAppConfig

    settings = load_settings()
    host = args.host or settings.miniapp_host
    port = args.port or settings.miniapp_port

    async def build() -> web.Application:
        plugins = discover(settings.bots)
        services = await Services.open(settings, clock=args.clock, plugins=plugins)
        app = create_app(
            services,
            config=MiniAppConfig.from_settings(
                settings, trust_forwarded_proto=args.behind_proxy or settings.behind_proxy
            ),
            extra_routes=extension_routes(plugins),
        )

        async def close(app: web.Application) -> None:
            await services.close()

        async def tuned(app: web.Application) -> None:
            tune_gc()

        app.on_cleanup.append(close)
        app.on_startup.append(tuned)
        return app

    print(f"Мини-приложение «Электронный журнал»: http://{host}:{port}/")
    web.run_app(build(), host=host, port=port, print=None, access_log=None)
    return 0


def run_import(args: argparse.Namespace) -> int:
    from core.people import PeopleRepository
    from core.storage import open_core_database

    from .journal.csvfile import CsvError
    from .journal.demo import load_demo_journal
    from .journal.oneroster import import_oneroster
    from .journal.sqlite import migrate_journal

    settings = load_settings()

    async def go() -> int:
        db = await open_core_database(settings.db_path)
        try:
            await migrate_journal(db)
            people = PeopleRepository(db, args.clock)
            if args.demo:
                demo = await load_demo_journal(people)
                print(
                    f"Демо-журнал загружен в {settings.db_path}: предметов {demo.classes}, "
                    f"уроков {demo.lessons}, заданий {demo.homework}, оценок {demo.results}."
                )
                return 0
            try:
                summary = await import_oneroster(args.dir, people, region_code=args.region)
            except CsvError as exc:
                print(f"Ошибка импорта: {exc}", file=sys.stderr)
                return 1
            skipped = ", ".join(f"{k}: {v}" for k, v in sorted(summary.skipped.items()))
            print(
                f"Импорт OneRoster из {args.dir} в {settings.db_path}: организаций "
                f"{summary.organisations}, людей {summary.persons}, ролей {summary.roles}, "
                f"связей родитель–ребёнок {summary.parent_links}, периодов {summary.terms}, "
                f"классов {summary.classes}, зачислений {summary.enrollments}, "
                f"строк журнала {summary.line_items}, оценок {summary.results}."
                + (f" Пропущено — {skipped}." if skipped else "")
            )
            return 0
        finally:
            await db.close()

    return asyncio.run(go())
