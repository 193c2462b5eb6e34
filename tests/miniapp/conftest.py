"""Fixtures for the mini-app: a database with the demo district and its journal (built once per
test session and copied per test), the app on a loopback port, and per-person browsers."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from core.clock import ManualClock
from core.config import Settings
from core.demo.district import build
from core.people import PeopleRepository
from core.runtime.services import Services
from core.storage import Database, SqliteDatabase, open_core_database
from core.vk.launch_params import sign_launch_params
from miniapp.app import create_app
from miniapp.journal.demo import load_demo_journal
from miniapp.journal.sqlite import migrate_journal

SECRET = "test-app-secret-123"
APP_ID = 51_000_001
VK_IDS = build().vk_ids()


def vk(key: str) -> int:
    return VK_IDS[key]


def launch_query(vk_user_id: int, ts: int, *, app_id: int = APP_ID, secret: str = SECRET,
                 **extra: str) -> dict[str, str]:  # fmt: skip
    params = {
        "vk_user_id": str(vk_user_id),
        "vk_app_id": str(app_id),
        "vk_ts": str(ts),
        "vk_platform": "mobile_web",
        "vk_language": "ru",
        "vk_is_app_user": "1",
        "vk_access_token_settings": "",
        **extra,
    }
    return {**params, "sign": sign_launch_params(params, secret)}


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file with core + journal schema, the demo district and its journal."""
    path = tmp_path_factory.mktemp("miniapp") / "template.db"

    async def make() -> None:
        db = await open_core_database(str(path))
        await migrate_journal(db)
        clock = ManualClock(datetime(2026, 11, 23, 3, 0, tzinfo=UTC))
        await load_demo_journal(PeopleRepository(db, clock))
        await db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        await db.close()

    asyncio.run(make())
    return path


@pytest.fixture
async def jdb(demo_template: Path, tmp_path: Path) -> AsyncIterator[Database]:
    path = tmp_path / "journal.db"
    shutil.copyfile(demo_template, path)
    database = SqliteDatabase(str(path))
    await database.connect()
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
def services(jdb: Database, clock: ManualClock) -> Services:
    settings = Settings(db_path=jdb.path if isinstance(jdb, SqliteDatabase) else ":memory:",
                        vk_app_id=APP_ID, vk_app_secret=SECRET)  # fmt: skip
    return Services.build(settings, jdb, clock)


AppFactory = Callable[..., Awaitable[TestServer]]


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[TestServer]:
    """``app`` listening on a free loopback port, closed when the block ends."""
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
async def make_server(services: Services) -> AsyncIterator[AppFactory]:
    async with AsyncExitStack() as running:

        async def make(**options: object) -> TestServer:
            app = create_app(services, **options)  # type: ignore[arg-type]
            return await running.enter_async_context(serving(app))

        yield make


@pytest.fixture
async def server(make_server: AppFactory) -> TestServer:
    return await make_server()


class Browser:
    """One person's browser: its own cookie jar, launched from VK with signed parameters."""

    def __init__(self, server: TestServer, clock: ManualClock) -> None:
        self.server = server
        self.clock = clock
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    async def launch(self, vk_user_id: int, **extra: str) -> aiohttp.ClientResponse:
        query = launch_query(vk_user_id, int(self.clock.now().timestamp()), **extra)
        return await self.get("/?" + urlencode(query), allow_redirects=False)

    async def get(self, path: str, **kwargs: object) -> aiohttp.ClientResponse:
        response = await self.session.get(self.url(path), **kwargs)  # type: ignore[arg-type]
        await response.read()
        return response

    async def post(self, path: str, **kwargs: object) -> aiohttp.ClientResponse:
        response = await self.session.post(self.url(path), **kwargs)  # type: ignore[arg-type]
        await response.read()
        return response

    async def close(self) -> None:
        await self.session.close()


BrowserFactory = Callable[[str | None], Awaitable[Browser]]


@asynccontextmanager
async def browsers(server: TestServer, clock: ManualClock) -> AsyncIterator[BrowserFactory]:
    """Browsers on ``server`` launched as demo people (None: not launched), closed on exit."""
    made: list[Browser] = []

    async def make(key: str | None) -> Browser:
        browser = Browser(server, clock)
        made.append(browser)
        if key is not None:
            response = await browser.launch(vk(key))
            assert response.status == 303, await response.text()
        return browser

    try:
        yield make
    finally:
        for browser in made:
            await browser.close()


@pytest.fixture
async def open_as(server: TestServer, clock: ManualClock) -> AsyncIterator[BrowserFactory]:
    """``await open_as("st08")``: a browser launched as that demo person; None: not launched."""
    async with browsers(server, clock) as make:
        yield make


async def me(browser: Browser) -> dict[str, object]:
    response = await browser.get("/api/me")
    assert response.status == 200
    data: dict[str, object] = await response.json()
    return data
