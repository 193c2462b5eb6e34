"""``sferum run``: the embedded default (sandbox + SQLite + all bots + mini-app) or real VK."""

from __future__ import annotations

import argparse
import asyncio

from core.config import load_settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "run", help="запустить ботов (по умолчанию — с локальной песочницей VK)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sferum.app import serve

    settings = load_settings()
    asyncio.run(serve(settings, clock=args.clock))
    return 0
