"""Monitoring pages: who sees what, drill-down, the weekly table, the xlsx, charts, bad input."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

from openpyxl import load_workbook

from core.activity.importer import PlatformImporter
from core.activity.report import COLUMNS
from core.activity.texts import column_title
from core.people import OrgKind, Position, RoleKind
from core.runtime.services import Services

from ..conftest import BrowserFactory, vk

SAMPLE = Path(__file__).parents[3] / "core" / "activity" / "samples" / "platform_stats_demo.csv"


async def org_id(services: Services, name: str) -> int:
    value = await services.db.fetchval("SELECT id FROM organisations WHERE name = ?", (name,))
    assert value is not None
    return int(value)


async def make_region_admin(services: Services, key: str) -> None:
    person = await services.people.person_by_vk(vk(key))
    assert person is not None
    region = (await services.people.organisations(OrgKind.REGION))[0]
    await services.people.grant_role(
        person.id, RoleKind.STAFF, region.id, position=Position.ADMIN, method="test"
    )
    services.identities.invalidate(vk(key))


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


async def test_school_admin_sees_own_school_only(
    browse: BrowserFactory, services: Services
) -> None:
    await PlatformImporter(services.db, services.clock).import_file(SAMPLE)
    school = await org_id(services, "МБОУ СОШ № 112")
    other = await org_id(services, "МАОУ «Гимназия № 5»")
    admin = await browse("orlov")

    home = await admin.get("/home")
    assert "/admin/monitoring" in await home.text()
    response = await admin.get("/admin/monitoring", allow_redirects=False)
    assert response.status == 302 and response.headers["Location"] == f"/admin/monitoring/{school}"

    response = await admin.get(f"/admin/monitoring/{school}?week=2026-11-16")
    assert response.status == 200
    page = await response.text()
    words = text_of(page)
    assert "МБОУ СОШ № 112" in words and "16–22 ноября" in words
    assert "Школа подключена к Сферуму" in words
    # Imported statistics for that week: 2 of 3 teachers created a chat (≥ 35 %: good).
    assert re.search(r'mon-tile good[^"]*" href="\?metric=chat_creators', page)
    assert "66,7 %" in words and "2 из 3" in words
    assert page.count("<svg") >= 3  # two charts and the week switcher's arrows
    assert 'href="/admin/monitoring/' + str(school) + '/export.xlsx?week=2026-11-16"' in page

    for forbidden in (f"/admin/monitoring/{other}", "/admin/monitoring/1"):
        assert (await admin.get(forbidden)).status == 403
    assert (await admin.get("/admin/monitoring/999999")).status == 404
    assert (await admin.get("/admin/monitoring/abc")).status == 404


async def test_non_admins_and_strangers_are_refused(
    browse: BrowserFactory, services: Services
) -> None:
    teacher = await browse("smirnova")
    assert "/admin/monitoring" not in await (await teacher.get("/home")).text()
    assert (await teacher.get("/admin/monitoring")).status == 403
    school = await org_id(services, "МБОУ СОШ № 112")
    assert (await teacher.get(f"/admin/monitoring/{school}/export.xlsx")).status == 403
    stranger = await browse(None)
    assert (await stranger.get(f"/admin/monitoring/{school}")).status == 401


async def test_region_admin_drills_down(browse: BrowserFactory, services: Services) -> None:
    await make_region_admin(services, "orlov")
    await PlatformImporter(services.db, services.clock).import_file(SAMPLE)
    admin = await browse("orlov")
    region = (await services.people.organisations(OrgKind.REGION))[0].id
    response = await admin.get("/admin/monitoring", allow_redirects=False)
    assert response.headers["Location"] == f"/admin/monitoring/{region}"

    page = await (await admin.get(f"/admin/monitoring/{region}?week=2026-11-16")).text()
    words = text_of(page)
    assert "Муниципалитеты" in words
    berdsk = await org_id(services, "город Бердск")
    assert f'href="/admin/monitoring/{berdsk}?week=2026-11-16"' in page
    # СОШ № 7 (imported, nobody registered) is listed as inactive.
    assert "Неактивные школы (1)" in words and "МБОУ СОШ № 7" in words

    page = await (await admin.get(f"/admin/monitoring/{berdsk}?week=2026-11-16")).text()
    words = text_of(page)
    assert "Новосибирская область ›" in words  # breadcrumbs back up
    gymnasium = await org_id(services, "МАОУ «Гимназия № 5»")
    assert f'href="/admin/monitoring/{gymnasium}?week=2026-11-16"' in page
    assert "Место среди муниципалитетов региона" in words

    response = await admin.get(f"/admin/monitoring/{gymnasium}?week=2026-11-16")
    assert response.status == 200


async def test_weekly_table_and_xlsx(browse: BrowserFactory, services: Services) -> None:
    await make_region_admin(services, "novikov")
    await PlatformImporter(services.db, services.clock).import_file(SAMPLE)
    admin = await browse("novikov")
    region = (await services.people.organisations(OrgKind.REGION))[0].id

    page = await (await admin.get(f"/admin/monitoring/{region}/weeks?weeks=4")).text()
    words = text_of(page)
    for column in COLUMNS:
        assert html.escape(column_title(column)) in page
    # Newest first: the current week, then the imported ones.
    assert words.index("23–29 ноября") < words.index("16–22 ноября") < words.index("9–15 ноября")

    response = await admin.get(f"/admin/monitoring/{region}/export.xlsx?weeks=4&week=2026-11-16")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(await response.read()))
    sheet = book["По неделям"]
    assert sheet.cell(row=3, column=2).value == column_title(COLUMNS[0])
    assert sheet.cell(row=7, column=1).value == "16–22 ноября"
    assert sheet.cell(row=7, column=2).value == 3  # three schools that week

    svg = await admin.get(f"/admin/monitoring/{region}/chart.svg?metric=writers3&weeks=6")
    assert svg.status == 200 and svg.headers["Content-Type"].startswith("image/svg+xml")
    assert (await svg.text()).startswith("<svg")


async def test_bad_query_parameters_fall_back(browse: BrowserFactory, services: Services) -> None:
    school = await org_id(services, "МБОУ СОШ № 112")
    admin = await browse("orlov")
    for query in ("?week=garbage&metric=nonsense", "?week=2099-01-05", "?metric=connected",
                  "?week=1999-01-04"):  # fmt: skip
        response = await admin.get(f"/admin/monitoring/{school}{query}")
        assert response.status == 200, query
        assert "23–29 ноября" in text_of(await response.text())
    response = await admin.get(f"/admin/monitoring/{school}/weeks?weeks=-5")
    assert response.status == 200


async def test_region_admin_edits_thresholds(browse: BrowserFactory, services: Services) -> None:
    await make_region_admin(services, "novikov")
    region = (await services.people.organisations(OrgKind.REGION))[0].id
    school = await org_id(services, "МБОУ СОШ № 112")

    # A school admin sees the thresholds but cannot change them.
    school_admin = await browse("orlov")
    page = await (await school_admin.get(f"/admin/monitoring/{school}/thresholds")).text()
    assert "Изменять пороги могут администраторы региона" in page and "disabled" in page

    admin = await browse("novikov")
    page = await (await admin.get(f"/admin/monitoring/{region}/thresholds")).text()
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    form = {"csrf": token.group(1)}
    for key, low, good in (
        ("connected", "60", "80"),
        ("chat_creators", "25", "35"),
        ("writers3", "10", "25"),
        ("writers10", "", "40"),
        ("callers", "", "30"),
    ):
        form[f"{key}_low"], form[f"{key}_good"] = low, good
    response = await admin.post(f"/admin/monitoring/{region}/thresholds", data=form)
    assert response.status == 200 and "Пороги сохранены" in await response.text()
    rows = await services.db.fetchall(
        "SELECT metric, low, good FROM monitoring_thresholds WHERE region_code = '54'"
    )
    stored = {r["metric"]: (r["low"], r["good"]) for r in rows}
    assert stored["connected"] == (60.0, 80.0) and stored["writers10"] == (None, 40.0)

    # Low above good, or not a number: refused with the rows marked, nothing saved.
    bad = {**form, "connected_low": "95", "callers_good": "много"}
    response = await admin.post(f"/admin/monitoring/{region}/thresholds", data=bad)
    assert response.status == 400 and "Проверьте выделенные строки" in await response.text()
    good = await services.db.fetchval(
        "SELECT good FROM monitoring_thresholds WHERE region_code = '54' AND metric = 'connected'"
    )
    assert good == 80.0
    # Without the session's CSRF token: refused.
    no_token = {k: v for k, v in form.items() if k != "csrf"}
    assert (await admin.post(f"/admin/monitoring/{region}/thresholds", data=no_token)).status == 403
    # A school admin's post is refused even with a token.
    page = await (await school_admin.get(f"/admin/monitoring/{school}/thresholds")).text()
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    school_form = {**form, "csrf": token.group(1)}
    response = await school_admin.post(f"/admin/monitoring/{school}/thresholds", data=school_form)
    assert response.status == 403
