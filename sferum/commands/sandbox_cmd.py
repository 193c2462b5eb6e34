"""``sferum sandbox``: a local VK (API, Bots Long Poll, Callback API, web chat) until Ctrl+C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from pathlib import Path
from typing import TYPE_CHECKING

from core.clock import Clock
from core.config import Settings, load_settings

if TYPE_CHECKING:  # imported lazily at run time: `sferum --help` need not load the sandbox
    from sandbox.config import SandboxConfig
    from sandbox.runtime import SandboxRuntime

DEFAULT_COMMUNITY = "Сообщество песочницы"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "sandbox",
        help="локальная песочница VK: API, Long Poll, Callback API и веб-чат",
        description="Запускает локальный VK на HOST:PORT и печатает токены его сообществ.",
    )
    parser.add_argument("--host", help="адрес (по умолчанию настройка sandbox_host, 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, help="порт (по умолчанию sandbox_port, 8081; 0 — любой свободный)"
    )
    parser.add_argument(
        "--db",
        help="файл SQLite или :memory:, чтобы ничего не сохранять "
        "(по умолчанию sandbox.db рядом с db_path)",
    )
    parser.add_argument(
        "--rate-limit",
        type=float,
        help="запросов в секунду на токен (по умолчанию rate_limit, 20); 0 — без ограничения",
    )
    parser.add_argument(
        "--communities", default="", help='создать сообщества, если их нет: "Имя 1,Имя 2"'
    )
    parser.add_argument(
        "--seed-demo",
        action="store_true",
        help="добавить людей, профили и чаты демо-округа",
    )
    parser.add_argument("--public-url", help="внешний адрес песочницы, если он не HOST:PORT")
    parser.set_defaults(handler=run)


def _default_db(settings: Settings) -> str:
    db_file = settings.db_file
    return ":memory:" if db_file is None else str(db_file.with_name("sandbox.db"))


def run(args: argparse.Namespace) -> int:
    from sandbox.config import SandboxConfig

    settings = load_settings()
    db = args.db or _default_db(settings)
    if db != ":memory:":
        Path(db).parent.mkdir(parents=True, exist_ok=True)
    rate = settings.rate_limit if args.rate_limit is None else args.rate_limit
    config = SandboxConfig(
        db=db,
        rate_limit=rate if rate > 0 else None,
        public_url=args.public_url,
        seed_demo=args.seed_demo,
        communities=tuple(n.strip() for n in args.communities.split(",") if n.strip()),
        default_community=DEFAULT_COMMUNITY,
    )
    host = args.host or settings.sandbox_host
    port = settings.sandbox_port if args.port is None else args.port
    asyncio.run(_serve(config, host, port, args.clock))
    return 0


async def _serve(config: SandboxConfig, host: str, port: int, clock: Clock) -> None:
    from core.gc_tuning import tune_gc
    from sandbox.app import start_sandbox

    tune_gc()
    running = await start_sandbox(config, host, port, clock)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    # Ctrl+C and SIGTERM both stop cleanly, so the write-behind store gets its last flush.
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    try:
        print(banner(running.url, running.runtime), flush=True)
        await stop.wait()
        print("Песочница остановлена.", flush=True)
    finally:
        await running.stop()


def banner(url: str, runtime: SandboxRuntime) -> str:
    created = {c.id for c in runtime.created}
    lines = [
        f"Песочница VK запущена: {url}",
        f"  API VK:          {url}/method/",
        f"  Управление:      {url}/sandbox/api/",
        f"  Веб-чат:         {url}/",
        f"  База:            {runtime.config.db}",
        "Сообщества (group_id, токен):",
    ]
    for community in runtime.state.communities.values():
        mark = "  (создано)" if community.id in created else ""
        lines.append(f"  {community.name}: {community.id} {community.access_token}{mark}")
    lines.append("Остановить: Ctrl+C")
    return "\n".join(lines)
