"""«Администраторы»: who sees it, the admins above (read-only), granting admin rights to a staff
member and revoking them (CSRF, the tree, self-lockout, history, audit, the identity change)."""

from __future__ import annotations

import json

import aiohttp
import pytest

from core.runtime.services import Services

from ...browser import needs_chromium
from ..conftest import Browser, BrowserFactory
from .access import assert_admins_only
from .conftest import ChromiumAs, csrf_of, make_region_admin, org_id, person_id, school_id

GYMNASIUM = "МАОУ «Гимназия № 5»"


async def admin_role(services: Services, key: str, org: int) -> int | None:
    found = await services.db.fetchval(
        "SELECT id FROM roles WHERE person_id = ? AND org_id = ? AND position = 'admin' "
        "AND revoked_at IS NULL",
        (await person_id(services, key), org),
    )
    return None if found is None else int(found)


async def admins_page(browser: Browser, org: int) -> str:
    response = await browser.get(f"/admin/org/{org}/admins")
    assert response.status == 200, response.status
    return await response.text()


async def grant(browser: Browser, org: int, person: int) -> aiohttp.ClientResponse:
    page = await admins_page(browser, org)
    return await browser.post(
        f"/admin/org/{org}/admins/grant",
        data={"csrf": csrf_of(page), "person": str(person)},
        allow_redirects=False,
    )


async def revoke(browser: Browser, org: int, role: int, reason: str) -> aiohttp.ClientResponse:
    page = await admins_page(browser, org)
    return await browser.post(
        f"/admin/org/{org}/admins/revoke",
        data={"csrf": csrf_of(page), "role": str(role), "reason": reason},
        allow_redirects=False,
    )


async def test_access_matrix(browse: BrowserFactory, services: Services) -> None:
    school = await school_id(services)
    gymnasium = await org_id(services, GYMNASIUM)
    path = f"/admin/org/{school}/admins"
    used = await assert_admins_only(browse, [path], elsewhere=f"/admin/org/{gymnasium}/admins")
    other = used["novikov"]
    await make_region_admin(services, "novikov")
    assert (await other.get(path)).status == 200


async def test_page_lists_admins_staff_to_choose_and_the_admins_above(
    browse: BrowserFactory, services: Services
) -> None:
    school = await school_id(services)
    region = await make_region_admin(services, "novikov")
    page = await admins_page(await browse("orlov"), school)
    own = page.split('class="list adm-own"')[1].split("</ul>")[0]
    assert "Орлов Дмитрий" in own and "это вы" in own and "Новиков" not in own
    # The choice: the school's staff who are not its admins (no students, no parents, not him).
    choice = page.split('name="person"')[1].split("</select>")[0]
    assert "Смирнова Ирина — учитель, классный руководитель" in choice
    assert "Кузнецов Олег" in choice and "Орлов" not in choice
    assert "Фёдорова" not in choice
    above = page.split('class="list adm-above"')[1].split("</ul>")[0]
    assert "Новиков Сергей" in above and "Новосибирская область" in above
    assert "<form" not in above  # read-only
    assert page.count('action="/admin/org/' + str(school) + '/admins/revoke"') == 1
    # The region's page lists him as its own.
    region_page = await admins_page(await browse("novikov"), region)
    assert "Новиков Сергей" in region_page.split('class="list adm-own"')[1].split("</ul>")[0]


async def test_grant_and_revoke_with_history_audit_and_identity(
    browse: BrowserFactory, services: Services
) -> None:
    school = await school_id(services)
    smirnova = await person_id(services, "smirnova")
    orlov = await person_id(services, "orlov")
    admin, teacher = await browse("orlov"), await browse("smirnova")
    assert (await teacher.get(f"/admin/org/{school}")).status == 403
    response = await grant(admin, school, smirnova)
    assert response.status == 303
    assert response.headers["Location"] == f"/admin/org/{school}/admins?done=admin_granted"
    role = await admin_role(services, "smirnova", school)
    assert role is not None
    row = await services.db.fetchone("SELECT method, granted_by FROM roles WHERE id = ?", (role,))
    assert row == {"method": "admin", "granted_by": orlov}
    # Her next request is an admin's.
    assert (await teacher.get(f"/admin/org/{school}")).status == 200
    page = await (await admin.get(f"/admin/org/{school}/admins?done=admin_granted")).text()
    assert "Права администратора выданы." in page
    assert "Назначен(а): Ирина Смирнова" in page
    own = page.split('class="list adm-own"')[1].split("</ul>")[0]
    assert "Смирнова Ирина" in own
    response = await revoke(admin, school, role, "Временный доступ закончился")
    assert response.status == 303
    assert response.headers["Location"] == f"/admin/org/{school}/admins?done=admin_revoked"
    assert await admin_role(services, "smirnova", school) is None
    assert (await teacher.get(f"/admin/org/{school}")).status == 403
    # Her teaching roles stay.
    positions = {r.position for r in await services.people.active_roles(smirnova)}
    assert {p.value for p in positions if p} == {"teacher", "class_teacher"}
    page = await (await admin.get(f"/admin/org/{school}/admins")).text()
    assert "Снят(а): Ирина Смирнова — причина: «Временный доступ закончился»" in page
    entries = await services.db.fetchall(
        "SELECT actor_id, org_id, action, target, details FROM audit_log ORDER BY id"
    )
    assert [(e["action"], e["actor_id"], e["org_id"]) for e in entries] == [
        ("admin.grant", orlov, school),
        ("admin.revoke", orlov, school),
    ]
    assert entries[0]["target"] == "Ирина Смирнова — Администратор"
    assert json.loads(entries[1]["details"]) == {"reason": "Временный доступ закончился"}
    audit = await (await admin.get(f"/admin/org/{school}/audit")).text()
    assert "Назначен администратором: Ирина Смирнова" in audit
    assert "Снят с администраторов: Ирина Смирнова — Администратор — «Временный доступ" in audit


