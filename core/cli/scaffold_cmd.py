"""``sferum new-bot NAME``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.scaffold.generate import ScaffoldError, generate


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("new-bot", help="создать заготовку нового бота-плагина")
    parser.add_argument("name", help="имя пакета: латиница, цифры, _ (например homework_helper)")
    parser.add_argument("--title", help="название бота по-русски")
    parser.add_argument(
        "--dir", type=Path, default=Path.cwd(), help="где создать (по умолчанию здесь)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        written = generate(args.name, args.dir, args.title)
    except ScaffoldError as exc:
        print(f"Ошибка: {exc}", file=sys.stderr)
        return 2
    root = written[0].parent
    print(f"Бот {args.name} создан в {root}:")
    for path in written:
        print(f"  {path.relative_to(root)}")
    print(f"Дальше: cd {root} && pip install -e . && python -m pytest")
    return 0
