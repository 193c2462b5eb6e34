"""One running sandbox: its state and services, start-up (load, seed), ticks and shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import web

from core.clock import Clock, SystemClock

from .api_http import ApiService
from .callback_api import CallbackDelivery
from .config import SandboxConfig
from .faults import FaultInjector
from .journal import Journal
from .longpoll import LongPollService
from .messaging import Messenger
from .persistence import SqliteStore
from .ratelimit import RateLimiter
from .records import Community
from .seed import seed_communities, seed_demo
from .state import SandboxState

log = logging.getLogger(__name__)
PRUNE_EVERY_S = 30.0


class SandboxRuntime:
    def __init__(
        self, config: SandboxConfig, clock: Clock | None = None, *, limit_clock: Clock | None = None
    ) -> None:
        """``limit_clock`` is what the per-token limit counts seconds on (default: ``clock``). A
        test on a ManualClock that checks real clients keep VK's limit passes SystemClock():
        the clients pace their calls in real time, which a stopped clock cannot judge."""
        config.validate()
        self.config = config
        self.clock = clock or SystemClock()
        self.state = SandboxState(config, self.clock)
        self.faults = FaultInjector(config.faults)
        self.messenger = Messenger(self.state, self.faults)
        self.callback = CallbackDelivery(self.state, self.messenger, config, self.clock)
        self.limiter = RateLimiter(
            config.rate_limit, limit_clock or self.clock, user_per_second=config.user_rate_limit
        )
        self.api = ApiService(self.state, self.messenger, self.callback, self.limiter, self.faults)
        self.longpoll = LongPollService(self.state, self.faults)
        self.store: SqliteStore | None = None
        self.created: list[Community] = []  # communities this start created (the CLI prints them)
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        if self.config.db != ":memory:":
            self.store = SqliteStore(self.config.db)
            await self.store.open()
            await self.store.load(self.state)
            self.state.journal = Journal()
        before = set(self.state.communities)
        if self.config.seed_demo:
            seed_demo(self.state)
        names = list(self.config.communities)
        if not names and not self.state.communities and self.config.default_community:
            names = [self.config.default_community]
        seed_communities(self.state, names)
        self.created = [c for gid, c in self.state.communities.items() if gid not in before]
        await self.flush()
        if self.config.background_tasks:
            self._tasks = [
                asyncio.create_task(self.callback.run(self.config.tick_interval_s)),
                asyncio.create_task(self._housekeeping()),
            ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        self.state.wake_all()
        await self.flush()
        await self.callback.close()
        if self.store is not None:
            await self.store.close()

    async def flush(self) -> int:
        if self.store is None or self.state.journal is None:
            return 0
        return await self.store.flush(self.state.journal)

    async def tick(self) -> int:
        """Do what is due on the clock: Callback API retries, pruning. Returns attempts made."""
        attempts = await self.callback.process_due()
        self.state.prune()
        self.limiter.prune()
        return attempts

    async def _housekeeping(self) -> None:
        since_prune = 0.0
        while True:
            await asyncio.sleep(self.config.flush_interval_s)
            try:
                await self.flush()
                since_prune += self.config.flush_interval_s
                if since_prune >= PRUNE_EVERY_S:
                    since_prune = 0.0
                    self.state.prune()
                    self.limiter.prune()
            except Exception:  # keep serving even if the disk is unhappy; report it
                log.exception("sandbox housekeeping failed")


RUNTIME = web.AppKey("sandbox_runtime", SandboxRuntime)
