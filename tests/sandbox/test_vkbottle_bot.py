"""A plain vkbottle bot (none of our code) talks to the sandbox exactly as it would to VK.

The bots below use vkbottle alone: an API pointed at the sandbox's base URL, a token, handlers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from vkbottle import Bot
from vkbottle.callback import BotCallback

from sandbox.app import RunningSandbox
from sandbox.records import Community

from .conftest import Control
from .plain_bot import plain_vkbottle_bot


def make_bot(api_url: str, token: str, callback: BotCallback | None = None) -> Bot:
    return plain_vkbottle_bot(api_url, token, snackbar="Уроки с 8:30", callback=callback)


async def eventually(probe: Callable[[], Awaitable[Any]], within_s: float = 10) -> Any:
    """Poll a condition over real time (the bot runs concurrently); no fixed sleeps."""
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        result = await probe()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


async def conversation_with_bot(control: Control, community: Community, user_id: int) -> None:
    await control.write(user_id, -community.id, "Привет")

    async def replied() -> Any:
        items = (await control.messages(user_id, -community.id))["items"]
        return items if len(items) >= 2 else None

    items = await eventually(replied)
    reply = items[1]
    assert reply["text"] == "Здравствуйте, Пётр! Вы написали: Привет"
    assert reply["keyboard"]["inline"] is True
    labels = [b["action"]["label"] for b in reply["keyboard"]["buttons"][0]]
    assert labels == ["Расписание", "Оценки"]

    pressed = await control.post(
        f"/users/{user_id}/events", {"peer_id": -community.id, "label": "Расписание"}, 201
    )

    async def answered() -> Any:
        body = await control.get(f"/users/{user_id}/events/{pressed['event_id']}")
        return body if body["answered"] else None

    answer = await eventually(answered)
    assert answer["event_data"] == {"type": "show_snackbar", "text": "Уроки с 8:30"}

    # A text button: its label and payload arrive as a message, routed by payload.
    await control.write(user_id, -community.id, "Оценки", payload={"cmd": "grades"})

    async def graded() -> Any:
        items = (await control.messages(user_id, -community.id))["items"]
        return items[-1]["text"] == "Оценки: 5, 5, 4"

    await eventually(graded)


async def test_long_poll_bot_answers_through_the_control_api(
    sandbox: RunningSandbox,
    control: Control,
    community: Community,
) -> None:
    bot = make_bot(sandbox.api_url, community.access_token)
    task = asyncio.create_task(bot.run_polling())
    try:
        user_id = await control.user("Пётр", "Иванов")

        async def polling() -> bool:
            # Events before the bot's first getLongPollServer are not its to see, as on VK.
            return bool((await control.get("/stats"))["longpoll_requests"])

        await eventually(polling)
        await conversation_with_bot(control, community, user_id)
    finally:
        bot.polling.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


Handler = Callable[[web.Request], Awaitable[web.Response]]


@pytest.fixture
async def bot_server() -> AsyncIterator[tuple[dict[str, Handler], str]]:
    """The bot's own web server; the test plugs its handler in."""
    app = web.Application()
    runner = web.AppRunner(app, access_log=None)
    routes: dict[str, Handler] = {}

    async def handle(request: web.Request) -> web.Response:
        return await routes["handler"](request)

    app.router.add_post("/vk", handle)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield routes, f"http://127.0.0.1:{runner.addresses[0][1]}/vk"
    finally:
        await runner.cleanup()


async def test_callback_api_bot_answers(
    sandbox: RunningSandbox,
    control: Control,
    community: Community,
    bot_server: tuple[dict[str, Handler], str],
) -> None:
    """The same bot over the Callback API, set up by vkbottle's own setup_webhook()."""
    routes, url = bot_server
    bot = make_bot(
        sandbox.api_url, community.access_token, BotCallback(url=url, title="sandbox-test")
    )
    secrets: dict[str, str] = {}
    tasks: set[asyncio.Task[None]] = set()

    async def handler(request: web.Request) -> web.Response:
        event = await request.json()
        if event["type"] == "confirmation":
            return web.Response(text=secrets.get("code", ""))
        if event.get("secret") != secrets.get("secret"):
            return web.Response(status=403, text="forbidden")
        task = asyncio.create_task(bot.process_event(event))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        return web.Response(text="ok")

    routes["handler"] = handler
    secrets["code"], secrets["secret"] = await bot.setup_webhook()
    runtime = sandbox.runtime

    async def delivering() -> bool:
        await runtime.tick()  # the ManualClock does not move: every retry is due at once
        return True

    await runtime.tick()  # the confirmation handshake
    server = runtime.callback.servers[community.id][0]
    assert server.status == "ok"
    user_id = await control.user("Пётр", "Смирнов")

    ticking = asyncio.create_task(_tick_forever(delivering))
    try:
        await conversation_with_bot(control, community, user_id)
    finally:
        ticking.cancel()
        await asyncio.gather(ticking, *tasks, return_exceptions=True)


async def _tick_forever(tick: Callable[[], Awaitable[bool]]) -> None:
    while True:
        await tick()
        await asyncio.sleep(0.01)
