"""The mini-app with the monitoring pages wired through its ``extra_routes`` hook."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer

from core.clock import ManualClock
from miniapp.admin import setup

from ..conftest import AppFactory, Browser, BrowserFactory, vk


@pytest.fixture
async def admin_server(make_server: AppFactory) -> TestServer:
    return await make_server(extra_routes=[setup])


@pytest.fixture
async def browse(admin_server: TestServer, clock: ManualClock) -> AsyncIterator[BrowserFactory]:
    """``await browse("orlov")``: a browser launched as that demo person; None: not launched."""
    browsers: list[Browser] = []

    async def make(key: str | None) -> Browser:
        browser = Browser(admin_server, clock)
        browsers.append(browser)
        if key is not None:
            response = await browser.launch(vk(key))
            assert response.status == 303, await response.text()
        return browser

    yield make
    for browser in browsers:
        await browser.close()
