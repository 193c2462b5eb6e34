"""Fixtures of the Rosobrnadzor helper's tests: its tables, a seeded knowledge base, services with
the demo district and a recording sender in place of VK."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from bots.rosobrnadzor_helper import plugin
from bots.rosobrnadzor_helper.desk import Desk, desk_of
from bots.rosobrnadzor_helper.kb import KnowledgeBase
from bots.rosobrnadzor_helper.ui import T
from core.clock import ManualClock
from core.config import Settings
from core.demo.loader import load_demo
from core.plugins.loader import plugin_migrations
from core.runtime.services import Services
from core.storage import Database, migrate
from core.vk.batch_sender import PeerResult

GROUP_ID = 777


@pytest.fixture
async def helper_db(db: Database) -> Database:
    await migrate(db, plugin_migrations(plugin))
    return db


@pytest.fixture
async def kb(helper_db: Database, clock: ManualClock) -> KnowledgeBase:
    base = KnowledgeBase(helper_db, clock=clock)
    await base.ensure_ready()
    return base


@dataclass
class RecordingSender:
    """Stands in for the community's sender: keeps what would go to VK; ``refuse`` fails peers."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    refuse: set[int] = field(default_factory=set)

    async def send_one(
        self,
        peer_id: int,
        message: str,
        random_id: int,
        keyboard: str | None = None,
        attachment: str | None = None,
    ) -> PeerResult:
        if peer_id in self.refuse:
            return PeerResult(peer_id, error_code=901)
        self.sent.append(
            {"peer_id": peer_id, "text": message, "keyboard": keyboard, "attachment": attachment}
        )
        return PeerResult(peer_id, message_id=len(self.sent))

    def to(self, peer_id: int) -> list[str]:
        return [m["text"] for m in self.sent if m["peer_id"] == peer_id]

    async def close(self) -> None:
        return None


@pytest.fixture
async def services(helper_db: Database, clock: ManualClock, tmp_path: Any) -> Services:
    built = Services.build(Settings(db_path=str(tmp_path / "test.db")), helper_db, clock)
    await load_demo(built.people)
    await plugin.on_startup(built)  # type: ignore[misc]
    return built


@pytest.fixture
def sender(services: Services) -> RecordingSender:
    recording = RecordingSender()
    services.broadcasts.register_sender(GROUP_ID, recording)  # type: ignore[arg-type]
    return recording


@pytest.fixture
def desk(services: Services) -> Desk:
    return desk_of(services, T)


async def identity(services: Services, key: str) -> Any:
    """The identity of a demo person by key (see core/demo/district.py)."""
    person_id = await services.db.fetchval(
        "SELECT id FROM persons WHERE external_id = ?", (f"demo:person:{key}",)
    )
    person = await services.people.person(int(person_id))
    assert person is not None and person.vk_user_id is not None
    return await services.people.identity(person.vk_user_id)
