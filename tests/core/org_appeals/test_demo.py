"""`sferum run`'s demo: the demo school's admin sees chats with activity and two appeals (one
answered) in the cabinet."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

from core.clock import ManualClock
from core.config import Settings
from core.demo.district import build
from sferum.app import start
from sferum.testing import DEFAULT_START
from tests.miniapp.conftest import launch_query


async def test_the_demo_fills_chats_and_appeals(tmp_path: Path) -> None:
    settings = Settings(db_path=str(tmp_path / "sferum.db"), sandbox_port=0, miniapp_port=0)
    clock = ManualClock(DEFAULT_START)
    running = await start(settings, clock=clock)
    try:
        db = running.services.db
        school = await db.fetchval(
            "SELECT id FROM organisations WHERE external_id = 'demo:school:s112'"
        )
        query = launch_query(
            build().vk_ids()["orlov"],
            int(clock.now().timestamp()),
            app_id=settings.vk_app_id,
            secret=settings.app_secret,
        )
        base = running.urls["miniapp"]
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.get(f"{base}/?{urlencode(query)}") as response:
                assert response.status == 200
            async with http.get(f"{base}/admin/org/{school}/chats") as response:
                chats = await response.text()
            async with http.get(f"{base}/admin/org/{school}/appeals") as response:
                appeals = await response.text()
        counts = [
            int(n)
            for n in re.findall(r'<td class="chats-num">(\d+)</td>\s*<td>[\d.: ]+</td>', chats)
        ]
        assert len([n for n in counts if n > 0]) >= 3
        assert "Все (2)" in appeals and "Новые (1)" in appeals and "Отвеченные (1)" in appeals
    finally:
        await running.stop()
    # Started again over the same database, nothing is added twice.
    running = await start(settings, clock=clock)
    try:
        assert await running.services.db.fetchval("SELECT count(*) FROM org_appeals") == 2
    finally:
        await running.stop()
