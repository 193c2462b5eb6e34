"""Callback API through the sandbox: confirmation, secret, and VK's retries after a lost answer,
de-duplicated by event_id even across a restart of our process."""

from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import aiohttp
from aiohttp import web
from vkbottle.framework.labeler import BotLabeler
from vkbottle.tools.mini_types.bot import MessageMin

from core.config import Settings
from core.plugins import Plugin
from core.rules import PrivateChat
from core.runtime.callback import add_callback_routes
from core.runtime.community import Community, CommunityConfig
from core.runtime.context import Ctx
from core.runtime.services import Services
from core.texts import CORE_TEXTS

from .sandbox_vk import echo_sandbox

echo = BotLabeler()


@echo.message(PrivateChat())
async def answer(message: MessageMin, cx: Ctx) -> None:
    await message.answer(f"получено: {message.text}")


ECHO = Plugin(name="echo", title="Эхо", labelers=[echo], texts=CORE_TEXTS)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def _serve(community: Community, port: int, lose_first_answer: bool) -> web.AppRunner:
    lost: list[bool] = []

    @web.middleware
    async def lossy(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        if lose_first_answer and not lost and response.status == 200:
            body = await request.json()
            if body.get("type") == "message_new":
                lost.append(True)
                return web.Response(status=500, text="the answer was lost")
        return response

    app = web.Application(middlewares=[lossy])
    add_callback_routes(app, {community.group_id: community})
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def test_callback_api_with_retries_after_a_lost_answer_and_a_restart(tmp_path: Path) -> None:
    clock, sandbox, vk_community = await echo_sandbox()
    state = sandbox.runtime.state
    user = state.create_user("Ира", "Смирнова", 700_001).id
    settings = Settings(db_path=str(tmp_path / "sferum.db"), rate_limit=1000, transport="callback")
    config = CommunityConfig(
        vk_community.id,
        vk_community.access_token,
        sandbox.api_url,
        ("echo",),
        callback_secret="s3cret",
        confirmation_code=vk_community.confirmation_code,
    )

    async def start_ours(port: int, lose: bool) -> tuple[Services, Community, web.AppRunner]:
        services = await Services.open(settings, clock)
        community = Community(services, config, [ECHO])
        return services, community, await _serve(community, port, lose)

    services, community, runner = await start_ours(0, lose=True)
    port = runner.addresses[0][1]
    try:
        async with aiohttp.ClientSession() as http:
            async with http.post(
                f"{sandbox.url}/sandbox/api/communities/{vk_community.id}/callback",
                json={
                    "url": f"http://127.0.0.1:{port}/callback/{vk_community.id}",
                    "secret": "s3cret",
                },
            ) as response:
                assert (await response.json())["confirmed"] is True
            async with http.post(
                f"http://127.0.0.1:{port}/callback/{vk_community.id}",
                json={
                    "type": "message_new",
                    "group_id": vk_community.id,
                    "secret": "wrong",
                    "object": {},
                },
            ) as response:
                assert response.status == 403
            async with http.post(
                f"{sandbox.url}/sandbox/api/users/{user}/messages",
                json={"peer_id": -vk_community.id, "text": "привет"},
            ) as response:
                assert response.status == 201

        await sandbox.runtime.tick()  # VK delivers; we handle it, but our answer is lost
        await community.queue.join()

        def replies() -> list[str]:
            conv = state.conversation_for(user, -vk_community.id)
            return [m.text for m in conv.messages if m.from_id == -vk_community.id] if conv else []

        assert replies() == ["получено: привет"]

        # Our process restarts (memory gone); VK retries 10 s later with the same event_id.
        await runner.cleanup()
        await community.close()
        await services.close()
        services, community, runner = await start_ours(port, lose=False)
        clock.advance(timedelta(seconds=11))
        assert await sandbox.runtime.tick() >= 1
        await community.queue.join()
        assert replies() == ["получено: привет"]  # handled once
        tries = [
            a.attempt for a in sandbox.runtime.callback.history if a.event_type == "message_new"
        ]
        assert tries == [0, 1]  # VK's first try (answer lost) and its retry (X-Retry-Counter: 1)
    finally:
        await runner.cleanup()
        await community.close()
        await services.close()
        await sandbox.stop()
