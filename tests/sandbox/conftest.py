"""Sandbox fixtures: a real server on 127.0.0.1 (free port), a ManualClock, and small clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest

from core.clock import ManualClock
from sandbox.app import RunningSandbox, start_sandbox
from sandbox.config import SandboxConfig
from sandbox.records import Community
from sandbox.vk_schema import VkSchema, vk_schema

from .receiver import Receiver

API_VERSION = "5.199"


class Vk:
    """Calls the sandbox's VK API the way vkbottle does: token and v in the query, data as form."""

    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http = http
        self.base = base

    async def call(
        self,
        method: str,
        token: str | None,
        *,
        v: str | None = API_VERSION,
        get: bool = False,
        **params: Any,
    ) -> dict[str, Any]:
        query: dict[str, str] = {}
        if token is not None:
            query["access_token"] = token
        if v is not None:
            query["v"] = v
        data = {k: _form(value) for k, value in params.items() if value is not None}
        url = f"{self.base}/method/{method}"
        if get:
            async with self.http.get(url, params={**query, **data}) as response:
                assert response.status == 200
                return await response.json()  # type: ignore[no-any-return]
        async with self.http.post(url, params=query, data=data) as response:
            assert response.status == 200
            return await response.json()  # type: ignore[no-any-return]

    async def send(self, token: str, message: str, random_id: int = 0, **to: Any) -> dict[str, Any]:
        """messages.send of one text to ``to`` (peer_id=... or peer_ids=[...]); random_id 0
        unless given, VK's "do not deduplicate"."""
        return await self.call("messages.send", token, **to, random_id=random_id, message=message)

    async def poll(self, server: dict[str, Any], wait: int = 0) -> dict[str, Any]:
        params = {"act": "a_check", "key": server["key"], "ts": server["ts"], "wait": str(wait)}
        async with self.http.post(server["server"], params=params) as response:
            assert response.status == 200
            return await response.json()  # type: ignore[no-any-return]


class Control:
    """The control API under /sandbox/api/."""

    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http = http
        self.root = f"{base}/sandbox/api"

    async def post(
        self, path: str, body: dict[str, Any] | None = None, status: int | None = None
    ) -> Any:
        async with self.http.post(self.root + path, json=body or {}) as response:
            data = await response.json()
            if status is not None:
                assert response.status == status, data
            return data

    async def put(self, path: str, body: dict[str, Any]) -> Any:
        async with self.http.put(self.root + path, json=body) as response:
            assert response.status == 200
            return await response.json()

    async def get(self, path: str, status: int = 200, **params: Any) -> Any:
        async with self.http.get(self.root + path, params=params) as response:
            assert response.status == status
            return await response.json()

    async def user(self, first: str = "Пётр", last: str = "Тестов", **extra: Any) -> int:
        body = await self.post("/users", {"first_name": first, "last_name": last, **extra}, 201)
        return int(body["user_id"])

    async def write(self, user_id: int, peer_id: int, text: str, **extra: Any) -> Any:
        return await self.post(
            f"/users/{user_id}/messages", {"peer_id": peer_id, "text": text, **extra}
        )

    async def messages(self, user_id: int, peer_id: int) -> Any:
        return await self.get(f"/users/{user_id}/messages", peer_id=peer_id)


def error_of(body: dict[str, Any]) -> tuple[int, str]:
    """The code and message of a VK API answer that must be an error, not a response."""
    assert "response" not in body, body
    return body["error"]["error_code"], body["error"]["error_msg"]


def _form(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


@pytest.fixture(scope="package", autouse=True)
def _working_directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """vkbottle's BotPolling saves its ts under ./.vkbottle from a worker thread that may finish
    after a test ends; run this package in a scratch directory so nothing lands in the repo."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path_factory.mktemp("cwd"))
        yield


@pytest.fixture(scope="session")
def schema() -> VkSchema:
    return vk_schema()


@pytest.fixture
def config() -> SandboxConfig:
    # No background tasks: tests drive time with the ManualClock and runtime.tick(). The
    # ManualClock stands still, so every call falls in one second: the rate limit is raised here
    # and tested on its own.
    return SandboxConfig(
        background_tasks=False,
        communities=("Школьный бот",),
        rate_limit=1000,
        user_rate_limit=1000,
    )


@pytest.fixture
async def sandbox(config: SandboxConfig, clock: ManualClock) -> AsyncIterator[RunningSandbox]:
    async with await start_sandbox(config, clock=clock) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def vk(http: aiohttp.ClientSession, sandbox: RunningSandbox) -> Vk:
    return Vk(http, sandbox.url)


@pytest.fixture
def control(http: aiohttp.ClientSession, sandbox: RunningSandbox) -> Control:
    return Control(http, sandbox.url)


@pytest.fixture
def community(sandbox: RunningSandbox) -> Community:
    state = sandbox.runtime.state
    return next(iter(state.communities.values()), None) or state.create_community("Школьный бот")


@pytest.fixture
async def member(control: Control, community: Community) -> int:
    """A person who has written to the community, so it may write back."""
    user_id = await control.user()
    await control.write(user_id, -community.id, "Здравствуйте")
    return user_id


@pytest.fixture
async def receiver(community: Community) -> AsyncIterator[Receiver]:
    server = Receiver(confirmation_code=community.confirmation_code)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
