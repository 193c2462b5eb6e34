"""A sandbox holding a large audience (VK users who allowed the community's messages), for the
broadcast tests that count messages on the VK side."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.broadcast import Audience, BroadcastSpec
from core.clock import clock_from_environment
from core.config import Settings
from core.runtime.services import Services
from core.storage import POSTGRES_SCHEMES
from core.vk.batch_sender import BatchSender
from sandbox.app import RunningSandbox, start_sandbox
from sandbox.config import SandboxConfig
from sandbox.records import Community
from sferum.testing import populate_school


@dataclass
class School:
    """Our side: services whose school holds the whole audience as parents, and a sender to the
    audience's community registered with the broadcast engine."""

    services: Services
    sender: BatchSender
    author: int  # a counsellor of the school
    org: int
    group_id: int

    async def broadcast_to_parents(self, template: str) -> int:
        return await self.services.broadcasts.create(
            BroadcastSpec(self.author, self.group_id, Audience.parents(self.org), template)
        )


@dataclass
class BulkAudience:
    sandbox: RunningSandbox
    community: Community
    first: int  # VK ids first..last, each of whom allowed the community's messages
    last: int

    @property
    def vk_ids(self) -> range:
        return range(self.first, self.last + 1)

    @asynccontextmanager
    async def school(self, db_path: Path | str, rate_limit: float) -> AsyncIterator[School]:
        """``db_path``: a SQLite file, or a PostgreSQL URL (``postgresql://…``)."""
        async with self.worker(db_path, rate_limit) as (services, sender):
            author, org = await populate_school(services, self.vk_ids)
            yield School(services, sender, author, org, self.community.id)

    @asynccontextmanager
    async def worker(
        self, database: Path | str, rate_limit: float
    ) -> AsyncIterator[tuple[Services, BatchSender]]:
        """Services of one worker on ``database`` (the school already there, or none yet), with
        a sender of its own to the audience's community registered with its broadcast engine."""
        location = str(database)
        settings = (
            Settings(db_url=location)
            if location.startswith(POSTGRES_SCHEMES)
            else Settings(db_path=location)
        )
        # The same pinned moment as the `sferum broadcast send` processes the tests start.
        clock = clock_from_environment()
        services = await Services.open(settings, clock=clock)
        try:
            sender = BatchSender(self.community.access_token, self.sandbox.api_url, rate_limit)
            services.broadcasts.register_sender(self.community.id, sender)
            yield services, sender
        finally:
            await services.close()

    def messages_per_user(self) -> dict[int, int]:
        """How many messages the community sent to each user of the audience."""
        state = self.sandbox.runtime.state
        sender = -self.community.id
        counts: dict[int, int] = {}
        for user_id in self.vk_ids:
            conv = state.conversation_for(user_id, sender)
            counts[user_id] = (
                0 if conv is None else sum(1 for m in conv.messages if m.from_id == sender)
            )
        return counts


@asynccontextmanager
async def bulk_audience(count: int, **config: Any) -> AsyncIterator[BulkAudience]:
    """A sandbox without VK's rate limit (unless ``config`` sets one) and ``count`` users."""
    sandbox = await start_sandbox(
        SandboxConfig(**{"background_tasks": False, "rate_limit": None, **config})
    )
    try:
        state = sandbox.runtime.state
        community = state.create_community("Школа")
        first, last = state.create_users_bulk(count, "Ученик", "Тестовый", community.id)
        yield BulkAudience(sandbox, community, first, last)
    finally:
        await sandbox.stop()
