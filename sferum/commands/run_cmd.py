"""``sferum run``: the embedded default (sandbox + SQLite + all bots + mini-app) or real VK."""

from __future__ import annotations

import argparse
import asyncio

from core.config import load_settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "run", help="запустить ботов (по умолчанию — с локальной песочницей VK)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="запустить N процессов на одном адресе (только Callback API; или SFERUM_WORKERS)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sferum.app import serve
    from sferum.workers import (
        check_workers,
        configure_worker_logging,
        supervise,
        watch_parent,
        with_workers,
        worker_number,
    )

    settings = with_workers(load_settings(), getattr(args, "workers", None))
    check_workers(settings, from_option=getattr(args, "workers", None) is not None)
    if settings.workers > 1:  # this process supervises; the workers serve
        configure_worker_logging(settings, None)
        return asyncio.run(supervise(settings))
    number = worker_number()
    if number is not None:
        configure_worker_logging(settings, number)
        watch_parent()
    asyncio.run(serve(settings, clock=args.clock))
    return 0
