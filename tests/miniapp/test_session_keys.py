"""The mini-app on real VK: VK's key signs launches only; sessions are signed with a key of the
installation's own, bound to VK's key so that rotating it ends old sessions."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from core.clock import ManualClock
from core.config import SANDBOX_APP_SECRET, Settings
from core.runtime.services import Services
from core.storage import Database
from miniapp.app import create_app
from miniapp.security import SESSION_COOKIE

from .conftest import APP_ID, launch_query, serving, vk

REAL_KEY = "Zq8rT2mXw4Lp9sVb6NcY"
ROTATED_KEY = "Hk3vN8pQa1Wd5Ry7Tu2E"


def _real_vk(db: Database, clock: ManualClock, secret: str) -> Services:
    settings = Settings(
        db_path=":memory:", vk_token="vk1.a.token", vk_group_id=1, vk_app_id=APP_ID,
        vk_app_secret=secret,
    )  # fmt: skip
    return Services.build(settings, db, clock)


@pytest.fixture
async def serve(jdb: Database, clock: ManualClock) -> AsyncIterator[object]:
    async with AsyncExitStack() as running:

        async def start(secret: str) -> TestServer:
            app = create_app(_real_vk(jdb, clock, secret))
            return await running.enter_async_context(serving(app))

        yield start


async def _launch(server: TestServer, clock: ManualClock, secret: str, who: str = "st08"
                  ) -> tuple[int, aiohttp.ClientSession]:  # fmt: skip
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    query = launch_query(vk(who), int(clock.now().timestamp()), secret=secret)
    async with session.get(server.make_url("/?" + urlencode(query)), allow_redirects=False) as r:
        return r.status, session


async def _home(server: TestServer, session: aiohttp.ClientSession) -> int:
    async with session.get(server.make_url("/home"), allow_redirects=False) as response:
        return response.status


async def test_a_launch_signed_with_the_sandbox_value_is_refused(
    serve: object, clock: ManualClock
) -> None:
    server = await serve(REAL_KEY)  # type: ignore[operator]
    status, session = await _launch(server, clock, SANDBOX_APP_SECRET)
    try:
        assert status == 401
        assert await _home(server, session) == 401
    finally:
        await session.close()
    status, session = await _launch(server, clock, REAL_KEY)
    try:
        assert status == 303 and await _home(server, session) == 200
    finally:
        await session.close()


async def test_vk_key_alone_cannot_mint_a_session(serve: object, clock: ManualClock) -> None:
    """A cookie made as the old code made it (a key derived from VK's secure key) is no session."""
    server = await serve(REAL_KEY)  # type: ignore[operator]
    key = hmac.new(REAL_KEY.encode(), b"sferum-miniapp-session-v1", hashlib.sha256).digest()
    body = f"{vk('st08')}.{int(clock.now().timestamp())}.forgedsid"
    mac = base64.urlsafe_b64encode(hmac.new(key, body.encode(), hashlib.sha256).digest())
    cookie = f"{body}.{mac.decode().rstrip('=')}"
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            server.make_url("/home"), headers={"Cookie": f"{SESSION_COOKIE}={cookie}"},
            allow_redirects=False,
        ) as response,
    ):  # fmt: skip
        assert response.status == 401


async def test_sessions_survive_a_restart_and_end_when_vk_key_rotates(
    serve: object, clock: ManualClock, jdb: Database
) -> None:
    first = await serve(REAL_KEY)  # type: ignore[operator]
    status, session = await _launch(first, clock, REAL_KEY)
    try:
        assert status == 303
        jar = session.cookie_jar
        # The same installation restarted with the same key: the database kept the session key.
        again = await serve(REAL_KEY)  # type: ignore[operator]
        cookies = jar.filter_cookies(first.make_url("/"))
        header = "; ".join(f"{k}={v.value}" for k, v in cookies.items())
        async with aiohttp.ClientSession() as other:
            async with other.get(again.make_url("/home"), headers={"Cookie": header},
                                 allow_redirects=False) as response:  # fmt: skip
                assert response.status == 200
            # VK's key rotated: every session signed before is over.
            rotated = await serve(ROTATED_KEY)  # type: ignore[operator]
            async with other.get(rotated.make_url("/home"), headers={"Cookie": header},
                                 allow_redirects=False) as response:  # fmt: skip
                assert response.status == 401
    finally:
        await session.close()
    # One session key, made once (the demo journal's codes have a key of their own).
    stored = await jdb.fetchval(
        "SELECT count(*) FROM instance_secrets WHERE name = 'miniapp_session'"
    )
    assert stored == 1
