"""``sferum migrate`` and ``sferum demo-data``."""

from __future__ import annotations

import argparse
import asyncio
import sys

from core.config import load_settings
from core.demo.loader import load_demo
from core.people import PeopleRepository
from core.plugins.loader import discover, plugin_migrations
from core.storage import migrate, open_core_database
from core.texts import CORE_TEXTS


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    migrate = sub.add_parser("migrate", help="применить миграции базы данных")
    migrate.set_defaults(handler=run_migrate)
    demo = sub.add_parser("demo-data", help="загрузить демонстрационный округ (повторно безопасно)")
    demo.add_argument(
        "--force",
        action="store_true",
        help="загрузить и в базу для настоящего VK (демо-люди и опубликованный код DEMO-PA11)",
    )
    demo.set_defaults(handler=run_demo)


def run_migrate(args: argparse.Namespace) -> int:
    settings = load_settings()

    async def go() -> list[str]:
        plugins = discover(settings.bots)
        db = await open_core_database(settings.database)
        try:
            for plugin in plugins:
                await migrate(db, plugin_migrations(plugin))
        finally:
            await db.close()
        return [plugin.name for plugin in plugins]

    names = asyncio.run(go())
    print(CORE_TEXTS.render("migrate_done.j2", db=settings.database_shown, bots=names))
    return 0


def run_demo(args: argparse.Namespace) -> int:
    settings = load_settings()
    if not settings.uses_sandbox and not args.force:
        # The demo district comes with a published journal code: in a real school's database
        # anyone who reads the README could claim a parent's role with it.
        print(CORE_TEXTS.render("demo_refused.j2", db=settings.database_shown), file=sys.stderr)
        return 2

    async def go() -> None:
        db = await open_core_database(settings.database)
        try:
            summary = await load_demo(PeopleRepository(db, args.clock))
        finally:
            await db.close()
        print(CORE_TEXTS.render("demo_loaded.j2", db=settings.database_shown, summary=summary))

    asyncio.run(go())
    return 0
