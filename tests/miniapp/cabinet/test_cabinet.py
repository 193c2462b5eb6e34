"""The cabinet's frame: who gets in (the access matrix), the entry redirect, the sections bar,
a region admin's tree, and the audit log page."""

from __future__ import annotations

import pytest

from core.audit import PAGE, AuditLog
from core.clock import ManualClock
from core.runtime.services import Services

from ...browser import needs_chromium
from ..conftest import BrowserFactory
from .conftest import ChromiumAs, make_region_admin, org_id, school_id


async def test_home_link_and_entry_redirect(browse: BrowserFactory, services: Services) -> None:
    admin = await browse("orlov")
    assert "/admin/org" in await (await admin.get("/home")).text()
    response = await admin.get("/admin/org", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == f"/admin/org/{await school_id(services)}"


async def test_access_matrix(browse: BrowserFactory, services: Services) -> None:
    school = await school_id(services)
    gymnasium = await org_id(services, "МАОУ «Гимназия № 5»")
    admin, other_admin = await browse("orlov"), await browse("novikov")
    teacher, parent, stranger = await browse("smirnova"), await browse("pa08"), await browse(None)
    assert (await admin.get(f"/admin/org/{school}")).status == 200
    assert (await other_admin.get(f"/admin/org/{school}")).status == 403
    assert (await admin.get(f"/admin/org/{gymnasium}")).status == 403
    for who in (teacher, parent):
        assert "/admin/org" not in await (await who.get("/home")).text()
        assert (await who.get("/admin/org")).status == 403
        assert (await who.get(f"/admin/org/{school}/audit")).status == 403
    assert (await stranger.get(f"/admin/org/{school}")).status == 401
    # Above the school: the municipality and the region are not a school admin's.
    region = (await services.people.organisations())[0].id
    assert (await admin.get(f"/admin/org/{region}")).status == 403
    assert (await admin.get("/admin/org/999999999")).status == 404
    assert (await admin.get("/admin/org/abc")).status == 404
    assert (await admin.get("/admin/org/" + "9" * 30)).status == 404


async def test_region_admin_walks_the_tree(browse: BrowserFactory, services: Services) -> None:
    region = await make_region_admin(services, "orlov")
    school = await school_id(services)
    admin = await browse("orlov")
    response = await admin.get("/admin/org", allow_redirects=False)
    assert response.headers["Location"] == f"/admin/org/{region}"
    page = await (await admin.get(f"/admin/org/{region}")).text()
    # A region has no classes of its own: the per-class sections are the schools'.
    assert "Участники" in page and "Журнальные коды" not in page
    municipality = await services.db.fetchval(
        "SELECT parent_id FROM organisations WHERE id = ?", (school,)
    )
    assert f'href="/admin/org/{municipality}"' in page
    page = await (await admin.get(f"/admin/org/{school}")).text()
    assert "Журнальные коды" in page and "Подразделения" in page
    assert f'<a href="/admin/org/{region}">' in page  # the breadcrumbs lead back up


async def test_audit_log_lists_the_trees_changes_newest_first_in_pages(
    browse: BrowserFactory, services: Services, clock: ManualClock
) -> None:
    school = await school_id(services)
    gymnasium = await org_id(services, "МАОУ «Гимназия № 5»")
    log = AuditLog(services.db, clock)
    orlov = await services.db.fetchval("SELECT id FROM persons WHERE last_name = 'Орлов'")
    for n in range(PAGE + 3):
        await log.record(orlov, school, "unit.rename", f"{n}А", old=f"{n}а", new=f"{n}А")
    await log.record(orlov, gymnasium, "role.revoke", "Чужая Роль", reason="не наша школа")
    admin = await browse("orlov")
    page = await (await admin.get(f"/admin/org/{school}/audit")).text()
    assert page.count("Переименовано подразделение") == PAGE
    assert f"{PAGE + 2}А" in page and "Дмитрий Орлов" in page
    assert "Чужая Роль" not in page  # the gymnasium's log is not this admin's
    assert "Ранее" in page
    before = page.split('href="?before=')[1].split('"')[0]
    older = await (await admin.get(f"/admin/org/{school}/audit?before={before}")).text()
    assert older.count("Переименовано подразделение") == 3
    assert "«0а» → «0А»" in older.replace("&#34;", '"')


@needs_chromium
async def test_cabinet_in_chromium(chromium_as: ChromiumAs, services: Services) -> None:
    school = await school_id(services)
    async with chromium_as("orlov") as page:
        await page.click("a.button >> text=Кабинет организации")
        await page.wait_for_url(f"**/admin/org/{school}")
        assert await page.inner_text("h1") == "Кабинет организации"
        tiles = await page.locator(".cab-tiles a.tile").all_inner_texts()
        assert "Участники" in tiles and "Журнал изменений" in tiles
        await page.click(".cab-sections >> text=Журнал изменений")
        await page.wait_for_url(f"**/admin/org/{school}/audit")
        assert "Изменений пока не было." in await page.inner_text("main")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390


pytestmark = pytest.mark.usefixtures("cabinet_server")
