"""The services every handler can reach through its context, created once per process."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from core.activity import ActivityRecorder, ActivityStore
from core.broadcast.engine import BroadcastEngine
from core.clock import Clock, SystemClock
from core.config import Settings
from core.outbox import Outbox
from core.people import PeopleRepository
from core.policy.service import PolicyService
from core.scheduling import JobQueue
from core.storage import Database, migrate, open_core_database
from core.texts import CORE_TEXTS, Texts
from core.verification import Verification
from core.vk.tokens import TokenChannels

from .dialogs import DialogStore
from .identities import IdentityCache


class PluginStorage:
    """Key-value storage in a plugin's own namespace (its tables are prefixed by its name)."""

    def __init__(self, db: Database, namespace: str) -> None:
        self.db = db
        self.namespace = namespace

    async def get(self, key: str, default: Any = None) -> Any:
        raw = await self.db.fetchval(
            "SELECT value FROM plugin_kv WHERE namespace = ? AND key = ?", (self.namespace, key)
        )
        return default if raw is None else json.loads(raw)

    async def set(self, key: str, value: Any) -> None:
        await self.db.execute(
            "INSERT INTO plugin_kv (namespace, key, value) VALUES (?, ?, ?) "
            "ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value",
            (self.namespace, key, json.dumps(value, ensure_ascii=False)),
        )

    async def delete(self, key: str) -> None:
        await self.db.execute(
            "DELETE FROM plugin_kv WHERE namespace = ? AND key = ?", (self.namespace, key)
        )


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    people: PeopleRepository
    identities: IdentityCache
    dialogs: DialogStore
    activity: ActivityRecorder
    verification: Verification
    policy: PolicyService
    jobs: JobQueue
    texts: Texts = CORE_TEXTS
    # One rate limiter and HTTP session per VK token, whoever calls: replies, broadcasts, jobs.
    vk_channels: TokenChannels = field(init=False)
    broadcasts: BroadcastEngine = field(init=False)
    # Messages bots send by themselves, held back by the recipient's quiet hours.
    outbox: Outbox = field(init=False)
    # Capabilities plugins offer each other (e.g. the knowledge base for the mini-app).
    extras: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.vk_channels = TokenChannels(self.settings.rate_limit, self.settings.vk_timeout_s)
        self.broadcasts = BroadcastEngine(self)
        self.outbox = Outbox(self)

    @classmethod
    def build(cls, settings: Settings, db: Database, clock: Clock | None = None) -> Services:
        clock = clock or SystemClock()
        people = PeopleRepository(db, clock)
        identities = IdentityCache(people, clock)
        return cls(
            settings=settings,
            db=db,
            clock=clock,
            people=people,
            identities=identities,
            dialogs=DialogStore(db, clock),
            # The same store settings as `sferum monitoring rebuild`: a person without a role is
            # counted in the same week live as after a rebuild.
            activity=ActivityRecorder(
                db,
                clock,
                store=ActivityStore(db, clock=clock, default_timezone=settings.timezone),
            ),
            verification=Verification(db, clock, people, on_change=identities.invalidate),
            policy=PolicyService(db, clock),
            jobs=JobQueue(db, clock),
        )

    @classmethod
    async def open(
        cls, settings: Settings, clock: Clock | None = None, plugins: list[Any] | None = None
    ) -> Services:
        from core.plugins.loader import plugin_migrations

        db = await open_core_database(settings.db_path)
        for plugin in plugins or []:
            await migrate(db, plugin_migrations(plugin))
        return cls.build(settings, db, clock)

    def storage(self, namespace: str) -> PluginStorage:
        return PluginStorage(self.db, namespace)

    async def close(self) -> None:
        await self.broadcasts.close()
        await self.vk_channels.close()
        await self.activity.flush()
        await self.db.close()
