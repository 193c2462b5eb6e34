"""Two communities of [communities] on one Callback API server: VK posts each community's events
to /callback/<its group id>, each is checked against its own secret and answered by its own bot."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from core.clock import ManualClock
from core.config import load_settings
from core.demo.district import build
from core.demo.loader import load_demo
from sandbox.app import start_sandbox
from sandbox.config import SandboxConfig
from sandbox.seed import seed_demo
from sferum.app import start
from sferum.testing import DEFAULT_START

from .config_file import sferum_toml

SECRETS = {
    "exam_trainer": "trainer-callback-secret-01",
    "pushkin_card": "pushkin-callback-secret-2",
}


async def test_each_community_is_served_by_its_group_id_and_secret(tmp_path: Path) -> None:
    clock = ManualClock(DEFAULT_START)
    sandbox = await start_sandbox(
        SandboxConfig(background_tasks=False, rate_limit=None), clock=clock
    )
    state = sandbox.runtime.state
    seed_demo(state)
    student = build().vk_ids()["st10"]
    vk = {name: state.create_community(name) for name in SECRETS}
    tables = "".join(
        f"""
[communities.{name}]
token = "{community.access_token}"
group_id = {community.id}
callback_secret = "{SECRETS[name]}"
callback_confirmation = "{community.confirmation_code}"
"""
        for name, community in vk.items()
    )
    config = sferum_toml(tmp_path, sandbox.api_url, f'transport = "callback"\n{tables}')
    running = await start(load_settings({}, config), clock=clock)
    control = f"{sandbox.url}/sandbox/api"
    try:
        await load_demo(running.services.people)
        assert {c.group_id: c.plugins[0].name for c in running.communities} == {
            c.id: name for name, c in vk.items()
        }
        async with aiohttp.ClientSession() as http:
            for name, community in vk.items():
                url = f"{running.urls['miniapp']}/callback/{community.id}"
                async with http.post(
                    f"{control}/communities/{community.id}/callback",
                    json={"url": url, "secret": SECRETS[name]},
                ) as response:
                    assert (await response.json())["confirmed"] is True  # its own code
                state.set_allowed(community, student, True)
            for community in vk.values():
                async with http.post(
                    f"{control}/users/{student}/messages",
                    json={"peer_id": -community.id, "text": "меню"},
                ) as response:
                    assert response.status == 201
            await sandbox.runtime.tick()

            def last(name: str) -> str:
                conv = state.conversation_for(student, -vk[name].id)
                assert conv is not None
                return [m.text for m in conv.messages if m.from_id == -vk[name].id][-1]

            assert "Тренажёр ОГЭ и ЕГЭ" in last("exam_trainer")
            assert last("pushkin_card").startswith("🎫 Пушкинская карта")

            # One community's secret does not open the other's URL.
            pushkin = vk["pushkin_card"].id
            forged = {"type": "message_new", "group_id": pushkin, "event_id": "f-1",
                      "secret": SECRETS["exam_trainer"], "object": {}}  # fmt: skip
            async with http.post(
                f"{running.urls['miniapp']}/callback/{pushkin}", json=forged
            ) as response:
                assert response.status == 403
    finally:
        await running.stop()
        await sandbox.stop()
