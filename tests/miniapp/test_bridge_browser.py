"""VK Bridge in a real headless Chromium.

The whole path: `sferum run`'s embedded stack, a student opens the journal from the bot's
«Открыть журнал» button, the sandbox web chat shows it in a frame and answers VK Bridge as VK's web
client does; the mini-app sends VKWebAppInit on every page and follows the scheme the person
switches in the web chat. Then the mini-app alone: with scripts off it still shows the journal,
and with no client answering it follows the device's prefers-color-scheme.
Needs Debian's chromium (`apt-get install -y chromium`).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiohttp.test_utils import TestServer

from core.clock import ManualClock
from core.config import Settings
from core.demo.district import build
from sferum.app import start
from sferum.testing import DEFAULT_START

from ..browser import chromium_page, launch_chromium, needs_chromium
from .conftest import launch_query, vk

pytestmark = needs_chromium


async def until(frame: Any, expression: str, tries: int = 300) -> None:
    """Wait until ``expression`` is true in the app's frame. Polled from here: Playwright re-runs
    a string predicate with eval, which the mini-app's CSP (script-src 'self') forbids."""
    for _ in range(tries):
        if await frame.evaluate(expression):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never true in the app: {expression}")


SCHEME = "document.documentElement.dataset.scheme || null"
# Relative luminance of the body's computed colours: the CSS switched, not just the attribute.
LUMINANCE = """(prop) => {
  const [r, g, b] = getComputedStyle(document.body)[prop].match(/\\d+/g).slice(0, 3).map(Number);
  const lin = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}"""


def received(log: list[dict[str, Any]], method: str) -> list[dict[str, Any]]:
    return [e for e in log if e["direction"] == "in" and e["method"] == method]


async def test_the_web_chat_answers_vk_bridge_and_switches_the_scheme(tmp_path: Path) -> None:
    settings = Settings(db_path=str(tmp_path / "sferum.db"), sandbox_port=0, miniapp_port=0)
    running = await start(settings, clock=ManualClock(DEFAULT_START))
    student = build().vk_ids()["st08"]
    try:
        sandbox, miniapp = running.urls["sandbox"], running.urls["miniapp"]
        miniapp_origin = "http://" + urlsplit(miniapp).netloc
        group = running.communities[0].group_id
        async with chromium_page() as page:
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            await page.goto(f"{sandbox}/chat/{student}?peer={-group}")
            await page.fill("#text", "журнал")
            await page.press("#text", "Enter")
            button = page.locator("a.kb-btn[data-kind=open_app]", has_text="Открыть журнал")
            await button.click()

            # The app opens in the web chat's frame, launched and signed in: its home page.
            layer = page.locator("#app-layer")
            await layer.wait_for(state="visible")
            handle = await page.locator("#app-frame").element_handle()
            assert handle is not None
            app = await handle.content_frame()
            assert app is not None
            await app.wait_for_url(lambda url: url.startswith(f"{miniapp}/home"))
            await app.locator("a.tile", has_text="Оценки").wait_for()

            # The web chat received VKWebAppInit from the mini-app's frame, and answered it.
            await page.wait_for_function(
                "() => window.sandboxBridgeLog.some("
                "e => e.direction === 'in' && e.method === 'VKWebAppInit')"
            )
            # GetConfig was answered light (the default): the app applied what it was told.
            await until(app, f"{SCHEME} === 'light'")
            log = await page.evaluate("window.sandboxBridgeLog")
            init = received(log, "VKWebAppInit")[0]
            assert init["origin"] == miniapp_origin
            assert init["data"]["request_id"]  # vk-bridge's own request id
            assert received(log, "VKWebAppGetConfig")
            answers = [e["method"] for e in log if e["direction"] == "out"]
            assert "VKWebAppInitResult" in answers and "VKWebAppGetConfigResult" in answers
            assert await app.evaluate(LUMINANCE, "backgroundColor") > 0.5

            # The person switches the client to dark: an UpdateConfig event reaches the app.
            await page.get_by_label("Тёмная тема").check()
            # Both attributes of the one UpdateConfig: waited for together, since the frame's
            # document may still be settling (seen under a loaded machine).
            await until(
                app,
                f"{SCHEME} === 'dark' && document.documentElement.dataset.vkScheme === "
                "'vkcom_dark'",
            )
            # The CSS follows: waited for, not read once (a loaded machine restyles late).
            # (Polled from here: a string predicate is eval'ed, which the app's CSP forbids.)
            for _ in range(300):
                if await app.evaluate(LUMINANCE, "backgroundColor") < 0.05:
                    break
                await asyncio.sleep(0.05)
            assert await app.evaluate(LUMINANCE, "backgroundColor") < 0.05
            assert await app.evaluate(LUMINANCE, "color") > 0.5
            log = await page.evaluate("window.sandboxBridgeLog")
            update = [e for e in log if e["method"] == "VKWebAppUpdateConfig"][-1]
            assert update["direction"] == "out" and update["data"]["appearance"] == "dark"
            await page.screenshot(path=str(tmp_path / "dark-home.png"))

            # Every page says init again and asks the scheme: the next page comes up dark.
            await app.locator("a.tile", has_text="Оценки").click()
            await app.wait_for_url("**/grades*")
            await until(app, f"{SCHEME} === 'dark'")
            assert await app.inner_text("h1") == "Оценки"
            await page.wait_for_function(
                "() => window.sandboxBridgeLog.filter("
                "e => e.direction === 'in' && e.method === 'VKWebAppInit').length >= 2"
            )
            # No horizontal scrolling on a phone screen, in the frame either.
            assert await app.evaluate("document.documentElement.scrollWidth") <= 390

            # And back to light.
            await page.get_by_label("Тёмная тема").uncheck()
            await until(app, f"{SCHEME} === 'light'")

            await page.click("#app-close")
            await layer.wait_for(state="hidden")
            assert errors == []
    finally:
        await running.stop()


async def test_the_mini_app_alone_without_scripts_and_without_a_client(
    server: TestServer, clock: ManualClock
) -> None:
    from playwright.async_api import async_playwright

    launch = "/?" + urlencode(launch_query(vk("st08"), int(clock.now().timestamp())))
    base = str(server.make_url(""))
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        try:
            # Scripts off: the launch, the pages and their data are all the server's.
            context = await browser.new_context(java_script_enabled=False, locale="ru-RU")
            page = await context.new_page()
            page.set_default_timeout(15_000)
            await page.goto(base + launch)
            assert urlsplit(page.url).path == "/home"
            assert "Тимофей" in await page.inner_text("body")
            await page.click("a.tile >> text=Оценки")
            await page.wait_for_url("**/grades*")
            assert await page.locator(".subject-card .subject").count() > 0
            assert await page.locator(".subject-card .mark b").count() > 0
            assert await page.get_attribute("html", "data-scheme") is None
            await context.close()

            # Scripts on, a plain tab (no VK client answers): the device's preference decides.
            context = await browser.new_context(color_scheme="dark", locale="ru-RU")
            page = await context.new_page()
            page.set_default_timeout(15_000)
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            await page.goto(base + launch)
            await page.wait_for_load_state("load")
            assert await page.evaluate(SCHEME) is None
            assert await page.evaluate(LUMINANCE, "backgroundColor") < 0.05
            assert await page.evaluate(LUMINANCE, "color") > 0.5
            await page.emulate_media(color_scheme="light")
            assert await page.evaluate(LUMINANCE, "backgroundColor") > 0.5
            assert errors == []
            await context.close()
        finally:
            await browser.close()
