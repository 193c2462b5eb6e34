"""``sferum run``: the embedded default (sandbox + SQLite + all bots + mini-app) or real VK.

With no token: start the sandbox in this process, create one community per bot, seed the demo
people, run every plugin against its community over HTTP exactly as against VK, start the mini-app,
and print the URLs. On real VK: every community of [communities] with its plugins (one each by
default; several with a main one), or the older vk_token/vk_group_id community with its one bot,
by long poll or by the Callback API (``/callback/<group_id>``) on the mini-app's server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from core.clock import Clock, SystemClock
from core.config import ConfigError, Settings, VkCommunity, secret_problems
from core.demo.district import build
from core.demo.loader import DEMO_JOURNAL_CODE
from core.gc_tuning import tune_gc
from core.plugins.loader import discover, installed
from core.plugins.spec import Plugin
from core.runtime.callback import add_callback_routes
from core.runtime.community import Community, CommunityConfig
from core.runtime.services import Services
from core.texts import CORE_TEXTS
from miniapp.app import create_app as create_miniapp
from miniapp.app import extension_routes
from miniapp.keys import MiniAppConfig
from miniapp.security import VK_FRAME_ANCESTORS
from sandbox.app import create_app as create_sandbox
from sandbox.config import SandboxConfig
from sandbox.runtime import RUNTIME

from .assembly import assemble, attach
from .demo import load_community_demo, load_run_demo, seed_run_sandbox
from .workers import worker_number

log = logging.getLogger("sferum")


@dataclass
class Running:
    services: Services
    communities: list[Community]
    tasks: list[asyncio.Task[None]]
    runners: list[web.AppRunner]
    urls: dict[str, str]

    async def stop(self) -> None:
        for community in self.communities:
            community.stop()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for community in self.communities:
            await community.close()
        for runner in self.runners:
            await runner.cleanup()
        await self.services.close()


async def _serve_app(
    app: web.Application, host: str, port: int, *, reuse_port: bool = False
) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    # reuse_port: one of `sferum run --workers N`'s processes, all on this host:port.
    site = web.TCPSite(runner, host, port, reuse_port=reuse_port or None)
    await site.start()
    bound = runner.addresses[0][1]
    return runner, f"http://{host}:{bound}"


def _community_error(name: str, key: str, kind: str, **values: Any) -> ConfigError:
    where = CORE_TEXTS.render("config_community_key.j2", name=name, key=key, env="")
    if name == "vk":  # the vk_token/vk_group_id community
        where = CORE_TEXTS.render("config_key.j2", key=key)
    return ConfigError(CORE_TEXTS.render("config_communities.j2", where=where, kind=kind, **values))


def _plan(
    settings: Settings, plugins: Sequence[Plugin] | None
) -> tuple[list[Plugin], list[VkCommunity]]:
    """The plugins to load and the real-VK communities to serve them in ([] on the sandbox)."""
    if settings.uses_sandbox:
        return (list(plugins) if plugins is not None else discover(settings.bots)), []
    communities = settings.vk_communities()
    if not communities:  # a token without vk_group_id: the first problem names it
        raise ConfigError(secret_problems(settings)[0])
    if not settings.communities:
        chosen = list(plugins) if plugins is not None else discover(settings.bots)
        if len(chosen) > 1:
            # One token used to carry every bot: a student's «меню» met the counsellor's
            # refusal. Which bot answers typed text must now be said in [communities].
            raise _community_error(
                "vk", "vk_token", "single_token", plugins=[p.name for p in chosen]
            )
        return chosen, communities
    given = {p.name: p for p in plugins} if plugins is not None else None
    known = sorted(given) if given is not None else installed()
    wanted: list[str] = []
    for community in communities:
        for name in community.plugins or ():
            if name not in known:
                raise _community_error(
                    community.name, "plugins", "unknown_plugin", plugin=name, known=known
                )
            if name not in wanted:
                wanted.append(name)
    if given is not None:
        return [given[name] for name in wanted], communities
    return discover(wanted), communities


async def start(
    settings: Settings, *, plugins: Sequence[Plugin] | None = None, clock: Clock | None = None
) -> Running:
    chosen, communities = _plan(settings, plugins)
    services = await assemble(
        settings, chosen, clock=clock, demo=load_run_demo if settings.uses_sandbox else None
    )
    running = Running(services, [], [], [], {})
    if settings.uses_sandbox:
        await _start_embedded(running, chosen)
    else:
        await _start_real_vk(running, chosen, communities)
    await _start_miniapp(running, chosen)
    await services.broadcasts.resume()
    running.tasks.append(asyncio.create_task(services.jobs.run()))
    running.tasks.append(asyncio.create_task(_flush_activity(services)))
    return running


async def _flush_activity(services: Services) -> None:
    while True:
        await asyncio.sleep(5)
        await services.activity.flush()


async def _start_embedded(running: Running, plugins: Sequence[Plugin]) -> None:
    settings = running.services.settings
    db_file = settings.db_file
    sandbox_db = ":memory:" if db_file is None else str(db_file.with_name("sandbox.db"))
    # VK's per-token limit counts real seconds whatever day the demo is set on (SFERUM_NOW).
    app = create_sandbox(
        SandboxConfig(db=sandbox_db, rate_limit=settings.rate_limit),
        running.services.clock,
        limit_clock=SystemClock(),
    )
    runner, url = await _serve_app(app, settings.sandbox_host, settings.sandbox_port)
    running.runners.append(runner)
    running.urls["sandbox"] = url
    communities = seed_run_sandbox(app[RUNTIME].state, plugins)
    for plugin, sandbox_community in zip(plugins, communities, strict=True):
        config = CommunityConfig(
            sandbox_community.id, sandbox_community.access_token, f"{url}/method/", (plugin.name,)
        )
        community = attach(running.services, [plugin], config)
        running.communities.append(community)
        running.tasks.append(asyncio.create_task(community.run_longpoll()))
        running.urls[plugin.title] = f"{url}/?peer={-sandbox_community.id}"
    await load_community_demo(
        running.services, plugins, [community.group_id for community in running.communities]
    )


async def _start_real_vk(
    running: Running, plugins: Sequence[Plugin], communities: Sequence[VkCommunity]
) -> None:
    """Each community with its own token and plugins; the Callback API finds them by group id
    (``_start_miniapp``)."""
    settings = running.services.settings
    by_name = {p.name: p for p in plugins}
    for plan in communities:
        members = list(plugins) if plan.plugins is None else [by_name[n] for n in plan.plugins]
        config = CommunityConfig(
            plan.group_id,
            plan.token,
            settings.vk_api_url,
            tuple(p.name for p in members),
            plan.callback_secret,
            plan.callback_confirmation,
            plan.main,
        )
        community = attach(running.services, members, config)
        running.communities.append(community)
        if settings.transport == "longpoll":
            running.tasks.append(asyncio.create_task(community.run_longpoll()))


async def _start_miniapp(running: Running, plugins: Sequence[Plugin]) -> None:
    settings = running.services.settings
    callbacks = (
        {c.group_id: c for c in running.communities} if settings.transport == "callback" else {}
    )
    config = MiniAppConfig.from_settings(settings)
    if "sandbox" in running.urls:
        # The web chat opens the app in a frame: allow where the sandbox really listens (a port
        # of 0 in the settings is picked only when it starts).
        ancestors = (*VK_FRAME_ANCESTORS, running.urls["sandbox"])
        config = MiniAppConfig.from_settings(settings, frame_ancestors=ancestors)
    app = create_miniapp(running.services, config=config, extra_routes=extension_routes(plugins))
    if callbacks:
        add_callback_routes(app, callbacks)
    runner, url = await _serve_app(
        app, settings.miniapp_host, settings.miniapp_port, reuse_port=worker_number() is not None
    )
    running.runners.append(runner)
    running.urls["miniapp"] = url
    if settings.uses_sandbox and "sandbox" in running.urls:
        await _register_miniapp(running.urls["sandbox"], url, settings)


async def _register_miniapp(sandbox_url: str, miniapp_url: str, settings: Settings) -> None:
    import aiohttp

    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{sandbox_url}/sandbox/api/apps",
            json={
                "app_id": settings.vk_app_id,
                "url": f"{miniapp_url}/",
                "secret": settings.app_secret,
            },
        ) as response,
    ):
        if response.status >= 400:
            log.warning("the sandbox refused the mini-app registration: %s", await response.text())


def describe(running: Running) -> str:
    lines = ["", "Сферум запущен."]
    if "sandbox" in running.urls:
        lines.append(f"  Веб-чат песочницы VK:  {running.urls['sandbox']}/")
        lines.append(
            f"  API песочницы:         {running.urls['sandbox']}/method/  "
            "(управление: /sandbox/api/)"
        )
    for name, url in running.urls.items():
        if name not in ("sandbox", "miniapp"):
            lines.append(f"  Бот «{name}»: {url}")
    lines.append(f"  Мини-приложение:       {running.urls.get('miniapp', '-')}/")
    if "sandbox" in running.urls:
        teacher = build().vk_ids()["smirnova"]
        lines.append(
            f"  Войдите в веб-чат как демо-учитель (VK id {teacher}) или другой демо-человек; "
            f"код журнала для подтверждения роли родителя: {DEMO_JOURNAL_CODE}"
        )
    lines.append("Остановить: Ctrl+C.")
    return "\n".join(lines)


async def serve(settings: Settings, *, clock: Clock | None = None) -> None:
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    running = await start(settings, clock=clock)
    tune_gc()
    print(describe(running), flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        with contextlib.suppress(Exception):
            await running.stop()
