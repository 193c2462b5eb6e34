"""The mini-app with the monitoring pages wired through its ``extra_routes`` hook."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer

from core.clock import ManualClock
from miniapp.admin import setup

from ..conftest import AppFactory, BrowserFactory, browsers


@pytest.fixture
async def admin_server(make_server: AppFactory) -> TestServer:
    return await make_server(extra_routes=[setup])


@pytest.fixture
async def browse(admin_server: TestServer, clock: ManualClock) -> AsyncIterator[BrowserFactory]:
    """``await browse("orlov")``: a browser launched as that demo person; None: not launched."""
    async with browsers(admin_server, clock) as make:
        yield make
