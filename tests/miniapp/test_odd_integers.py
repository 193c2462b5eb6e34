"""Ids from URLs, queries, launch parameters and cookies: only plain ASCII digits within 64 bits.
Before, an oversized id reached SQLite (OverflowError: a 500), and Python's generous ``int()``
took ``+100001``, ``100_001`` and Arabic-Indic digits as if they were the plain id."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest

from core.clock import ManualClock
from core.integers import INT64_MAX, ascii_id, ascii_int
from core.vk.launch_params import InvalidLaunchParams, sign_launch_params, verify_launch_params
from miniapp.admin import setup as admin_pages
from miniapp.security import SessionSigner

from .conftest import SECRET, AppFactory, Browser, BrowserFactory, launch_query, vk
from .test_pages import own_id

HUGE = "9" * 30
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def odd_forms(number: int) -> list[str]:
    text = str(number)
    return [f"+{text}", f"{text[:2]}_{text[2:]}", text.translate(ARABIC), f" {text}", f"{text}\n"]


def test_ascii_int() -> None:
    assert ascii_int("0") == 0 and ascii_id("100001") == 100001
    assert ascii_int(str(INT64_MAX)) == INT64_MAX
    for bad in [str(INT64_MAX + 1), HUGE, "", "-1", "²", "1.0", "1e3", *odd_forms(100001), None]:
        assert ascii_int(bad) is None, bad
    assert ascii_id("0") is None
    assert ascii_int("5", low=1, high=4) is None


def _signed(**values: str) -> dict[str, str]:
    params = {"vk_user_id": "100001", "vk_app_id": "51000001", "vk_ts": "1795000000", **values}
    return {**params, "sign": sign_launch_params(params, SECRET)}


def test_core_launch_params_take_plain_digits_only() -> None:
    now = datetime.fromtimestamp(1795000000, UTC)
    assert verify_launch_params(_signed(), SECRET, 3600, now).user_id == 100001
    for key in ("vk_user_id", "vk_app_id"):
        for value in [HUGE, "0", *odd_forms(100001)]:
            with pytest.raises(InvalidLaunchParams):
                verify_launch_params(_signed(**{key: value}), SECRET, 3600, now)
    for value in ["9" * 19, "+1795000000", "1795000000".translate(ARABIC)]:
        with pytest.raises(InvalidLaunchParams):
            verify_launch_params(_signed(vk_ts=value), SECRET, 3600, now)
    odd_group = verify_launch_params(_signed(vk_group_id="١٢"), SECRET, 3600, now)
    assert odd_group.group_id is None


async def test_odd_launch_ids_are_401_not_500_nor_a_session(
    open_as: BrowserFactory, clock: ManualClock
) -> None:
    browser = await open_as(None)
    now = int(clock.now().timestamp())
    student = vk("st08")
    for user in [HUGE, *odd_forms(student)]:
        query = launch_query(student, now)
        params = {k: v for k, v in query.items() if k != "sign"}
        params["vk_user_id"] = user
        params["sign"] = sign_launch_params(params, SECRET)  # correctly signed by the app's key
        response = await browser.get("/?" + urlencode(params), allow_redirects=False)
        assert response.status == 401, user
        assert "Не удалось проверить запуск" in await response.text()
        assert "Set-Cookie" not in response.headers
        header = await browser.get("/api/me", headers={"Authorization": "VK " + urlencode(params)})
        assert header.status == 401, user
    for key, value in (("vk_app_id", "+51000001"), ("vk_ts", f"+{now}")):
        params = {k: v for k, v in launch_query(student, now).items() if k != "sign"}
        params[key] = value
        params["sign"] = sign_launch_params(params, SECRET)
        response = await browser.get("/?" + urlencode(params), allow_redirects=False)
        assert response.status == 401, key


async def test_odd_org_ids_in_admin_paths_are_404(
    make_server: AppFactory, clock: ManualClock
) -> None:
    browser = Browser(await make_server(extra_routes=[admin_pages]), clock)
    try:
        assert (await browser.launch(vk("orlov"))).status == 303
        home = await browser.get("/admin/monitoring", allow_redirects=False)
        school = int(home.headers["Location"].rsplit("/", 1)[1])
        assert (await browser.get(f"/admin/monitoring/{school}")).status == 200
        for odd in [HUGE, "99999999999999999999999", *odd_forms(school)[:3], "0"]:
            for tail in ("", "/weeks", "/chart.svg", "/thresholds"):
                response = await browser.get(f"/admin/monitoring/{odd}{tail}")
                assert response.status == 404, (odd, tail)
                assert "Страница не найдена" in await response.text()
        # A query number that is not plain digits falls back to the default, never a 500.
        for weeks in (HUGE, "٥", "+5", "1_0"):
            chart = await browser.get(f"/admin/monitoring/{school}/chart.svg?weeks={weeks}")
            assert chart.status == 200, weeks
    finally:
        await browser.close()


async def test_odd_term_in_the_query_falls_back(open_as: BrowserFactory) -> None:
    browser = await open_as("st08")
    sid = await own_id(browser)
    for term in ("²", HUGE, "٣", "+1"):  # "²".isdigit() is true and int("²") raised: a 500
        response = await browser.get(f"/s/{sid}/grades?term={term}")
        assert response.status == 200, term
    for term in ("²", HUGE):
        assert (await browser.get(f"/api/journal/student/{sid}/grades?term={term}")).status == 200


def test_session_cookie_with_odd_digits_is_no_session(clock: ManualClock) -> None:
    signer = SessionSigner(b"k" * 32, SECRET, 3600)
    now = clock.now()
    issued = str(int(now.timestamp()))
    assert signer.read(signer.issue(100001, now), now) is not None
    # Even correctly MACed (the key leaked, or a bug elsewhere), odd numbers are not a session.
    for user, stamp in (
        ("١٠٠٠٠١", issued),
        ("²", issued),
        (HUGE, issued),
        ("100001", "+" + issued),
    ):
        body = f"{user}.{stamp}.sid"
        assert signer.read(f"{body}.{signer._mac(body)}", now) is None, user
