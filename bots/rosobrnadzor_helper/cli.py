"""``sferum kb``: the Rosobrnadzor helper's knowledge base from the command line.

``sferum kb import FILE`` upserts entries by id from YAML or CSV (``retired: true`` retires one);
the running bot sees the change on its next question, no restart. ``sferum kb search "вопрос"``
prints the top 3 entries, one a line: id, a tab, the title — or, when the base does not answer the
question (small talk, another subject: triage.py, the bot's own decision), «Ничего не найдено»
and exits 1.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from core.config import load_settings
from core.plugins.migrations import MigrationSource, plugin_migrations
from core.storage import Database, migrate, open_core_database

from .kb import ImportReport, KnowledgeBase
from .kb_import import KbFileError
from .triage import triage

R = TypeVar("R")


# The plugin's migrations create the tables these commands use.
MIGRATIONS = MigrationSource("rosobrnadzor_helper", "bots.rosobrnadzor_helper")

def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("kb", help="база знаний помощника Рособрнадзора: импорт и поиск")
    kb_sub = parser.add_subparsers(dest="kb_command", metavar="ДЕЙСТВИЕ", required=True)
    load = kb_sub.add_parser(
        "import",
        help="добавить, изменить или снять записи из файла YAML или CSV (по id)",
        description=(
            "YAML: список записей с полями id, title, questions, answer, source, source_date, "
            "category, tags, related, unverified, retired. CSV: те же столбцы, элементы списков "
            "через «|». Запись с существующим id может содержать только меняемые поля; "
            "retired: true снимает запись. Ошибка в одной записи отменяет весь импорт."
        ),
    )
    load.add_argument("file", type=Path, help="файл записей (.yaml или .csv)")
    load.set_defaults(handler=run_import)
    search = kb_sub.add_parser(
        "search",
        help="три лучшие записи по вопросу: id и заголовок (нет ответа — код 1)",
    )
    search.add_argument("question", help="вопрос, как его написал бы учитель")
    search.set_defaults(handler=run_search)


async def _with_kb(args: argparse.Namespace, action: Callable[[KnowledgeBase], Awaitable[R]]) -> R:

    settings = load_settings()
    db: Database = await open_core_database(settings.db_path)
    try:
        await migrate(db, plugin_migrations(MIGRATIONS))
        kb = KnowledgeBase(db, clock=args.clock)
        await kb.ensure_ready()
        return await action(kb)
    finally:
        await db.close()


def _summary(report: ImportReport) -> list[str]:
    lines = [
        f"Добавлено: {len(report.added)}, изменено: {len(report.updated)}, "
        f"снято: {len(report.retired)}, без изменений: {len(report.unchanged)}."
    ]
    if report.unknown_retired:
        lines.append(f"Не найдены для снятия: {', '.join(report.unknown_retired)}.")
    if report.dangling_related:
        lines.append(
            f"Ссылки related на отсутствующие записи: {'; '.join(report.dangling_related)}."
        )
    return lines


def run_import(args: argparse.Namespace) -> int:
    async def go(kb: KnowledgeBase) -> ImportReport:
        return await kb.import_file(args.file)

    try:
        report = asyncio.run(_with_kb(args, go))
    except KbFileError as exc:
        print(f"Импорт отменён, база не изменена. Ошибки в {args.file}:", file=sys.stderr)
        for problem in exc.problems[:50]:
            print(f"  {problem}", file=sys.stderr)
        return 1
    for line in _summary(report):
        print(line)
    return 0


def run_search(args: argparse.Namespace) -> int:
    async def go(kb: KnowledgeBase) -> list[tuple[str, str]]:
        found = await triage(kb, args.question)
        if found.result is None or not found.answered:
            return []
        return [(hit.entry.entry_id, hit.entry.title) for hit in found.result.hits]

    rows = asyncio.run(_with_kb(args, go))
    if not rows:
        print("Ничего не найдено.", file=sys.stderr)
        return 1
    for entry_id, title in rows:
        print(f"{entry_id}\t{title}")
    return 0
