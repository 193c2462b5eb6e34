"""The thresholds page's period selector (a region admin changes it, with CSRF; others see it
read-only), the colours it changes, the writing metrics and the target lines on the pages."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from core.activity.importer import PlatformImporter
from core.people import OrgKind
from core.runtime.services import Services

from ..conftest import Browser, BrowserFactory
from .test_monitoring_pages import SAMPLE, make_region_admin, org_id, text_of

WEEK = "week=2026-11-16"


def tile_colour(page: str, metric: str) -> str:
    found = re.search(rf'class="mon-tile (\w+)[^"]*" href="\?metric={metric}[&"]', page)
    assert found is not None, metric
    return found.group(1)


async def csrf(browser: Browser, path: str) -> str:
    page = await (await browser.get(path)).text()
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    return token.group(1)


async def stored_period(services: Services) -> str | None:
    value = await services.db.fetchval(
        "SELECT period FROM monitoring_threshold_periods WHERE region_code = '54'"
    )
    return None if value is None else str(value)


async def test_region_admin_switches_the_period_and_the_colours_follow(
    browse: BrowserFactory, services: Services
) -> None:
    await PlatformImporter(services.db, services.clock).import_file(SAMPLE)
    await make_region_admin(services, "novikov")
    region = (await services.people.organisations(OrgKind.REGION))[0].id
    school = await org_id(services, "МБОУ СОШ № 112")
    admin = await browse("novikov")
    unit = f"/admin/monitoring/{school}?{WEEK}"
    # 1 of 3 teachers wrote ≥ 10 messages: 33,3 % — under today's 35 % target.
    assert tile_colour(await (await admin.get(unit)).text(), "writers10") == "below"

    path = f"/admin/monitoring/{region}/thresholds"
    page = await (await admin.get(path)).text()
    assert 'value="from-2022-11-15" checked' in page and "с 15.11.2022" in page
    token = await csrf(admin, path)
    form = {"csrf": token, "form": "period", "period": "before-2022-11-15"}

    # Without the session's token: refused, nothing stored.
    refused = await admin.post(path, data={k: v for k, v in form.items() if k != "csrf"})
    assert refused.status == 403 and await stored_period(services) is None
    # Not a period: refused with the reason.
    bad = await admin.post(path, data={**form, "period": "1990"})
    assert bad.status == 400 and "Выберите период методики" in await bad.text()
    assert await stored_period(services) is None

    response = await admin.post(path, data=form)
    page = await response.text()
    assert response.status == 200 and "Период методики сохранён" in page
    assert 'value="before-2022-11-15" checked' in page
    assert "официально до 15.11.2022: от 25 %" in text_of(page)  # the earlier ≥10 target
    assert await stored_period(services) == "before-2022-11-15"
    # The region's pages are coloured by the earlier set now: 33,3 % ≥ 25 %.
    assert tile_colour(await (await admin.get(unit)).text(), "writers10") == "good"
    # Stored per region: a school admin of the region sees the same colours.
    school_admin = await browse("orlov")
    assert tile_colour(await (await school_admin.get(unit)).text(), "writers10") == "good"


async def test_only_region_admins_change_the_period(
    browse: BrowserFactory, services: Services
) -> None:
    school = await org_id(services, "МБОУ СОШ № 112")
    school_admin = await browse("orlov")
    path = f"/admin/monitoring/{school}/thresholds"
    page = await (await school_admin.get(path)).text()
    words = text_of(page)
    assert "Менять период могут администраторы региона" in words
    assert re.search(r'value="from-2022-11-15" checked disabled', page)
    assert "Применить период" not in page
    token = await csrf(school_admin, path)
    response = await school_admin.post(
        path, data={"csrf": token, "form": "period", "period": "before-2022-11-15"}
    )
    assert response.status == 403 and await stored_period(services) is None


async def test_official_values_follow_the_period_own_values_stay(
    browse: BrowserFactory, services: Services
) -> None:
    await make_region_admin(services, "novikov")
    region = (await services.people.organisations(OrgKind.REGION))[0].id
    admin = await browse("novikov")
    path = f"/admin/monitoring/{region}/thresholds"
    form = {"csrf": await csrf(admin, path), "form": "thresholds"}
    for key, low, good in (
        ("connected", "75", "90"),  # the official values: not the region's own
        ("chat_creators", "25", "35"),
        ("writers3", "10", "25"),
        ("writers10", "", "35"),
        ("callers", "", "50"),  # its own
    ):
        form[f"{key}_low"], form[f"{key}_good"] = low, good
    response = await admin.post(path, data=form)
    assert response.status == 200 and "Пороги сохранены" in await response.text()
    rows = await services.db.fetchall("SELECT metric, good FROM monitoring_thresholds")
    assert [(r["metric"], r["good"]) for r in rows] == [("callers", 50.0)]

    switch = {"csrf": form["csrf"], "form": "period", "period": "before-2022-11-15"}
    page = await (await admin.post(path, data=switch)).text()
    # The earlier set's 75 % now, where the form held today's official 90 %.
    assert re.search(r'name="connected_good" inputmode="decimal" value="75(\.0)?"', page)
    assert re.search(r'name="callers_good" inputmode="decimal" value="50(\.0)?"', page)  # own
    assert "своё значение региона" in page


async def test_unit_page_shows_writing_and_target_lines(
    browse: BrowserFactory, services: Services
) -> None:
    await PlatformImporter(services.db, services.clock).import_file(SAMPLE)
    school = await org_id(services, "МБОУ СОШ № 112")
    admin = await browse("orlov")
    page = await (await admin.get(f"/admin/monitoring/{school}?{WEEK}")).text()
    words = text_of(page)
    assert "Активные педагоги (сообщения)" in words
    assert "Активные обучающиеся (сообщения)" in words
    assert "Написали сообщение за неделю, %" in words
    assert 'data-target="25"' in page and "цель 2022–2023 — 25,0 %" in words  # writers3

    weeks = await (await admin.get(f"/admin/monitoring/{school}/weeks?{WEEK}")).text()
    assert (
        "Активные педагоги (сообщения)" in weeks and "% активных обучающихся (сообщения)" in weeks
    )

    response = await admin.get(f"/admin/monitoring/{school}/chart.svg?metric=callers&{WEEK}")
    svg = ET.fromstring(await response.text())
    targets = [e for e in svg.iter("{http://www.w3.org/2000/svg}line") if "data-target" in e.attrib]
    assert [e.attrib["data-target"] for e in targets] == ["30"]
    # A metric without a target has no line.
    response = await admin.get(f"/admin/monitoring/{school}/chart.svg?metric=teachers_writing")
    assert "data-target" not in await response.text()
