"""«Журнальные коды»: who gets in, CSRF, a class's codes issued for its students and/or parents
(printable slips or a CSV) and redeemable through Verification.redeem_code, earlier codes
replaced, the counts without the codes, another school's class untouchable, and the slips in
Chromium (on screen and as printed)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.clock import ManualClock
from core.people import RoleKind
from core.runtime.services import Services
from core.verification import Status

from ...browser import needs_chromium
from ..conftest import Browser, BrowserFactory, vk
from .access import EVERYONE_BUT_ADMINS, assert_a_school_section
from .conftest import ChromiumAs, csrf_of, group_id, org_id, school_id

pytestmark = pytest.mark.usefixtures("cabinet_server")

SLIP = re.compile(
    r'<b class="slip-name">([^<]+)</b>.*?<p class="slip-meta">([^<]+)</p>\s*'
    r'<p class="slip-code">([A-Z0-9-]+)</p>',
    re.S,
)
# 9А of СОШ № 112: students st08–st11; parents pa04 and pa05 (of st08 and st09).
NINTH_STUDENTS = ("st08", "st09", "st10", "st11")
NINTH_PARENTS = ("pa04", "pa05")


async def name_of(services: Services, key: str) -> str:
    row = await services.db.fetchone(
        "SELECT first_name, last_name FROM persons WHERE external_id = ?", (f"demo:person:{key}",)
    )
    assert row is not None
    return f"{row['last_name']} {row['first_name']}"


async def codes_url(services: Services) -> str:
    return f"/admin/org/{await school_id(services)}/codes"


async def issue(browser: Browser, url: str, class_id: int, **form: str) -> Any:
    html = await (await browser.get(url)).text()
    data = {"csrf": csrf_of(html), "class": str(class_id), **form}
    return await browser.post(url, data=data, allow_redirects=False)


def slips(html: str) -> dict[str, tuple[str, str]]:
    """Name → (role and class, code) of each slip on the page."""
    return {name: (meta, code) for name, meta, code in SLIP.findall(html)}


async def codes_count(services: Services) -> int:
    return int(await services.db.fetchval("SELECT count(*) FROM journal_codes"))


async def test_access_matrix(browse: BrowserFactory, services: Services) -> None:
    url = await codes_url(services)
    gymnasium = await org_id(services, "МАОУ «Гимназия № 5»")
    await assert_a_school_section(
        browse, services, "codes", region_admin="volkova", refused=EVERYONE_BUT_ADMINS
    )
    before = await codes_count(services)
    # The gymnasium's admin posts to СОШ № 112 with his own valid token: refused.
    other = await browse("novikov")
    token = csrf_of(await (await other.get(f"/admin/org/{gymnasium}/codes")).text())
    ninth = await group_id(services, "s112-9a")
    response = await other.post(url, data={"csrf": token, "class": str(ninth), "student": "1"})
    assert response.status == 403
    assert await codes_count(services) == before


async def test_issuing_without_csrf_is_refused(browse: BrowserFactory, services: Services) -> None:
    url = await codes_url(services)
    admin = await browse("orlov")
    await admin.get(url)
    before = await codes_count(services)
    ninth = str(await group_id(services, "s112-9a"))
    for data in ({"class": ninth, "student": "1"}, {"class": ninth, "student": "1", "csrf": "x"}):
        assert (await admin.post(url, data=data)).status == 403
    assert await codes_count(services) == before
    assert await services.db.fetchval("SELECT count(*) FROM audit_log") == 0


async def test_slips_for_every_student_and_parent_redeem_through_verification(
    browse: BrowserFactory, services: Services, clock: ManualClock
) -> None:
    url = await codes_url(services)
    school = await school_id(services)
    ninth = await group_id(services, "s112-9a")
    admin = await browse("orlov")
    response = await issue(admin, url, ninth, student="1", parent="1", format="print")
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = await response.text()
    found = slips(html)
    assert len(found) == 6 and html.count('class="slip"') == 6
    until = (clock.now() + timedelta(days=30)).astimezone(ZoneInfo("Asia/Novosibirsk"))
    assert html.count(f"Действует до {until:%d.%m.%Y}") == 6
    assert "МБОУ СОШ № 112" in html and "Электронный журнал" in html and "боту школы" in html
    for key, role in [(k, "Ученик") for k in NINTH_STUDENTS] + [
        (k, "Родитель") for k in NINTH_PARENTS
    ]:
        meta, code = found[await name_of(services, key)]
        assert meta == f"{role} · класс 9А"
        result = await services.verification.redeem_code(vk(key), code)
        assert result.status == Status.OK, key
        expected = RoleKind.STUDENT if role == "Ученик" else RoleKind.PARENT
        assert (result.role, result.org_id) == (expected, school)
    [entry] = await services.db.fetchall("SELECT * FROM audit_log WHERE action = 'codes.issue'")
    assert entry["target"] == "9А" and entry["org_id"] == school
    assert json.loads(entry["details"]) == {
        "group_id": ninth,
        "count": 6,
        "students": 4,
        "parents": 2,
    }
    # The counts show them used, and the page never shows a code again.
    page = await (await admin.get(url)).text()
    row = page.split(f'<tr data-class="{ninth}">')[1].split("</tr>")[0]
    assert '<td class="codes-issued">6</td>' in row and '<td class="codes-used">6</td>' in row
    assert '<td class="codes-valid">0</td>' in row
    assert not any(code in page for _, code in found.values())


async def test_parents_only_and_csv_read_back(
    browse: BrowserFactory, services: Services, clock: ManualClock
) -> None:
    url = await codes_url(services)
    ninth = await group_id(services, "s112-9a")
    admin = await browse("orlov")
    response = await issue(admin, url, ninth, parent="1", format="csv")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    body = await response.read()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["ФИО", "Класс", "Роль", "Код", "Действует до"]
    until = (clock.now() + timedelta(days=30)).astimezone(ZoneInfo("Asia/Novosibirsk"))
    names = {await name_of(services, k): k for k in NINTH_PARENTS}
    assert sorted(r[0] for r in rows[1:]) == sorted(names)
    for name, class_name, role, code, valid_until in rows[1:]:
        assert (class_name, role, valid_until) == ("9А", "родитель", f"{until:%d.%m.%Y}")
        assert (await services.verification.redeem_code(vk(names[name]), code)).status == Status.OK


async def test_issuing_again_replaces_the_earlier_unused_codes(
    browse: BrowserFactory, services: Services
) -> None:
    url = await codes_url(services)
    ninth = await group_id(services, "s112-9a")
    admin = await browse("orlov")
    first = slips(await (await issue(admin, url, ninth, student="1", parent="1")).text())
    second = slips(await (await issue(admin, url, ninth, student="1")).text())
    assert len(second) == 4
    st08, st09 = await name_of(services, "st08"), await name_of(services, "st09")
    verification = services.verification
    assert (await verification.redeem_code(vk("st08"), first[st08][1])).status == Status.EXPIRED
    assert (await verification.redeem_code(vk("st08"), second[st08][1])).status == Status.OK
    # Parents were not issued again: their first codes still work.
    pa04 = await name_of(services, "pa04")
    assert (await verification.redeem_code(vk("pa04"), first[pa04][1])).status == Status.OK
    page = await (await admin.get(url)).text()
    row = page.split(f'<tr data-class="{ninth}">')[1].split("</tr>")[0]
    # 6 + 4 issued; st08 and pa04 used one each; the 4 first student codes replaced.
    assert '<td class="codes-issued">10</td>' in row and '<td class="codes-used">2</td>' in row
    assert '<td class="codes-expired">4</td>' in row and '<td class="codes-valid">4</td>' in row
    # A used code stays used; a new one replaces only unused codes.
    third = slips(await (await issue(admin, url, ninth, student="1")).text())
    assert (await verification.redeem_code(vk("st09"), second[st09][1])).status == Status.EXPIRED
    assert (await verification.redeem_code(vk("st09"), third[st09][1])).status == Status.OK
    used = await services.db.fetchval(
        "SELECT count(*) FROM journal_codes WHERE used_at IS NOT NULL AND expires_at <= ?",
        (services.clock.now().isoformat(),),
    )
    assert used == 0


async def test_demo_counts_and_the_form_shows_the_schools_classes_only(
    browse: BrowserFactory, services: Services
) -> None:
    page = await (await (await browse("orlov")).get(await codes_url(services))).text()
    seventh = await group_id(services, "s112-7b")
    eleventh = await group_id(services, "s112-11a")
    row = page.split(f'<tr data-class="{seventh}">')[1].split("</tr>")[0]
    assert '<td class="codes-issued">6</td>' in row and '<td class="codes-used">2</td>' in row
    row = page.split(f'<tr data-class="{eleventh}">')[1].split("</tr>")[0]
    assert '<td class="codes-expired">4</td>' in row and '<td class="codes-valid">0</td>' in row
    assert f'value="{await group_id(services, "g5-6a")}"' not in page


async def test_refusals(browse: BrowserFactory, services: Services) -> None:
    url = await codes_url(services)
    admin = await browse("orlov")
    before = await codes_count(services)
    theirs = await group_id(services, "g5-6a")
    assert (await issue(admin, url, theirs, student="1", parent="1")).status == 404
    assert (await issue(admin, url, 999_999, student="1")).status == 404
    response = await issue(admin, url, await group_id(services, "s112-9a"), format="print")
    assert response.status == 400 and "Отметьте, кому выпустить коды" in await response.text()
    empty = await services.people.upsert_group(org_id=await school_id(services), name="1А", grade=1)
    response = await issue(admin, url, empty, student="1", parent="1")
    assert response.status == 400 and "нет ни одного человека" in await response.text()
    archived = await group_id(services, "s112-5a")
    await services.db.execute(
        "UPDATE groups SET archived_at = ? WHERE id = ?",
        (services.clock.now().isoformat(), archived),
    )
    response = await issue(admin, url, archived, student="1")
    assert response.status == 400 and "Класс в архиве" in await response.text()
    assert await codes_count(services) == before
    assert await services.db.fetchval("SELECT count(*) FROM audit_log") == 0


@needs_chromium
async def test_issue_codes_and_see_the_printable_slips_in_chromium(
    chromium_as: ChromiumAs, services: Services
) -> None:
    school = await school_id(services)
    ninth = await group_id(services, "s112-9a")
    async with chromium_as("orlov", f"/admin/org/{school}/codes") as page:
        await page.select_option(".codes-issue select[name=class]", str(ninth))
        await page.click(".codes-issue button[type=submit]")
        await page.wait_for_selector(".slip")
        assert await page.locator(".slip").count() == 6
        first = await page.locator(".slip").first.inner_text()
        assert "МБОУ СОШ № 112" in first and "класс 9А" in first and "Действует до" in first
        code = (await page.locator(".slip-code").first.inner_text()).strip()
        assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)
        assert await page.locator("#slips-print").is_visible()
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        # As printed: no navigation, no buttons; the slips two to a row with cut lines.
        await page.emulate_media(media="print")
        assert not await page.locator(".cab-sections").is_visible()
        assert not await page.locator("#slips-print").is_visible()
        columns = await page.evaluate(
            "getComputedStyle(document.querySelector('.slips')).gridTemplateColumns"
        )
        assert len(columns.split()) == 2
        border = await page.evaluate(
            "getComputedStyle(document.querySelector('.slip')).borderTopStyle"
        )
        assert border == "dashed"
    issued = await services.db.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'codes.issue' AND org_id = ?", (school,)
    )
    assert issued == 1
