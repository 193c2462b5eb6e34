"""Headless Chromium for browser tests: Debian's package, flags that keep it off the network."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying hosts this machine cannot reach.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
needs_chromium = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is absent: apt-get install -y chromium"
)


def chromium_env() -> dict[str, str]:
    """The environment for Chromium: ours without libfaketime. The suite also runs with the clock
    moved a year (``faketime``, see the Makefile); preloaded into Chromium, libfaketime stalls its
    start. The pages' times come from our servers, which keep the moved clock."""
    return {
        key: value
        for key, value in os.environ.items()
        if key != "LD_PRELOAD" and not key.startswith("FAKETIME")
    }


async def launch_chromium(playwright: Any) -> Any:
    return await playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=chromium_env()
    )


PHONE = {"width": 390, "height": 800}  # a phone-sized window, as inside VK
DESKTOP = {"width": 1280, "height": 860}


@asynccontextmanager
async def chromium_page(
    *, viewport: dict[str, int] | None = PHONE, timeout_ms: int = 15_000, **options: Any
) -> AsyncIterator[Any]:
    """``async with chromium_page() as page:`` a page of a fresh headless Chromium: a Russian
    locale, the window ``viewport`` (None: Playwright's own), the other context ``options``
    given, ``timeout_ms`` for anything it waits for; the browser is closed on exit."""
    from playwright.async_api import async_playwright

    if viewport is not None:
        options["viewport"] = viewport
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        try:
            context = await browser.new_context(locale="ru-RU", **options)
            page = await context.new_page()
            page.set_default_timeout(timeout_ms)
            yield page
        finally:
            await browser.close()