async def test_grant_only_to_the_organisations_staff(
    browse: BrowserFactory, services: Services
) -> None:
    school = await school_id(services)
    admin = await browse("orlov")
    for key, problem in (
        ("st08", "только сотруднику этой организации"),  # a student
        ("lebedeva", "только сотруднику этой организации"),  # the gymnasium's teacher
        ("orlov", "уже администратор"),
    ):
        response = await grant(admin, school, await person_id(services, key))
        assert response.status == 400, key
        assert problem in await response.text(), key
    page = await admins_page(admin, school)
    response = await admin.post(
        f"/admin/org/{school}/admins/grant", data={"csrf": csrf_of(page), "person": "x"}
    )
    assert response.status == 400
    assert await admin_role(services, "lebedeva", school) is None
    assert await services.db.fetchval("SELECT count(*) FROM audit_log") == 0


async def test_csrf(browse: BrowserFactory, services: Services) -> None:
    school = await school_id(services)
    admin = await browse("orlov")
    smirnova = await person_id(services, "smirnova")
    own = await admin_role(services, "orlov", school)
    for path, data in (
        ("grant", {"person": str(smirnova)}),
        ("revoke", {"role": str(own), "reason": "x"}),
        ("grant", {"person": str(smirnova), "csrf": "forged"}),
    ):
        assert (await admin.post(f"/admin/org/{school}/admins/{path}", data=data)).status == 403
    assert await admin_role(services, "smirnova", school) is None
    assert await admin_role(services, "orlov", school) == own


async def test_school_admin_cannot_grant_above_or_elsewhere(
    browse: BrowserFactory, services: Services
) -> None:
    school = await school_id(services)
    gymnasium = await org_id(services, GYMNASIUM)
    municipality = await services.db.fetchval(
        "SELECT parent_id FROM organisations WHERE id = ?", (school,)
    )
    admin = await browse("orlov")
    csrf = csrf_of(await admins_page(admin, school))
    smirnova = await person_id(services, "smirnova")
    for org in (municipality, gymnasium):
        response = await admin.post(
            f"/admin/org/{org}/admins/grant", data={"csrf": csrf, "person": str(smirnova)}
        )
        assert response.status == 403
    # Nor revoke the admin above from the school's page.
    region = await make_region_admin(services, "novikov")
    above = await admin_role(services, "novikov", region)
    assert above is not None
    response = await revoke(admin, school, above, "не нравится")
    assert response.status == 403
    assert await admin_role(services, "novikov", region) == above


async def test_region_admin_grants_at_any_school(
    browse: BrowserFactory, services: Services
) -> None:
    gymnasium = await org_id(services, GYMNASIUM)
    await make_region_admin(services, "orlov")
    admin = await browse("orlov")
    response = await grant(admin, gymnasium, await person_id(services, "lebedeva"))
    assert response.status == 303
    assert await admin_role(services, "lebedeva", gymnasium) is not None
    entry = await services.db.fetchone("SELECT org_id, action FROM audit_log")
    assert entry == {"org_id": gymnasium, "action": "admin.grant"}
    # And revokes the gymnasium's own admin.
    novikov = await admin_role(services, "novikov", gymnasium)
    assert novikov is not None
    assert (await revoke(admin, gymnasium, novikov, "по приказу")).status == 303


async def test_own_last_admin_role_is_kept(browse: BrowserFactory, services: Services) -> None:
    school = await school_id(services)
    admin = await browse("orlov")
    own = await admin_role(services, "orlov", school)
    assert own is not None
    response = await revoke(admin, school, own, "ухожу")
    assert response.status == 400
    assert "Нельзя снять с себя последнюю роль администратора" in await response.text()
    assert await admin_role(services, "orlov", school) == own
    response = await revoke(admin, school, own, "")
    assert response.status == 400
    # Another admin of the school may revoke his.
    await grant(admin, school, await person_id(services, "kuznetsov"))
    colleague = await browse("kuznetsov")
    assert (await revoke(colleague, school, own, "сменился директор")).status == 303
    assert (await admin.get(f"/admin/org/{school}/admins")).status == 403


@needs_chromium
async def test_grant_and_revoke_in_chromium(chromium_as: ChromiumAs, services: Services) -> None:
    school = await school_id(services)
    morozova = await person_id(services, "morozova")
    async with chromium_as("orlov", f"/admin/org/{school}") as page:
        await page.click(".cab-sections >> text=Администраторы")
        await page.wait_for_url(f"**/admin/org/{school}/admins")
        await page.select_option("form.adm-grant select[name=person]", str(morozova))
        await page.click("form.adm-grant button[type=submit]")
        await page.wait_for_url("**done=admin_granted")
        assert "Права администратора выданы." in await page.inner_text("main")
        item = page.locator(".adm-own .adm-admin", has_text="Морозова Елена")
        await item.locator("summary").click()
        await item.locator("textarea[name=reason]").fill("Назначена по ошибке")
        await item.locator("button[type=submit]").click()
        await page.wait_for_url("**done=admin_revoked")
        main = await page.inner_text("main")
        assert "Права администратора сняты." in main and "Назначена по ошибке" in main
        assert "Морозова Елена" not in await page.inner_text(".adm-own")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
    assert await admin_role(services, "morozova", school) is None


pytestmark = pytest.mark.usefixtures("cabinet_server")
