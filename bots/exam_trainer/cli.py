"""``sferum tasks import FILE…``: validate task banks and upsert their tasks by id.

Every problem is printed on its own line naming the file, the task id and the field; a file with
problems changes nothing. Exit code 0 when every file was imported, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from core.clock import Clock
from core.config import load_settings
from core.plugins.migrations import MigrationSource, plugin_migrations
from core.storage import migrate, open_core_database

from .bank_format import Bank, BankError, load_bank
from .importer import import_bank, shipped_bank_files

# The plugin's migrations create the tables these commands use.
MIGRATIONS = MigrationSource("exam_trainer", "bots.exam_trainer")

def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tasks = sub.add_parser("tasks", help="банки заданий тренажёра ОГЭ/ЕГЭ")
    actions = tasks.add_subparsers(dest="tasks_command", metavar="ДЕЙСТВИЕ")
    importer = actions.add_parser(
        "import",
        help="проверить и загрузить банк заданий (YAML или JSON, формат — banks/FORMAT.md)",
        description="Проверяет каждый файл и загружает его задания по id (новые добавляет, "
        "прежние обновляет). Файл с ошибками не загружается; каждая ошибка называет файл, "
        "задание и поле.",
    )
    importer.add_argument(
        "files", nargs="*", type=Path, metavar="ФАЙЛ", help="файлы банков заданий"
    )
    importer.add_argument(
        "--shipped", action="store_true", help="загрузить банки, поставляемые с ботом"
    )
    importer.add_argument(
        "--check", action="store_true", help="только проверить файлы, ничего не загружая"
    )
    importer.set_defaults(handler=run_import)
    tasks.set_defaults(handler=lambda args: _usage(tasks))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def run_import(args: argparse.Namespace) -> int:
    files: list[Path] = list(args.files) + (shipped_bank_files() if args.shipped else [])
    if not files:
        print("Укажите файлы банков заданий или --shipped.", file=sys.stderr)
        return 2
    banks: list[Bank] = []
    failed = 0
    for path in files:
        try:
            banks.append(load_bank(path))
        except BankError as exc:
            failed += 1
            print(f"{path}: не загружен, ошибок: {len(exc.problems)}", file=sys.stderr)
            for problem in exc.problems:
                print(f"  {problem}", file=sys.stderr)
    if args.check:
        for bank in banks:
            print(f"{bank.source}: в порядке, заданий {len(bank.tasks)}")
        return 1 if failed else 0
    if banks:
        asyncio.run(_import(banks, args.clock))
    return 1 if failed else 0


async def _import(banks: list[Bank], clock: Clock) -> None:

    settings = load_settings()
    db = await open_core_database(settings.db_path)
    try:
        await migrate(db, plugin_migrations(MIGRATIONS))
        now = clock.now()
        for bank in banks:
            result = await import_bank(db, bank, now)
            print(
                f"{result.source}: {result.exam}, {bank.subject_title} — добавлено "
                f"{result.added}, обновлено {result.updated}"
            )
    finally:
        await db.close()
