"""The services every handler can reach through its context, created once per process."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import InitVar, dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

from core.activity import ActivityRecorder, ActivityStore
from core.broadcast.engine import BroadcastEngine
from core.clock import Clock, SystemClock
from core.config import Settings
from core.outbox import Outbox
from core.people import PeopleRepository
from core.plugins.migrations import HasMigrations, plugin_migrations
from core.plugins.registry import Extensions, ServiceKey
from core.policy.service import PolicyService
from core.scheduling import JobQueue
from core.storage import Database, migrate, open_core_database
from core.texts import CORE_TEXTS, Texts
from core.verification import Verification
from core.vk.tokens import TokenChannels

from .dialogs import DialogStore, open_dialog_store
from .identities import IdentityCache

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


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
    # What plugins offer (``get``) and their loaded settings (``settings_for``).
    extensions: Extensions[Services] = field(default_factory=Extensions, repr=False)
    # Given only where the limiters must run on other time (tests of the rate limit).
    channels: InitVar[TokenChannels | None] = None

    def __post_init__(self, channels: TokenChannels | None) -> None:
        self.vk_channels = channels or TokenChannels.for_settings(self.settings)
        self.broadcasts = BroadcastEngine(
            db=self.db,
            clock=self.clock,
            jobs=self.jobs,
            people=self.people,
            policy=self.policy,
            channels=self.vk_channels,
            settings=self.settings,
        )
        self.outbox = Outbox(
            db=self.db,
            clock=self.clock,
            jobs=self.jobs,
            people=self.people,
            policy=self.policy,
            senders=self.broadcasts,
            timezone=self.settings.timezone,
        )

    @classmethod
    def build(
        cls,
        settings: Settings,
        db: Database,
        clock: Clock | None = None,
        *,
        channels: TokenChannels | None = None,
    ) -> Services:
        clock = clock or SystemClock()
        people = PeopleRepository(db, clock)
        identities = IdentityCache(people, clock)
        return cls(
            settings=settings,
            db=db,
            clock=clock,
            people=people,
            identities=identities,
            # Redis (shared by a region's workers) when redis_url is set, else the core database.
            dialogs=open_dialog_store(db, clock, settings.redis_url, settings.redis_prefix),
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
            channels=channels,
        )

    @classmethod
    async def open(
        cls,
        settings: Settings,
        clock: Clock | None = None,
        plugins: Sequence[HasMigrations] | None = None,
        *,
        channels: TokenChannels | None = None,
    ) -> Services:
        db = await open_core_database(settings.database)
        for plugin in plugins or []:
            await migrate(db, plugin_migrations(plugin))
        return cls.build(settings, db, clock, channels=channels)

    def get(self, key: ServiceKey[T], fallback: Callable[[Services], T] | None = None) -> T:
        """The service of ``key``, built once by the plugin that provides it (or by
        ``fallback`` where no plugin was installed: a command, a unit test)."""
        return self.extensions.get(key, self, fallback)

    def settings_for(self, model: type[M]) -> M:
        """A plugin's settings, loaded and validated at start (core/plugins/settings.py)."""
        return self.extensions.settings_for(model)

    def storage(self, namespace: str) -> PluginStorage:
        return PluginStorage(self.db, namespace)

    async def close(self) -> None:
        await self.broadcasts.close()
        await self.vk_channels.close()
        await self.activity.flush()
        await self.dialogs.close()
        await self.db.close()
