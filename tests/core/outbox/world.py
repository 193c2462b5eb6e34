"""A sandbox VK with the demo district, and services that can be restarted over one database:
what the outbox tests (core's and each bot's) need to show a held-back message survives a
restart and reaches the person exactly once, counted on the VK side."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from core.clock import ManualClock, SystemClock
from core.config import Settings
from core.demo.district import TIMEZONE, build
from core.demo.loader import load_demo
from core.plugins.spec import Plugin
from core.runtime.services import Services
from sandbox.app import RunningSandbox, start_sandbox
from sandbox.config import SandboxConfig
from sandbox.records import Community
from sandbox.seed import seed_demo
from sferum.testing import Harness

ZONE = ZoneInfo(TIMEZONE)  # the demo district's zone


def local(*args: int) -> datetime:
    """A moment in the demo district's zone."""
    return datetime(*args, tzinfo=ZONE)  # type: ignore[misc]


# Monday 2026-11-23 in Novosibirsk (the conftest's pinned week): a night and its morning.
MONDAY_NIGHT = local(2026, 11, 23, 23, 30)
TUESDAY_MORNING = local(2026, 11, 24, 8, 0)
TUESDAY_NOON = local(2026, 11, 24, 12, 0)


def vk_of(key: str) -> int:
    return build().vk_ids()[key]


def community_texts(sandbox: RunningSandbox, group_id: int, vk_id: int) -> list[str]:
    """Every message the community has sent this person, on the sandbox's side."""
    conv = sandbox.runtime.state.conversation_for(vk_id, -group_id)
    if conv is None:
        return []
    return [m.text for m in conv.messages if m.from_id == -group_id]


async def person_id(services: Services, key: str) -> int:
    value = await services.db.fetchval(
        "SELECT id FROM persons WHERE external_id = ?", (f"demo:person:{key}",)
    )
    return int(value)


@dataclass
class World:
    sandbox: RunningSandbox
    community: Community
    clock: ManualClock
    db_path: Path

    @property
    def group_id(self) -> int:
        return self.community.id

    def texts(self, key: str) -> list[str]:
        return community_texts(self.sandbox, self.group_id, vk_of(key))

    @asynccontextmanager
    async def services(self, plugins: Sequence[Plugin] = ()) -> AsyncIterator[Services]:
        """One life of the process: services over the world's database (demo loaded the first
        time), the plugins started, the community's sender connected; closed on exit."""
        settings = Settings(
            db_path=str(self.db_path),
            vk_api_url=self.sandbox.api_url,
            vk_token=self.community.access_token,
            vk_group_id=self.community.id,
            rate_limit=1000,
        )
        services = await Services.open(settings, self.clock, list(plugins))
        try:
            if not await services.db.fetchval("SELECT count(*) FROM persons"):
                await load_demo(services.people)
            for plugin in plugins:
                if plugin.on_startup is not None:
                    await plugin.on_startup(services)
            services.broadcasts.connect(
                self.group_id, self.community.access_token, self.sandbox.api_url
            )
            yield services
        finally:
            await services.close()


@asynccontextmanager
async def world(
    tmp_path: Path, start: datetime, clock_type: type[ManualClock] = ManualClock
) -> AsyncIterator[World]:
    """A sandbox on the same manual clock as the services (VK's one-hour random_id memory runs
    on it too), the demo people allowing the community's messages."""
    clock = clock_type(start.astimezone(UTC))
    sandbox = await start_sandbox(
        SandboxConfig(background_tasks=False, rate_limit=None),
        clock=clock,
        limit_clock=SystemClock(),
    )
    try:
        state = sandbox.runtime.state
        community = state.create_community("Школа")
        seed_demo(state)
        for user_id in build().vk_ids().values():
            state.set_allowed(community, user_id, True)
        yield World(sandbox, community, clock, tmp_path / "sferum.db")
    finally:
        await sandbox.stop()


@asynccontextmanager
async def restarted(h: Harness, plugins: Sequence[Plugin]) -> AsyncIterator[Services]:
    """The bot's process after a restart: new services over the harness's database, the
    plugins started again, the community's sender connected (the old services are left idle)."""
    settings = h.services.settings
    services = await Services.open(settings, h.clock, list(plugins))
    try:
        for plugin in plugins:
            if plugin.on_startup is not None:
                await plugin.on_startup(services)
        assert settings.vk_token is not None
        services.broadcasts.connect(h.group_id, settings.vk_token, settings.vk_api_url)
        yield services
    finally:
        await services.close()
