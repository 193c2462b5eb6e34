"""/admin/federal: who sees it, the ranking with ▲/▼, links to regions the viewer may see, the
week switcher, the basis, the CSV; the home link for federal admins only."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from core.activity.demo import load_demo_monitoring
from core.activity.federal import current_monday
from core.activity.federal_admins import FederalAdmins
from core.activity.federal_demo import DEMO_CODES, load_federal_demo
from core.people import OrgKind, Position, RoleKind
from core.runtime.services import Services

from ..conftest import BrowserFactory, vk
from .test_monitoring_pages import text_of


async def make_federal(services: Services, key: str) -> None:
    person = await services.people.person_by_vk(vk(key))
    assert person is not None
    await FederalAdmins(services.db, services.clock).add(person.id)


async def test_access_matrix(browse: BrowserFactory, services: Services) -> None:
    await load_federal_demo(services.db, services.clock)
    await make_federal(services, "orlov")
    federal, school_admin, teacher, nobody = (
        await browse("orlov"),
        await browse("novikov"),
        await browse("smirnova"),
        await browse(None),
    )
    assert (await federal.get("/admin/federal")).status == 200
    assert (await school_admin.get("/admin/federal")).status == 403
    assert (await teacher.get("/admin/federal")).status == 403
    assert (await nobody.get("/admin/federal")).status == 401
    assert (await teacher.get("/admin/federal/ranking.csv")).status == 403
    assert (await nobody.get("/admin/federal/ranking.csv")).status == 401
    # The home link: the federal admin only.
    assert "/admin/federal" in await (await federal.get("/home")).text()
    assert "/admin/federal" not in await (await school_admin.get("/home")).text()
    # Taken back: at once.
    person = await services.people.person_by_vk(vk("orlov"))
    assert person is not None
    await FederalAdmins(services.db, services.clock).remove(person.id)
    assert (await federal.get("/admin/federal")).status == 403


async def test_ranking_page(browse: BrowserFactory, services: Services) -> None:
    await load_federal_demo(services.db, services.clock)
    await make_federal(services, "orlov")
    await make_federal(services, "novikov")
    # novikov also administers the demo region (54): its row links to its monitoring page.
    region = next(
        o for o in await services.people.organisations(OrgKind.REGION) if o.region_code == "54"
    )
    novikov = await services.people.person_by_vk(vk("novikov"))
    assert novikov is not None
    await services.people.grant_role(
        novikov.id, RoleKind.STAFF, region.id, position=Position.ADMIN, method="test"
    )
    services.identities.invalidate(vk("novikov"))

    orlov = await browse("orlov")
    response = await orlov.get("/admin/federal")
    assert response.status == 200
    page = await response.text()
    words = text_of(page)
    assert "Рейтинг регионов" in words and "Российская Федерация" in words
    assert "▲" in page and "▼" in page
    assert page.count("<tr data-code=") == len(DEMO_CODES) + 1  # + the region of the district
    assert "г. Москва" in words or "Москва" in words
    # Ranked by % active teachers: the first row's share is the highest.
    assert "<td>1</td>" in page
    assert f"/admin/monitoring/{region.id}" not in page  # orlov administers a school only
    last = current_monday(services.clock.now()) - timedelta(days=7)
    assert f"week={(last - timedelta(days=7)).isoformat()}" in page  # the previous week
    assert f"week={current_monday(services.clock.now()).isoformat()}" in page  # the next one

    novikov_browser = await browse("novikov")
    page = await (await novikov_browser.get("/admin/federal")).text()
    assert f'href="/admin/monitoring/{region.id}?week={last.isoformat()}"' in page

    # The week switcher: an older week, the running week (no demo figures), nonsense.
    older = (last - timedelta(days=14)).isoformat()
    assert "неделя завершена" in text_of(
        await (await orlov.get(f"/admin/federal?week={older}")).text()
    )
    running = await orlov.get(f"/admin/federal?week={current_monday(services.clock.now())}")
    assert running.status == 200 and "идёт сейчас" in text_of(await running.text())
    for bad in ("x", "2026-13-45", "9999-01-01", "1900-01-01"):
        assert (await orlov.get(f"/admin/federal?week={bad}&basis=zzz")).status == 200

    messages = await (await orlov.get("/admin/federal?basis=messages")).text()
    assert "написали хотя бы одно сообщение" in text_of(messages)


async def test_csv(browse: BrowserFactory, services: Services) -> None:
    await load_federal_demo(services.db, services.clock)
    await make_federal(services, "orlov")
    orlov = await browse("orlov")
    response = await orlov.get("/admin/federal/ranking.csv")
    assert response.status == 200 and response.content_type == "text/csv"
    text = (await response.read()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["Место", "Регион", "Код региона"]
    assert rows[1][0] == "1" and rows[-1][1] == "Российская Федерация"
    assert len(rows) == 1 + len(DEMO_CODES) + 1 + 1
    shares = [float(r[5].replace(",", ".")) for r in rows[1:-1] if r[5]]
    assert shares == sorted(shares, reverse=True)


async def test_figures_are_the_same_with_and_without_snapshots(
    browse: BrowserFactory, services: Services
) -> None:
    """The page and its CSV computed with no snapshots (stored as it goes), read back from the
    snapshots, and computed again once they are dropped: the same bytes."""
    await load_federal_demo(services.db, services.clock)
    await load_demo_monitoring(services.db, services.clock)  # the district's finished weeks
    await make_federal(services, "orlov")
    orlov = await browse("orlov")
    db = services.db
    await db.execute("DELETE FROM monitoring_school_weeks")

    async def both() -> tuple[str, bytes]:
        page = await orlov.get("/admin/federal")
        table = await orlov.get("/admin/federal/ranking.csv")
        assert page.status == table.status == 200
        return await page.text(), await table.read()

    computed = await both()
    schools = await db.fetchval("SELECT count(*) FROM organisations WHERE kind = 'school'")
    stored = await db.fetchval("SELECT count(*) FROM monitoring_school_weeks")
    assert schools > 0 and stored == 2 * schools  # the week shown and the one before
    assert await db.fetchval("SELECT sum(teachers_registered) FROM monitoring_school_weeks") > 0
    assert await both() == computed
    await db.execute("DELETE FROM monitoring_school_weeks")
    assert await both() == computed
