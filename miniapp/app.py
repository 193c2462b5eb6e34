"""The mini-app factory (the aiohttp-demos layout: app.py builds, routes.py lists, views/ handle).

``create_app(services)`` returns an aiohttp application whose start-up brings the journal tables
up to date and, when the journal is empty but the demo district is loaded, fills the demo
journal. The caller owns ``services`` (opens and closes the database).

Extensions (the admin pages of issue 10) pass ``extra_routes``: callables that receive the
application and add their routes; they can use ``viewer.require_admin`` and add a ``HomeLink``
to ``app[HOME_LINKS]`` to appear on the home page. Plugins declare theirs on the Plugin
(``miniapp_routes``, ``home_links``); ``extension_routes(plugins)`` turns them into such hooks.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence

from aiohttp import web

from core.instance_secrets import instance_secret
from core.plugins.extensions import HomeLink, RouteHook
from core.plugins.spec import Plugin
from core.runtime.services import Services

from .access import JournalAccess
from .admin import setup as admin_pages
from .cabinet import setup as cabinet_pages
from .errors import error_pages
from .ids import PublicIds
from .journal.abc import JournalProvider
from .journal.cache import CachedJournal
from .journal.demo import has_demo_district, load_demo_journal
from .journal.sqlite import SqliteJournal, migrate_journal
from .keys import (
    ACCESS,
    CONFIG,
    HOME_LINKS,
    PAGES,
    PROVIDER,
    SERVICES,
    SESSIONS,
    MiniAppConfig,
)
from .pages import Pages
from .routes import setup_routes
from .security import SessionSigner, content_security_policy, security_headers

log = logging.getLogger("sferum.miniapp")

MAX_FORM_BYTES = 16 * 1024
SESSION_KEY_NAME = "miniapp_session"

def _home_links(links: Sequence[HomeLink]) -> RouteHook:
    def add(app: web.Application) -> None:
        app[HOME_LINKS].extend(links)

    return add


def extension_routes(plugins: Sequence[Plugin]) -> list[RouteHook]:
    """Every page beside the journal: the admin monitoring pages, the organisation cabinet and
    the plugins' ``miniapp_routes`` with their ``home_links`` (`sferum run` and `sferum miniapp`
    serve the same set)."""
    hooks: list[RouteHook] = [admin_pages, cabinet_pages]
    for plugin in plugins:
        hooks += plugin.miniapp_routes
        if plugin.home_links:
            hooks.append(_home_links(plugin.home_links))
    return hooks


def create_app(
    services: Services,
    *,
    config: MiniAppConfig | None = None,
    provider: JournalProvider | None = None,
    extra_routes: Sequence[RouteHook] = (),
    load_demo: bool = True,
) -> web.Application:
    config = config or MiniAppConfig.from_settings(services.settings)
    app = web.Application(middlewares=[error_pages], client_max_size=MAX_FORM_BYTES)
    app[SERVICES] = services
    app[CONFIG] = config
    app[PAGES] = Pages()
    app[HOME_LINKS] = []
    headers = security_headers(content_security_policy(config.frame_ancestors))

    async def add_headers(request: web.Request, response: web.StreamResponse) -> None:
        response.headers.update(headers)
        if request.path.startswith("/static/"):
            response.headers["Cache-Control"] = "public, max-age=86400"
        else:
            # Journal pages are personal: no shared or back-button caches keep them.
            response.headers["Cache-Control"] = "no-store"

    app.on_response_prepare.append(add_headers)

    async def journal(app: web.Application) -> AsyncIterator[None]:
        await migrate_journal(services.db)
        chosen = provider or CachedJournal(SqliteJournal(services.db))
        if load_demo and await chosen.is_empty() and await has_demo_district(services.db):
            summary = await load_demo_journal(services.people, with_district=False)
            log.info("demo journal loaded: %s lessons, %s marks", summary.lessons, summary.results)
        app[PROVIDER] = chosen
        app[ACCESS] = JournalAccess(services, chosen, PublicIds(services.db))
        yield

    async def sessions(app: web.Application) -> AsyncIterator[None]:
        if config.session_secret is not None:
            key = config.session_secret.encode()
        else:
            key = await instance_secret(services.db, SESSION_KEY_NAME, services.clock)
        app[SESSIONS] = SessionSigner(key, config.secret, config.session_ttl_s)
        yield

    app.cleanup_ctx.append(sessions)
    app.cleanup_ctx.append(journal)
    setup_routes(app)
    for hook in extra_routes:
        hook(app)
    return app


async def start_miniapp(
    services: Services, host: str, port: int, **options: object
) -> web.AppRunner:
    """Serve the mini-app in the running event loop (``sferum run`` embeds it this way)."""
    runner = web.AppRunner(create_app(services, **options), access_log=None)  # type: ignore[arg-type]
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
