"""The federal ranking in a real headless Chromium: a federal admin opens the mini-app from VK,
follows the home link to «Рейтинг регионов», sees every region ranked with its changes, and
switches to the week before. Needs Debian's chromium (`apt-get install -y chromium`)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from aiohttp.test_utils import TestServer

from core.activity.federal import current_monday
from core.activity.federal_admins import FederalAdmins
from core.activity.federal_demo import DEMO_CODES, load_federal_demo
from core.clock import ManualClock
from core.runtime.services import Services

from ...browser import chromium_page, needs_chromium
from ..conftest import launch_query, vk

pytestmark = needs_chromium


async def test_federal_admin_reads_the_ranking(
    admin_server: TestServer, services: Services, clock: ManualClock
) -> None:
    await load_federal_demo(services.db, clock)
    person = await services.people.person_by_vk(vk("orlov"))
    assert person is not None
    await FederalAdmins(services.db, clock).add(person.id)
    launch = (
        str(admin_server.make_url("/"))
        + "?"
        + urlencode(launch_query(vk("orlov"), int(clock.now().timestamp())))
    )
    last = current_monday(clock.now()) - timedelta(days=7)
    async with chromium_page() as page:
        await page.goto(launch)
        await page.wait_for_url("**/home")
        await page.click("a.button >> text=Рейтинг регионов")
        await page.wait_for_url("**/admin/federal")
        assert await page.inner_text("h1") == "Рейтинг регионов"
        rows = page.locator("table.federal-table tbody tr")
        assert await rows.count() == len(DEMO_CODES) + 2  # + region 54, + the country
        places = await page.locator("table.federal-table tbody tr td:first-child").all_inner_texts()
        assert places[0] == "1" and places[-1] == ""
        total = await page.locator("tr.federal-total").inner_text()
        assert "Российская Федерация" in total and "%" in total
        changes = " ".join(await page.locator("td.mon-change").all_inner_texts())
        assert "▲" in changes and "▼" in changes

        await page.click("a[aria-label='Предыдущая неделя']")
        await page.wait_for_url(f"**/admin/federal?week={(last - timedelta(days=7))}")
        assert "неделя завершена" in await page.inner_text(".weeknav-title")
        assert await page.locator("table.federal-table tbody tr").count() == len(DEMO_CODES) + 2
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390 + 1  # the table scrolls inside its own box
