"""The web chat in a real headless Chromium, talking to a plain vkbottle bot.

Done when a message typed in the web chat reaches the bot and its reply, keyboards and button
answers appear there. Needs Debian's chromium (`apt-get install -y chromium`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from aiohttp import web
from vkbottle import Bot, Keyboard, OpenLink, VKApps
from vkbottle.bot import Message

from core.clock import ManualClock
from core.demo.district import build
from core.vk.launch_params import verify_launch_params
from miniapp.pages import STATIC_DIR
from sandbox.app import RunningSandbox
from sandbox.config import SandboxConfig
from sandbox.records import Community

from ..browser import DESKTOP, chromium_page, needs_chromium
from .conftest import Control
from .plain_bot import plain_vkbottle_bot

APP_ID = 51000001
APP_SECRET = "sandbox-app-secret"
ME = build().vk_ids()["smirnova"]

pytestmark = [
    needs_chromium,
    pytest.mark.parametrize(
        "config",
        [
            SandboxConfig(
                background_tasks=False,
                seed_demo=True,
                communities=("Школьный помощник",),
                rate_limit=None,
            )
        ],
    ),
]


def journal_and_site(app_url: str) -> Callable[[Keyboard, Message], object]:
    """The plain bot's second row here: a link and a mini-app, which only a page can open."""

    def add(row: Keyboard, message: Message) -> object:
        row.add(OpenLink(f"{app_url}/link", "Сайт школы"))
        return row.add(
            VKApps(
                app_id=APP_ID,
                owner_id=-message.group_id,
                hash="journal",
                label="Электронный журнал",
            )
        )

    return add


@pytest.fixture
async def miniapp() -> AsyncIterator[str]:
    """A stand-in mini-app (and link target) on a free port."""

    async def app_page(request: web.Request) -> web.Response:
        page = '<script src="/vk-bridge.js" defer></script><h1>Электронный журнал</h1>'
        return web.Response(text=page, content_type="text/html")

    async def bridge(request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC_DIR / "vk-bridge.js")

    app = web.Application()
    app.router.add_get("/app", app_page)
    app.router.add_get("/link", app_page)
    app.router.add_get("/vk-bridge.js", bridge)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


@pytest.fixture
async def bot(
    sandbox: RunningSandbox,
    control: Control,
    community: Community,
    miniapp: str,
) -> AsyncIterator[Bot]:
    running = plain_vkbottle_bot(
        sandbox.api_url,
        community.access_token,
        snackbar="Уроки начинаются в 8:30",
        more_buttons=journal_and_site(miniapp),
    )
    task = asyncio.create_task(running.run_polling())
    for _ in range(500):
        if (await control.get("/stats"))["longpoll_requests"]:
            break
        await asyncio.sleep(0.01)
    try:
        yield running
    finally:
        running.polling.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_person_talks_to_a_vkbottle_bot_in_the_browser(
    sandbox: RunningSandbox,
    control: Control,
    community: Community,
    bot: Bot,
    miniapp: str,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    await control.post(
        "/apps", {"app_id": APP_ID, "url": f"{miniapp}/app", "secret": APP_SECRET}, 201
    )
    async with chromium_page(viewport=DESKTOP, timeout_ms=10_000) as page:
        # Pick who you are, then open the community.
        await page.goto(f"{sandbox.url}/?peer={-community.id}")
        await page.click(f'a.person[data-user="{ME}"]')
        await page.wait_for_url(f"**/chat/{ME}?peer={-community.id}")
        assert await page.inner_text(".conv-name") == "Школьный помощник"

        # Type a message; the bot's reply appears live.
        await page.fill("#text", "Добрый день!")
        await page.press("#text", "Enter")
        reply = page.locator(".msg.in .text", has_text="Здравствуйте, Ирина!")
        await reply.wait_for()
        assert "Вы написали: Добрый день!" in await reply.inner_text()
        assert await page.locator(".msg.out .text").first.inner_text() == "Добрый день!"

        # A callback button: the bot's snackbar answer is shown.
        await page.click("button.kb-btn[data-kind=callback] >> text=Расписание")
        toast = page.locator("#toast")
        await toast.wait_for(state="visible")
        assert await toast.inner_text() == "Уроки начинаются в 8:30"

        # A text button sends its label with its payload; the bot routes by payload.
        await page.click("button.kb-btn[data-kind=text] >> text=Оценки")
        await page.locator(".msg.in .text", has_text="Оценки: 5, 5, 4").wait_for()
        assert await page.locator(".msg.out .text").last.inner_text() == "Оценки"

        # open_link opens the link in a new tab.
        link = page.locator("a.kb-btn[data-kind=open_link]").first
        assert await link.get_attribute("target") == "_blank"
        async with page.context.expect_page() as opened:
            await link.click()
        tab = await opened.value
        await tab.wait_for_load_state()
        assert tab.url == f"{miniapp}/link"
        await tab.close()

        # open_app opens the registered mini-app, with correctly signed launch parameters, in
        # a frame over the chat, as VK's web client does.
        await page.locator("a.kb-btn[data-kind=open_app]").first.click()
        await page.locator("#app-layer").wait_for(state="visible")
        handle = await page.locator("#app-frame").element_handle()
        assert handle is not None
        app_frame = await handle.content_frame()
        assert app_frame is not None
        await app_frame.wait_for_url(lambda url: url.startswith(f"{miniapp}/app?"))
        await app_frame.locator("h1").wait_for()
        assert await app_frame.inner_text("h1") == "Электронный журнал"
        parts = urlsplit(app_frame.url)
        assert parts.path == "/app" and parts.fragment == "journal"
        launch = verify_launch_params(
            dict(parse_qsl(parts.query, keep_blank_values=True)), APP_SECRET, 3600, clock.now()
        )
        assert (launch.user_id, launch.app_id, launch.group_id) == (ME, APP_ID, community.id)
        # The stand-in app loads the real bundle: the web chat answers its VK Bridge calls.
        await page.wait_for_function(
            "() => ['VKWebAppInit', 'VKWebAppGetConfig'].every(m => window.sandboxBridgeLog"
            ".some(e => e.direction === 'in' && e.method === m))"
        )
        assert await app_frame.evaluate("document.documentElement.dataset.scheme") == "light"
        assert await page.inner_text(".app-title") == "Электронный журнал"
        await page.click("#app-close")
        await page.locator("#app-layer").wait_for(state="hidden")

        await page.screenshot(path=str(tmp_path / "webchat.png"))

    # The same conversation through the control API.
    seen = await control.messages(ME, -community.id)
    assert [m["text"] for m in seen["items"]][:2] == [
        "Добрый день!",
        "Здравствуйте, Ирина! Вы написали: Добрый день!",
    ]
