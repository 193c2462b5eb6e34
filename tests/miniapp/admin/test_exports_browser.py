"""The export links of a monitoring unit page in a real headless Chromium: each is clicked and
downloads its file (Playwright's download event), which is read back. Needs Debian's chromium."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import urlencode

from aiohttp.test_utils import TestServer
from openpyxl import load_workbook

from core.clock import ManualClock
from core.runtime.services import Services

from ...browser import launch_chromium, needs_chromium
from ..conftest import launch_query, vk
from .test_monitoring_pages import org_id

pytestmark = needs_chromium


async def test_school_admin_clicks_the_export_links(
    admin_server: TestServer, clock: ManualClock, services: Services, tmp_path: Path
) -> None:
    from playwright.async_api import async_playwright

    school = await org_id(services, "МБОУ СОШ № 112")
    launch = "/?" + urlencode(launch_query(vk("orlov"), int(clock.now().timestamp())))
    base = str(admin_server.make_url(""))
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        try:
            context = await browser.new_context(locale="ru-RU", accept_downloads=True)
            page = await context.new_page()
            page.set_default_timeout(15_000)
            await page.goto(base + launch)
            await page.goto(f"{base}/admin/monitoring/{school}?week=2026-11-16")
            links = page.locator("a.mon-export")
            assert await links.count() == 4
            got: dict[str, bytes] = {}
            for index in range(4):
                async with page.expect_download() as waiting:
                    await links.nth(index).click()
                download = await waiting.value
                target = tmp_path / download.suggested_filename
                await download.save_as(target)
                got[download.suggested_filename] = target.read_bytes()
        finally:
            await browser.close()

    names = {name.rsplit(".", 1)[-1] + ":" + name.split(" — ")[0] for name in got}
    assert names == {"xlsx:Общая", "csv:Общая", "xlsx:По учителям", "csv:По учителям"}
    general = next(data for name, data in got.items() if name.startswith("Общая") and
                   name.endswith(".xlsx"))  # fmt: skip
    sheet = load_workbook(io.BytesIO(general))["Общая"]
    assert sheet.cell(row=3, column=1).value == "Неделя" and sheet._charts
    teachers = next(data for name, data in got.items() if name.startswith("По учителям") and
                    name.endswith(".csv"))  # fmt: skip
    rows = list(csv.reader(io.StringIO(teachers.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["ФИО", "Школа"]
    assert {"Смирнова Ирина", "Кузнецов Олег"} <= {r[0] for r in rows[1:]}
