"""``sferum run`` with no configuration: sandbox + SQLite + every bot + the mini-app, and a demo
teacher who asks the Rosobrnadzor helper gets an answer with its legal source."""

from pathlib import Path

import aiohttp

from core.clock import ManualClock
from core.config import Settings
from core.demo.district import build
from sferum.app import describe, start
from sferum.testing import DEFAULT_START


async def test_embedded_default_runs_all_bots_and_the_helper_answers(tmp_path: Path) -> None:
    settings = Settings(db_path=str(tmp_path / "sferum.db"), sandbox_port=0, miniapp_port=0)
    running = await start(settings, clock=ManualClock(DEFAULT_START))
    try:
        assert {"sandbox", "miniapp"} <= set(running.urls)
        names = {c.plugins[0].name for c in running.communities}
        assert {"advisor_broadcast", "rosobrnadzor_helper"} <= names
        text = describe(running)
        assert running.urls["sandbox"] in text and "DEMO-PA11" in text

        helper = next(c for c in running.communities if c.plugins[0].name == "rosobrnadzor_helper")
        teacher = build().vk_ids()["smirnova"]
        control = f"{running.urls['sandbox']}/sandbox/api"
        async with aiohttp.ClientSession() as http:
            async with http.post(
                f"{control}/users/{teacher}/messages",
                json={"peer_id": -helper.group_id, "text": "как подать апелляцию на баллы ЕГЭ?"},
            ) as response:
                assert response.status == 201
            answer = ""
            for _ in range(400):  # the bot answers through long poll, within a second or so
                async with http.get(
                    f"{control}/users/{teacher}/messages", params={"peer_id": -helper.group_id}
                ) as response:
                    items = (await response.json())["items"]
                bot_items = [m for m in items if m["from_id"] == -helper.group_id]
                if bot_items:
                    answer = bot_items[-1]["text"]
                    break
                await helper.queue.join()
                import asyncio

                await asyncio.sleep(0.01)
        assert "апелляц" in answer.lower()
        assert "Источник" in answer or "приказ" in answer.lower()
    finally:
        await running.stop()
