"""The session cookie behind a TLS proxy: VK's web client embeds the app in a cross-site frame,
where browsers send only a ``SameSite=None; Secure`` cookie. `sferum run` reads the setting
``behind_proxy`` (before, only `sferum miniapp --behind-proxy` could trust X-Forwarded-Proto, so
sessions broke on vk.com behind any proxy)."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest

from core.clock import ManualClock
from core.config import SANDBOX_APP_SECRET, ConfigError, Settings, load_settings
from miniapp.keys import MiniAppConfig
from sferum.app import start
from sferum.testing import DEFAULT_START

from .conftest import AppFactory, Browser, launch_query, vk

HTTPS = {"X-Forwarded-Proto": "https"}


def _cookie(response: aiohttp.ClientResponse) -> str:
    return "; ".join(response.headers.getall("Set-Cookie", []))


def test_behind_proxy_setting() -> None:
    assert load_settings({"SFERUM_BEHIND_PROXY": "true"}, Path("/nonexistent.toml")).behind_proxy
    assert not load_settings({}, Path("/nonexistent.toml")).behind_proxy
    with pytest.raises(ConfigError, match="SFERUM_BEHIND_PROXY: ожидается true или false"):
        load_settings({"SFERUM_BEHIND_PROXY": "maybe"}, Path("/nonexistent.toml"))
    settings = Settings(behind_proxy=True)
    assert MiniAppConfig.from_settings(settings).trust_forwarded_proto
    # `sferum run` builds its config with frame_ancestors for the sandbox: the setting holds.
    assert MiniAppConfig.from_settings(settings, frame_ancestors=("x",)).trust_forwarded_proto


async def test_sferum_run_behind_a_proxy_sets_a_cross_site_cookie(tmp_path: Path) -> None:
    settings = Settings(
        db_path=str(tmp_path / "sferum.db"), sandbox_port=0, miniapp_port=0, behind_proxy=True
    )
    clock = ManualClock(DEFAULT_START)
    running = await start(settings, clock=clock)
    try:
        url = running.urls["miniapp"]
        query = launch_query(
            vk("st08"), int(clock.now().timestamp()), app_id=settings.vk_app_id,
            secret=SANDBOX_APP_SECRET,
        )  # fmt: skip
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as http:
            launch = f"{url}/?{urlencode(query)}"
            async with http.get(launch, headers=HTTPS, allow_redirects=False) as response:
                assert response.status == 303
                cookie = _cookie(response)
            assert "Secure" in cookie and "SameSite=None" in cookie and "HttpOnly" in cookie
            # The cookie now crosses sites, so forms keep their CSRF tokens: a post without one
            # (what another site's page would send along with the cookie) is refused.
            headers = {**HTTPS, "Cookie": cookie.split(";")[0]}
            async with http.get(f"{url}/link", headers=headers) as response:
                page = await response.text()
            assert 'name="csrf"' in page
            async with http.post(f"{url}/link", headers=headers, data={"code": "ABCD-EFGH",
                                 "confirm": "1"}) as response:  # fmt: skip
                assert response.status == 403
            csrf = html.unescape(re.findall(r'name="csrf" value="([^"]*)"', page)[0])
            async with http.post(f"{url}/link", headers=headers, data={"code": "ABCD-EFGH",
                                 "confirm": "1", "csrf": csrf}) as response:  # fmt: skip
                assert response.status == 400 and "Такого кода нет" in await response.text()
            # Plain HTTP (the sandbox itself, same site): Lax, and no Secure a browser would keep.
            async with (
                aiohttp.ClientSession() as plain,
                plain.get(launch, allow_redirects=False) as response,
            ):
                cookie = _cookie(response)
            assert "SameSite=Lax" in cookie and "Secure" not in cookie and "HttpOnly" in cookie
    finally:
        await running.stop()


async def test_without_the_setting_the_header_is_not_believed(
    make_server: AppFactory, clock: ManualClock
) -> None:
    # Anyone can send X-Forwarded-Proto to an app that is not behind a proxy.
    browser = Browser(await make_server(), clock)
    try:
        query = launch_query(vk("st08"), int(clock.now().timestamp()))
        response = await browser.get("/?" + urlencode(query), headers=HTTPS, allow_redirects=False)
        cookie = _cookie(response)
        assert "SameSite=Lax" in cookie and "Secure" not in cookie
    finally:
        await browser.close()
