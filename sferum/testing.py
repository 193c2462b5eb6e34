"""Testing bots the way they run: a real sandbox VK over HTTP, the real vkbottle stack, storage.

For plugin authors and the core alike::

    from sferum.testing import bot_harness

    async def test_hello(tmp_path):
        async with bot_harness([my_plugin], tmp_path) as h:
            teacher = h.vk("smirnova")
            await h.say(teacher, "привет")
            assert "Здравствуйте" in h.last_reply(teacher)["text"]

Time is a ManualClock (``h.clock``); move it and call ``await h.run_due()`` to fire scheduled jobs.
Network waits are real but short: ``settle()`` returns as soon as the bot has handled everything
the sandbox logged for its community.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from core.clock import ManualClock, SystemClock
from core.config import Settings
from core.plugins.spec import Plugin
from core.runtime.community import Community, CommunityConfig
from core.runtime.services import Services
from core.storage import POSTGRES_SCHEMES
from sandbox.app import RunningSandbox, start_sandbox
from sandbox.config import SandboxConfig
from sandbox.render import message_object

from .assembly import attach
from .demo import DemoPeople, seed_harness_sandbox
from .recording import RecordingBot, harness_services, recording_bot  # noqa: F401 - the fixture-free harness

# Where a test keeps its data (the harness here, core's ``db`` fixture alike): a SQLite file in
# the test's folder; with SFERUM_TEST_DB_URL set (``make test``'s second pass, and a plugin author
# who wants the region's engine) a fresh schema of that PostgreSQL, dropped after the test. With
# SFERUM_TEST_REDIS_URL the services share state through that Redis, under a prefix of the test's.
TEST_DB_VARIABLE = "SFERUM_TEST_DB_URL"
TEST_REDIS_VARIABLE = "SFERUM_TEST_REDIS_URL"


@asynccontextmanager
async def scratch_database(tmp_path: Path, url: str | None = None) -> AsyncIterator[str]:
    """What ``open_database`` opens for one test (or benchmark): a file path, or a PostgreSQL URL
    whose connections see only a schema of its own (tests run in parallel on one database).
    ``url``: that PostgreSQL ("" for SQLite); by default SFERUM_TEST_DB_URL decides."""
    url = os.environ.get(TEST_DB_VARIABLE) if url is None else url
    if not url:
        yield str(tmp_path / "sferum.db")
        return
    import asyncpg  # type: ignore[import-untyped]  # only the region's engine needs it

    schema = f"t_{uuid.uuid4().hex}"
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        # asyncpg sends query parameters it does not know as server settings.
        separator = "&" if "?" in url else "?"
        yield f"{url}{separator}search_path={schema}"
    finally:
        await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await admin.close()


def storage_settings(database: str) -> dict[str, Any]:
    """``Settings`` fields for a scratch database (and the test Redis, when one is given)."""
    fields: dict[str, Any] = (
        {"db_url": database} if database.startswith(POSTGRES_SCHEMES) else {"db_path": database}
    )
    redis_url = os.environ.get(TEST_REDIS_VARIABLE)
    if redis_url:
        fields |= {"redis_url": redis_url, "redis_prefix": f"test:{uuid.uuid4().hex}:"}
    return fields


# Monday 2026-11-23, 10:00 in Novosibirsk (the demo district's zone).
DEFAULT_START = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


class SettleTimeout(AssertionError):
    pass


@dataclass
class Harness(DemoPeople):
    sandbox: RunningSandbox
    services: Services
    community: Community
    clock: ManualClock
    http: aiohttp.ClientSession
    _start_ts: int
    _seen: dict[int, int] = field(default_factory=dict)

    @property
    def group_id(self) -> int:
        return self.community.group_id

    @property
    def control(self) -> str:
        return f"{self.sandbox.url}/sandbox/api"

    async def _post(self, path: str, body: dict[str, Any]) -> Any:
        async with self.http.post(self.control + path, json=body) as response:
            data = await response.json()
            if response.status >= 400:
                raise AssertionError(f"sandbox refused {path}: {response.status} {data}")
            return data

    async def settle(self, limit_s: float = 10.0) -> None:
        """Wait until the bot has taken in every event the sandbox logged and handled it."""
        log = self.sandbox.runtime.state.communities[self.group_id].events
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit_s
        stable = 0
        while stable < 3:
            if loop.time() > deadline:
                raise SettleTimeout(
                    f"bot did not settle: logged {log.next_ts - self._start_ts}, "
                    f"received {self.community.received}, waiting {self.community.queue.waiting}"
                )
            done = self.community.received >= log.next_ts - self._start_ts
            if done:
                await self.community.queue.join()
            stable = (
                stable + 1
                if done and self.community.received >= log.next_ts - self._start_ts
                else 0
            )
            await asyncio.sleep(0.005)

    async def say(self, vk_id: int, text: str = "", payload: dict[str, Any] | None = None, *,
                  peer_id: int | None = None, settle: bool = True) -> int:  # fmt: skip
        """A person writes to the community (or a chat); returns the message id."""
        body: dict[str, Any] = {"peer_id": peer_id or -self.group_id, "text": text}
        if payload is not None:
            body["payload"] = payload
            body["from_keyboard"] = True
        data = await self._post(f"/users/{vk_id}/messages", body)
        if settle:
            await self.settle()
        return int(data["message_id"])

    async def tap(self, vk_id: int, label: str) -> None:
        """Press a text button of the last keyboard by its label (sends its payload)."""
        button = self.find_button(vk_id, label)
        payload = button["action"].get("payload")
        await self.say(vk_id, button["action"]["label"], json.loads(payload) if payload else None)

    async def press(self, vk_id: int, payload: dict[str, Any], *, settle: bool = True) -> str:
        """Press a callback button with this payload on the latest message carrying it."""
        data = await self._post(
            f"/users/{vk_id}/events", {"peer_id": -self.group_id, "payload": payload}
        )
        if settle:
            await self.settle()
        return str(data["event_id"])

    async def snackbar(self, vk_id: int, event_id: str) -> Any:
        async with self.http.get(f"{self.control}/users/{vk_id}/events/{event_id}") as response:
            return (await response.json()).get("event_data")

    async def allow(self, *vk_ids: int) -> None:
        """These people allowed messages from the community (as after a first message)."""
        for vk_id in vk_ids:
            await self._post(f"/users/{vk_id}/allow", {"group_id": self.group_id})

    def conversation(self, vk_id: int, peer_id: int | None = None) -> list[dict[str, Any]]:
        state = self.sandbox.runtime.state
        conv = state.conversation_for(vk_id, peer_id or -self.group_id)
        if conv is None:
            return []
        return [message_object(m, vk_id) for m in conv.messages]

    def replies(self, vk_id: int, peer_id: int | None = None) -> list[dict[str, Any]]:
        """Messages from the community to this person since the last call."""
        items = [m for m in self.conversation(vk_id, peer_id) if m["from_id"] == -self.group_id]
        key = peer_id or vk_id
        new = items[self._seen.get(key, 0) :]
        self._seen[key] = len(items)
        return new

    def last_reply(self, vk_id: int, peer_id: int | None = None) -> dict[str, Any]:
        items = [m for m in self.conversation(vk_id, peer_id) if m["from_id"] == -self.group_id]
        if not items:
            raise AssertionError(f"the bot has not written to {vk_id}")
        return items[-1]

    def buttons(self, vk_id: int) -> list[dict[str, Any]]:
        """Buttons the person sees now: the last reply's inline keyboard, else the chat's."""
        last = self.last_reply(vk_id)
        keyboard = last.get("keyboard")
        if not keyboard:
            conv = self.sandbox.runtime.state.conversation_for(vk_id, -self.group_id)
            keyboard = getattr(conv, "keyboard", None)
        if isinstance(keyboard, str):
            keyboard = json.loads(keyboard)
        return [button for row in (keyboard or {}).get("buttons", []) for button in row]

    def find_button(self, vk_id: int, label: str) -> dict[str, Any]:
        for button in self.buttons(vk_id):
            if label in button["action"].get("label", ""):
                return button
        labels = [b["action"].get("label") for b in self.buttons(vk_id)]
        raise AssertionError(f"no button {label!r} for {vk_id}; buttons: {labels}")

    async def run_due(self) -> int:
        """Fire scheduled jobs due on the clock, then wait for the bot to settle. A job may
        schedule another one due at once (a digest creates a broadcast whose sending is a job):
        those run too, as the scheduler's loop would run them a moment later."""
        ran = 0
        for _ in range(10):
            now = await self.services.jobs.run_due()
            ran += now
            await self.settle()
            if not now:
                break
        return ran

    async def stats(self) -> dict[str, Any]:
        async with self.http.get(f"{self.control}/stats") as response:
            return await response.json()  # type: ignore[no-any-return]


