"""The sandbox as an aiohttp application, and a helper that serves it on a host and port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web

from core.clock import Clock

from .config import SandboxConfig
from .origin_guard import origin_guard
from .routes import setup_routes
from .runtime import RUNTIME, SandboxRuntime

# Long polls wait up to 90 s; at shutdown we release them at once rather than wait that long.
SHUTDOWN_TIMEOUT_S = 1.0


def create_app(
    config: SandboxConfig, clock: Clock | None = None, *, limit_clock: Clock | None = None
) -> web.Application:
    """A sandbox application; its runtime (state and services) is app[RUNTIME]. The rate limit
    counts seconds on ``limit_clock`` (default: ``clock``; see SandboxRuntime)."""
    app = web.Application(
        client_max_size=16 * 1024 * 1024, middlewares=[origin_guard(config.public_url)]
    )
    runtime = SandboxRuntime(config, clock, limit_clock=limit_clock)
    app[RUNTIME] = runtime

    async def lifecycle(_app: web.Application) -> AsyncIterator[None]:
        await runtime.start()
        yield
        await runtime.stop()

    async def release_waiters(_app: web.Application) -> None:
        runtime.state.wake_all()

    app.cleanup_ctx.append(lifecycle)
    app.on_shutdown.append(release_waiters)
    setup_routes(app)
    return app


@dataclass
class RunningSandbox:
    url: str  # base URL, e.g. http://127.0.0.1:8081 (the API is url + "/method/")
    runner: web.AppRunner
    app: web.Application

    @property
    def runtime(self) -> SandboxRuntime:
        return self.app[RUNTIME]

    @property
    def api_url(self) -> str:
        return f"{self.url}/method/"

    async def stop(self) -> None:
        await self.runner.cleanup()

    # `async with await start_sandbox(...) as running:` stops it however the block ends.
    async def __aenter__(self) -> RunningSandbox:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


async def start_sandbox(
    config: SandboxConfig,
    host: str = "127.0.0.1",
    port: int = 0,
    clock: Clock | None = None,
    *,
    limit_clock: Clock | None = None,
) -> RunningSandbox:
    """Serve a new sandbox on host:port (0 picks a free port) and return its bound URL."""
    app = create_app(config, clock, limit_clock=limit_clock)
    runner = web.AppRunner(app, shutdown_timeout=SHUTDOWN_TIMEOUT_S, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1]
    shown = f"[{host}]" if ":" in host else host
    return RunningSandbox(f"http://{shown}:{bound}", runner, app)
