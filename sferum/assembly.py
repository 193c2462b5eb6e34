"""How one process is put together: storage, services, core's handlers, the plugins, communities.

`sferum run` (app.py) and the sandbox bot harness (testing.py) both build here, so a test runs the
bots on exactly what production runs them on; they differ only in the demo data they load and in
where the communities' tokens come from.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence

from core.activity.federal_snapshots import setup as setup_federal_snapshots
from core.clock import Clock
from core.config import Settings
from core.plugins.install import install_plugins
from core.plugins.spec import Plugin
from core.runtime.community import Community, CommunityConfig
from core.runtime.core_handlers import CORE_LABELERS, setup_core_handlers
from core.runtime.services import Services

# Loads demo data once core is ready and before the plugins start (sferum/demo.py).
DemoLoader = Callable[[Services], Awaitable[None]]


async def assemble(
    settings: Settings,
    plugins: Sequence[Plugin],
    *,
    clock: Clock | None = None,
    demo: DemoLoader | None = None,
    federal_snapshots: bool = True,
    environ: Mapping[str, str] | None = None,
) -> Services:
    """The services of one process, migrated for ``plugins``, with core's handlers set up and
    the plugins started. ``federal_snapshots``: schedule the Monday job of the federal ranking
    (off in the harness, whose tests count the jobs they fire); ``environ``: where plugins'
    SFERUM_<NAME>_<FIELD> settings are read (the process's environment by default)."""
    services = await Services.open(settings, clock=clock, plugins=list(plugins))
    try:
        setup_core_handlers(services)
        if federal_snapshots:
            await setup_federal_snapshots(services)
        if demo is not None:
            await demo(services)
        # Plugin start-up, the one place for it: settings, provided services, jobs, on_startup.
        await install_plugins(services, plugins, environ=environ)
    except BaseException:
        await services.close()
        raise
    return services


def attach(services: Services, plugins: Sequence[Plugin], config: CommunityConfig) -> Community:
    """A community serving ``plugins`` after core's handlers, and its broadcast sender on the
    same token channel as its replies."""
    community = Community(services, config, plugins, core_labelers=CORE_LABELERS)
    services.broadcasts.connect(config.group_id, config.token, config.api_url)
    return community
