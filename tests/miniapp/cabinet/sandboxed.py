"""The cabinet served beside a bot that runs against the sandbox (sferum.testing's harness): what an
admin does in the cabinet reaches people as VK messages, and what people write reaches the bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from core.clock import ManualClock
from miniapp.app import create_app
from miniapp.cabinet import setup as cabinet_pages
from miniapp.keys import MiniAppConfig
from sferum.testing import Harness, bot_harness

from ..conftest import APP_ID, SECRET, BrowserFactory, browsers, serving


@asynccontextmanager
async def cabinet_beside_bot(
    tmp_path: Path, clock: ManualClock
) -> AsyncIterator[tuple[Harness, BrowserFactory]]:
    async with bot_harness([], tmp_path, clock=clock) as h:
        app = create_app(
            h.services,
            config=MiniAppConfig(app_id=APP_ID, secret=SECRET),
            extra_routes=[cabinet_pages],
            load_demo=False,
        )
        async with serving(app) as server, browsers(server, clock) as browse:
            yield h, browse
