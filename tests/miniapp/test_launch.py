"""Opening the mini-app from VK: signature, age, app id, session cookie, human 401 pages."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from aiohttp.test_utils import TestServer

from core.clock import ManualClock
from core.vk.launch_params import sign_launch_params

from .conftest import SECRET, AppFactory, Browser, BrowserFactory, launch_query, vk


def _cookie_header(response_headers: object) -> str:
    headers = response_headers  # a CIMultiDictProxy
    return "; ".join(headers.getall("Set-Cookie", []))  # type: ignore[attr-defined]


async def test_valid_launch_sets_session_and_goes_home(open_as: BrowserFactory) -> None:
    browser = await open_as(None)
    response = await browser.launch(vk("st08"))
    assert response.status == 303
    assert response.headers["Location"] == "/home"
    cookie = _cookie_header(response.headers)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    # Plain HTTP (the sandbox): no Secure flag, which the browser would refuse to send back.
    assert "Secure" not in cookie
    home = await browser.get("/home")
    assert home.status == 200
    assert "Здравствуйте, Тимофей!" in await home.text()


async def test_tampered_parameters_are_refused(open_as: BrowserFactory, clock: ManualClock
                                               ) -> None:  # fmt: skip
    browser = await open_as(None)
    query = launch_query(vk("st08"), int(clock.now().timestamp()))
    query["vk_user_id"] = str(vk("st09"))  # someone else's id under st08's sign
    response = await browser.get("/?" + urlencode(query), allow_redirects=False)
    assert response.status == 401
    text = await response.text()
    assert response.content_type == "text/html"
    assert "Не удалось проверить запуск" in text and "Traceback" not in text
    assert "Set-Cookie" not in response.headers
    # And the session was not created: journal pages stay closed.
    assert (await browser.get("/home")).status == 401


async def test_forged_sign_with_another_secret(open_as: BrowserFactory, clock: ManualClock
                                               ) -> None:  # fmt: skip
    browser = await open_as(None)
    query = launch_query(vk("st08"), int(clock.now().timestamp()), secret="not-the-app-secret")
    response = await browser.get("/?" + urlencode(query), allow_redirects=False)
    assert response.status == 401


async def test_missing_sign_or_parameters(open_as: BrowserFactory, clock: ManualClock) -> None:
    browser = await open_as(None)
    query = launch_query(vk("st08"), int(clock.now().timestamp()))
    del query["sign"]
    response = await browser.get("/?" + urlencode(query), allow_redirects=False)
    assert response.status == 401
    assert "Не удалось проверить запуск" in await response.text()
    bare = await browser.get("/", allow_redirects=False)
    assert bare.status == 401
    assert "Откройте журнал из VK Мессенджера" in await bare.text()
    no_user = launch_query(vk("st08"), int(clock.now().timestamp()))
    params = {k: v for k, v in no_user.items() if k not in ("vk_user_id", "sign")}
    params["sign"] = sign_launch_params(params, SECRET)  # correctly signed, but no user
    response = await browser.get("/?" + urlencode(params), allow_redirects=False)
    assert response.status == 401


async def test_stale_and_future_launches(open_as: BrowserFactory, clock: ManualClock) -> None:
    browser = await open_as(None)
    now = int(clock.now().timestamp())
    stale = await browser.get(
        "/?" + urlencode(launch_query(vk("st08"), now - 3601)), allow_redirects=False
    )
    assert stale.status == 401
    assert "Ссылка устарела" in await stale.text()
    fresh = await browser.get(
        "/?" + urlencode(launch_query(vk("st08"), now - 3500)), allow_redirects=False
    )
    assert fresh.status == 303
    future = await browser.get(
        "/?" + urlencode(launch_query(vk("st08"), now + 3600)), allow_redirects=False
    )
    assert future.status == 401
    absurd = await browser.get(
        "/?" + urlencode(launch_query(vk("st08"), 10**20)), allow_redirects=False
    )
    assert absurd.status == 401


async def test_max_age_is_configurable(
    make_server: AppFactory, services: object, clock: ManualClock
) -> None:
    from core.runtime.services import Services

    assert isinstance(services, Services)
    from miniapp.keys import MiniAppConfig

    config = MiniAppConfig.from_settings(services.settings, launch_max_age_s=60)
    server = await make_server(config=config)
    browser = Browser(server, clock)
    try:
        now = int(clock.now().timestamp())
        old = await browser.get(
            "/?" + urlencode(launch_query(vk("st08"), now - 120)), allow_redirects=False
        )
        assert old.status == 401
        ok = await browser.get(
            "/?" + urlencode(launch_query(vk("st08"), now - 30)), allow_redirects=False
        )
        assert ok.status == 303
    finally:
        await browser.close()


async def test_other_app_id_and_repeated_params(open_as: BrowserFactory, clock: ManualClock
                                                ) -> None:  # fmt: skip
    browser = await open_as(None)
    now = int(clock.now().timestamp())
    other_app = launch_query(vk("st08"), now, app_id=7_000_000)
    response = await browser.get("/?" + urlencode(other_app), allow_redirects=False)
    assert response.status == 401
    # A second vk_user_id after the signed one: ambiguous, refused rather than guessed.
    good = launch_query(vk("st08"), now)
    doubled = urlencode(good) + "&vk_user_id=" + str(vk("st09"))
    response = await browser.get("/?" + doubled, allow_redirects=False)
    assert response.status == 401


async def test_sign_keys_launch(open_as: BrowserFactory, clock: ManualClock) -> None:
    browser = await open_as(None)
    params = {
        "vk_user_id": str(vk("st08")),
        "vk_app_id": "51000001",
        "vk_ts": str(int(clock.now().timestamp())),
        "vk_platform": "mobile_iphone",
        "sign_keys": "vk_app_id,vk_platform,vk_ts,vk_user_id",
    }
    params["sign"] = sign_launch_params(params, SECRET)
    params["vk_extra_unsigned"] = "x"  # not in sign_keys: ignored, not trusted
    response = await browser.get("/?" + urlencode(params), allow_redirects=False)
    assert response.status == 303


async def test_session_expiry_and_forged_cookie(open_as: BrowserFactory, clock: ManualClock
                                                ) -> None:  # fmt: skip
    browser = await open_as("st08")
    assert (await browser.get("/home")).status == 200
    clock.advance(timedelta(hours=9))  # the session lives 8 hours
    expired = await browser.get("/home")
    assert expired.status == 401
    assert "Сеанс завершён" in await expired.text()

    forger = await open_as(None)
    forger.session.cookie_jar.update_cookies(
        {"sferum_miniapp": f"{vk('orlov')}.{int(clock.now().timestamp())}.abc.notamac"},
        forger.server.make_url("/"),
    )
    assert (await forger.get("/home")).status == 401


async def test_relaunch_without_params_uses_the_session(open_as: BrowserFactory) -> None:
    browser = await open_as("st08")
    response = await browser.get("/", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/home"


async def test_secure_cookie_behind_https_proxy(
    make_server: AppFactory, services: object, clock: ManualClock
) -> None:
    from core.runtime.services import Services
    from miniapp.keys import MiniAppConfig

    assert isinstance(services, Services)
    server: TestServer = await make_server(
        config=MiniAppConfig.from_settings(services.settings, trust_forwarded_proto=True)
    )
    browser = Browser(server, clock)
    try:
        query = launch_query(vk("st08"), int(clock.now().timestamp()))
        response = await browser.get(
            "/?" + urlencode(query),
            allow_redirects=False,
            headers={"X-Forwarded-Proto": "https"},
        )
        cookie = _cookie_header(response.headers)
        # Inside VK's web client the app is a cross-site iframe: SameSite=None needs Secure.
        assert "Secure" in cookie and "SameSite=None" in cookie and "HttpOnly" in cookie
    finally:
        await browser.close()