@asynccontextmanager
async def bot_harness(
    plugins: Sequence[Plugin],
    tmp_path: Path,
    *,
    clock: ManualClock | None = None,
    demo: bool = True,
    allow_all: bool = True,
    community_name: str = "Тестовое сообщество",
    rate_limit: float = 1000,
    vk_rate_limit: float | None = None,
    vk_timeout_s: float = 10.0,
) -> AsyncIterator[Harness]:
    """``rate_limit`` and ``vk_timeout_s`` are the bot's settings (by default a limit that never
    binds); ``vk_rate_limit`` makes the sandbox answer error 6 as VK does beyond that many calls
    a second per token, counted in real seconds (the bot paces its calls in real time)."""
    async with scratch_database(tmp_path) as database:
        clock = clock or ManualClock(DEFAULT_START)
        sandbox = await start_sandbox(
            SandboxConfig(background_tasks=False, rate_limit=vk_rate_limit),
            clock=clock,
            limit_clock=SystemClock(),
        )
        state = sandbox.runtime.state
        sandbox_community = state.create_community(community_name)
        settings = Settings(
            **storage_settings(database),
            vk_api_url=sandbox.api_url,
            rate_limit=rate_limit,
            vk_timeout_s=vk_timeout_s,
            vk_token=sandbox_community.access_token,
            vk_group_id=sandbox_community.id,
        )
        if demo:
            seed_harness_sandbox(state, sandbox_community, allow_all=allow_all)
        services = await harness_services(settings, plugins, clock, demo=demo)
        config = CommunityConfig(
            sandbox_community.id,
            sandbox_community.access_token,
            sandbox.api_url,
            tuple(p.name for p in plugins),
        )
        community = attach(services, plugins, config)
        start_ts = sandbox_community.events.next_ts
        polling = asyncio.create_task(community.run_longpoll())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        # Messages written before the poller asked for its server would be missed: wait for it.
        while not sandbox_community.events._keys:
            if polling.done() or loop.time() > deadline:
                polling.result()
                raise SettleTimeout("the bot did not connect to the sandbox long poll")
            await asyncio.sleep(0.005)
        async with aiohttp.ClientSession() as http:
            harness = Harness(sandbox, services, community, clock, http, start_ts)
            try:
                yield harness
            finally:
                community.stop()
                sandbox.runtime.state.wake_all()
                polling.cancel()
                with suppress(asyncio.CancelledError, Exception):
                    await polling
                await community.close()
                await services.close()
                await sandbox.stop()


