"""The monitoring in a real headless Chromium, as the demo admin (also a region admin here): the
unit page shows the writing metrics and the target line; on the thresholds page the period is
switched, and the unit page's colours follow. Needs Debian's chromium."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp.test_utils import TestServer

from core.activity.importer import PlatformImporter
from core.clock import ManualClock
from core.runtime.services import Services

from ...browser import launch_chromium, needs_chromium
from ..conftest import launch_query, vk
from .test_monitoring_pages import SAMPLE, make_region_admin, org_id

pytestmark = needs_chromium


async def test_demo_admin_switches_the_period_in_the_browser(
    admin_server: TestServer, clock: ManualClock, services: Services
) -> None:
    from playwright.async_api import async_playwright

    await PlatformImporter(services.db, services.clock).import_file(SAMPLE)
    await make_region_admin(services, "orlov")
    school = await org_id(services, "МБОУ СОШ № 112")
    launch = "/?" + urlencode(launch_query(vk("orlov"), int(clock.now().timestamp())))
    base = str(admin_server.make_url(""))
    unit = f"{base}/admin/monitoring/{school}?week=2026-11-16"
    writers10 = 'a.mon-tile[href^="?metric=writers10"]'
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        try:
            page = await (await browser.new_context(locale="ru-RU")).new_page()
            page.set_default_timeout(15_000)
            await page.goto(base + launch)
            await page.goto(unit)
            tiles = page.locator("a.mon-tile .mon-title")
            titles = await tiles.all_inner_texts()
            assert "Активные педагоги (сообщения)" in titles
            assert "Активные обучающиеся (сообщения)" in titles
            # The history chart of the default metric (≥3 messages) with its 25 % target.
            assert await page.locator('svg line[data-target="25"]').count() == 1
            # 1 of 3 wrote ≥ 10 messages: 33,3 %, under today's 35 % target.
            assert "below" in (await page.locator(writers10).get_attribute("class") or "")

            await page.get_by_role("link", name="Пороги показателей").click()
            await page.wait_for_url(f"**/admin/monitoring/{school}/thresholds")
            assert await page.locator('input[value="from-2022-11-15"]').is_checked()
            await page.get_by_label("до 15.11.2022").check()
            await page.get_by_role("button", name="Применить период").click()
            await page.get_by_text("Период методики сохранён").wait_for()
            assert await page.locator('input[value="before-2022-11-15"]').is_checked()

            await page.goto(unit)
            # The earlier set's 25 % target is reached.
            assert "good" in (await page.locator(writers10).get_attribute("class") or "")
        finally:
            await browser.close()
    stored = await services.db.fetchval(
        "SELECT period FROM monitoring_threshold_periods WHERE region_code = '54'"
    )
    assert stored == "before-2022-11-15"