async def populate_school(
    services: Services, vk_ids: Sequence[int], *, role: str = "parent", timezone: str = "UTC"
) -> tuple[int, int]:
    """A large school for load and reliability tests: a counsellor and one person per VK id with
    ``role``, written in bulk. Returns (author person id, organisation id)."""
    from core.people import OrgKind, Position, RoleKind

    people = services.people
    org = await people.upsert_organisation(
        kind=OrgKind.SCHOOL, name="Большая школа", region_code="77", timezone=timezone
    )
    author = await people.upsert_person(first_name="Советник", vk_user_id=None, is_adult=True)
    await people.grant_role(
        author, RoleKind.STAFF, org, position=Position.COUNSELLOR, method="test"
    )
    async with services.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO persons (vk_user_id, first_name, last_name, is_adult) VALUES (?, ?, ?, 1)",
            [(vk_id, f"Имя{vk_id % 97}", "Тестов") for vk_id in vk_ids],
        )
        await tx.execute(
            "INSERT INTO roles (person_id, role, org_id, granted_at, method) "
            "SELECT id, ?, ?, '2026-01-01T00:00:00+00:00', 'test' FROM persons "
            "WHERE vk_user_id IS NOT NULL AND id != ? AND vk_user_id BETWEEN ? AND ?",
            (role, org, author, min(vk_ids), max(vk_ids)),
        )
    return author, org


BotHarnessFactory = Callable[..., AbstractAsyncContextManager[Harness]]


@pytest.fixture
def sandbox_bot(tmp_path: Path) -> BotHarnessFactory:
    """The fixture for plugin authors (``pytest_plugins = ("sferum.testing",)`` in conftest.py)::

    async def test_hello(sandbox_bot):
        async with sandbox_bot([plugin]) as h:
            ...
    """

    def factory(plugins: Sequence[Plugin], **options: Any) -> AbstractAsyncContextManager[Harness]:
        return bot_harness(plugins, tmp_path, **options)

    return factory
