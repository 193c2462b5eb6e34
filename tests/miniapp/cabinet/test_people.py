"""«Участники»: who sees the list, its columns, filters, search and pages; a person's card; revoking
a role (reason, CSRF, the tree, self-lockout, history, audit, the identity change)."""

from __future__ import annotations

import json
import re

import pytest

from core.cabinet.members import PAGE_SIZE, MemberQuery
from core.clock import ManualClock
from core.people import RoleKind
from core.runtime.services import Services

from ...browser import needs_chromium
from ..conftest import Browser, BrowserFactory, me, vk
from .access import assert_admins_only
from .conftest import ChromiumAs, csrf_of, make_region_admin, org_id, person_id, school_id

GYMNASIUM = "МАОУ «Гимназия № 5»"


def rows(page: str) -> list[str]:
    """The table rows of the people list (one per member)."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def names(page: str) -> list[str]:
    return [re.sub(r".*?/people/\d+\">([^<]*)</a>.*", r"\1", r, flags=re.S) for r in rows(page)]


def test_query_string_round_trip() -> None:
    query = MemberQuery.parse(
        {"role": "teacher", "class": "1", "source": "invite", "verified": "no", "q": " ё  а ",
         "page": "2"}
    )  # fmt: skip
    assert query == MemberQuery("teacher", 1, "invite", "no", "ё а", 2)
    assert query.params(page=1) == {
        "role": "teacher", "class": "1", "source": "invite", "verified": "no", "q": "ё а"
    }  # fmt: skip
    assert MemberQuery.parse(query.params()) == query
    assert MemberQuery.parse({"role": "x", "class": "-1", "page": "0", "q": "я" * 300}) == (
        MemberQuery(search="я" * 100)
    )


async def active_role(services: Services, key: str, position: str | None = None) -> int:
    found = await services.db.fetchval(
        "SELECT id FROM roles WHERE person_id = ? AND revoked_at IS NULL "
        "AND (? IS NULL OR position = ?) ORDER BY id",
        (await person_id(services, key), position, position),
    )
    assert found is not None
    return int(found)


async def people_page(browser: Browser, org: int, query: str = "") -> str:
    response = await browser.get(f"/admin/org/{org}/people{query}")
    assert response.status == 200, response.status
    return await response.text()


async def test_access_matrix(browse: BrowserFactory, services: Services) -> None:
    school = await school_id(services)
    gymnasium = await org_id(services, GYMNASIUM)
    smirnova = await person_id(services, "smirnova")
    used = await assert_admins_only(
        browse,
        [f"/admin/org/{school}/people", f"/admin/org/{school}/people/{smirnova}"],
        elsewhere=f"/admin/org/{gymnasium}/people",
    )
    admin, other = used["orlov"], used["novikov"]
    # Someone of another school is not in this tree: no card here.
    novikov = await person_id(services, "novikov")
    assert (await admin.get(f"/admin/org/{school}/people/{novikov}")).status == 404
    assert (await admin.get(f"/admin/org/{school}/people/abc")).status == 404
    await make_region_admin(services, "novikov")
    assert (await other.get(f"/admin/org/{school}/people")).status == 200


async def test_the_list_shows_roles_classes_verification_and_source(
    browse: BrowserFactory, services: Services
) -> None:
    school = await school_id(services)
    page = await people_page(await browse("orlov"), school)
    listed = names(page)
    assert "Смирнова Ирина" in listed and "Орлов Дмитрий" in listed
    assert "Новиков Сергей" not in listed  # the gymnasium's
    row = next(r for r in rows(page) if "Смирнова Ирина" in r)
    assert "Учитель, Классный руководитель" in row and "VK привязан" in row
    assert "Демо-данные" in row
    student = next(r for r in rows(page) if "Фёдорова" in r)
    assert "Ученик" in student and "9А" in student
    parent = next(r for r in rows(page) if "Фёдоров Сергей" in r or "Фёдоров " in r)
    assert "Родитель" in parent and "дети: 9А" in parent
    # A journal teacher without a VK account yet.
    unbound = next(r for r in rows(page) if "Павлова Галина" in r)
    assert "VK не привязан" in unbound
    total = await services.db.fetchval(
        "SELECT count(DISTINCT person_id) FROM roles WHERE org_id = ? AND revoked_at IS NULL",
        (school,),
    )
    assert f"Всего: {total}" in page
    assert "<th>Школа</th>" not in page  # a school's own list


async def test_filters(browse: BrowserFactory, services: Services) -> None:
    school = await school_id(services)
    admin = await browse("orlov")
    students = await people_page(admin, school, "?role=student")
    assert len(rows(students)) == 16 and all("Ученик" in r for r in rows(students))
    assert "Найдено: 16" in students
    assert names(await people_page(admin, school, "?role=class_teacher")) == ["Смирнова Ирина"]
    teachers = names(await people_page(admin, school, "?role=teacher"))
    assert {"Кузнецов Олег", "Морозова Елена", "Смирнова Ирина"} <= set(teachers)
    assert "Орлов Дмитрий" not in teachers and teachers == sorted(teachers)
    group = await services.db.fetchval(
        "SELECT id FROM groups WHERE org_id = ? AND name = '9А'", (school,)
    )
    nine_a = await people_page(admin, school, f"?class={group}")
    assert len(rows(nine_a)) == 6  # four students and two parents
    assert sum("Ученик" in r for r in rows(nine_a)) == 4
    nine_a_parents = await people_page(admin, school, f"?class={group}&role=parent")
    assert len(rows(nine_a_parents)) == 2
    unbound = await people_page(admin, school, "?verified=no")
    assert rows(unbound) and all("VK не привязан" in r for r in rows(unbound))
    bound = await people_page(admin, school, "?verified=yes")
    assert len(rows(bound)) + len(rows(unbound)) == len(rows(await people_page(admin, school)))
    # Source: a role given by an invite shows under «Приглашение по ссылке» only.
    guest = await services.people.person_by_vk(vk("guest-adult"))
    assert guest is not None
    await services.people.grant_role(guest.id, RoleKind.PARENT, school, method="invite")
    invited = await people_page(admin, school, "?source=invite")
    assert names(invited) == ["Гусев Алексей"] and "Приглашение по ссылке" in invited
    assert "Гусев Алексей" not in names(await people_page(admin, school, "?source=demo"))
    # Unknown filter values are ignored rather than failing.
    assert len(rows(await people_page(admin, school, "?role=x&source=y&verified=z&page=q"))) > 0


async def test_search_ignores_case_and_yo(browse: BrowserFactory, services: Services) -> None:
    school = await school_id(services)
    admin = await browse("orlov")
    for typed in ("федоров", "ФЁДОР", "Фёдоров"):
        found = names(await people_page(admin, school, f"?q={typed}"))
        assert len(found) == 2 and all(n.startswith("Фёдоров") for n in found), (typed, found)
    assert names(await people_page(admin, school, "?q=ирина+смирн")) == ["Смирнова Ирина"]
    assert names(await people_page(admin, school, "?q=смирнова+ирина")) == ["Смирнова Ирина"]
    # Search and a filter together.
    assert len(rows(await people_page(admin, school, "?q=федоров&role=parent"))) == 1
    nobody = await people_page(admin, school, "?q=никтотакой")
    assert rows(nobody) == [] and "Никого не нашлось" in nobody


async def test_pages_of_fifty(
    browse: BrowserFactory, services: Services, clock: ManualClock
) -> None:
    school = await school_id(services)
    granted = clock.now().isoformat()
    async with services.db.transaction() as tx:
        for n in range(130):
            pid = await tx.execute(
                "INSERT INTO persons (first_name, last_name) VALUES (?, ?)",
                (f"Ученик{n:03d}", "Яковлев"),
            )
            await tx.execute(
                "INSERT INTO roles (person_id, role, org_id, granted_at, method) "
                "VALUES (?, 'student', ?, ?, 'oneroster')",
                (pid, school, granted),
            )
    admin = await browse("orlov")
    first = await people_page(admin, school, "?source=oneroster")
    assert len(rows(first)) == PAGE_SIZE and "Страница 1 из 3" in first
    assert 'rel="next" href="?source=oneroster&amp;page=2"' in first
    third = await people_page(admin, school, "?source=oneroster&page=3")
    assert len(rows(third)) == 30 and "Далее" not in third
    assert names(third)[-1] == "Яковлев Ученик129"
    seen = set()
    for number in (1, 2, 3):
        seen |= set(names(await people_page(admin, school, f"?source=oneroster&page={number}")))
    assert len(seen) == 130
    # A search is paged the same way; a page past the end shows the last one.
    searched = await people_page(admin, school, "?q=яковлев&page=99")
    assert "Страница 3 из 3" in searched and len(rows(searched)) == 30
    # The whole school, sorted by surname: the new students come last («Я»).
    everyone = await people_page(admin, school, "?page=4")
    assert all(n.startswith("Яковлев") for n in names(everyone))


async def revoke(browser: Browser, org: int, person: int, role: int, reason: str) -> object:
    card = await (await browser.get(f"/admin/org/{org}/people/{person}")).text()
    return await browser.post(
        f"/admin/org/{org}/people/{person}/revoke",
        data={"csrf": csrf_of(card), "role": str(role), "reason": reason},
        allow_redirects=False,
    )


async def test_revoke_keeps_history_audit_and_takes_effect_at_once(
    browse: BrowserFactory, services: Services
) -> None:
    school = await school_id(services)
    smirnova = await person_id(services, "smirnova")
    admin, teacher = await browse("orlov"), await browse("smirnova")
    assert (await me(teacher))["roles"] == ["staff"]
    for position, reason in (("teacher", "Уволилась 1 декабря"), ("class_teacher", "Ушла")):
        role = await active_role(services, "smirnova", position)
        response = await revoke(admin, school, smirnova, role, reason)
        assert response.status == 303  # type: ignore[attr-defined]
        location = response.headers["Location"]  # type: ignore[attr-defined]
        assert location == f"/admin/org/{school}/people/{smirnova}?done=role_revoked"
    # The very next request of the teacher has no role.
    assert (await me(teacher))["roles"] == []
    card = await (
        await admin.get(f"/admin/org/{school}/people/{smirnova}?done=role_revoked")
    ).text()
    assert "Роль снята." in card and "Действующих ролей нет." in card
    assert "причина: «Уволилась 1 декабря»" in card and "Дмитрий Орлов" in card
    assert card.count("Снята роль") == 2 and card.count("Выдана роль") == 2
    changes = await services.db.fetchall(
        "SELECT by_person_id, details FROM role_changes WHERE person_id = ? AND action = 'revoke'",
        (smirnova,),
    )
    orlov = await person_id(services, "orlov")
    assert [c["by_person_id"] for c in changes] == [orlov, orlov]
    assert json.loads(changes[0]["details"]) == {"reason": "Уволилась 1 декабря"}
    entries = await services.db.fetchall(
        "SELECT actor_id, org_id, target, details FROM audit_log WHERE action = 'role.revoke' "
        "ORDER BY id"
    )
    assert [(e["actor_id"], e["org_id"]) for e in entries] == [(orlov, school)] * 2
    assert entries[0]["target"] == "Ирина Смирнова — Учитель"
    assert json.loads(entries[0]["details"]) == {"reason": "Уволилась 1 декабря"}
    audit = await (await admin.get(f"/admin/org/{school}/audit")).text()
    assert "Снята роль: Ирина Смирнова — Учитель — «Уволилась 1 декабря»" in audit
    # She is gone from the list, her card stays.
    assert "Смирнова Ирина" not in names(await people_page(admin, school))


async def test_revoke_needs_csrf_and_a_reason(browse: BrowserFactory, services: Services) -> None:
    school = await school_id(services)
    smirnova = await person_id(services, "smirnova")
    role = await active_role(services, "smirnova", "teacher")
    admin = await browse("orlov")
    path = f"/admin/org/{school}/people/{smirnova}/revoke"
    for data in (
        {"role": str(role), "reason": "x"},
        {"csrf": "forged", "role": str(role), "reason": "x"},
    ):
        assert (await admin.post(path, data=data)).status == 403
    for reason, problem in (("   ", "Укажите причину"), ("я" * 501, "не больше 500 символов")):
        response = await revoke(admin, school, smirnova, role, reason)
        assert response.status == 400  # type: ignore[attr-defined]
        assert problem in await response.text()  # type: ignore[attr-defined]
    assert await active_role(services, "smirnova", "teacher") == role
    assert await services.db.fetchval("SELECT count(*) FROM audit_log") == 0
    response = await revoke(admin, school, smirnova, role, "я" * 500)
    assert response.status == 303  # type: ignore[attr-defined]
    again = await revoke(admin, school, smirnova, role, "ещё раз")
    assert again.status == 400  # type: ignore[attr-defined]
    assert "Эта роль уже снята." in await again.text()  # type: ignore[attr-defined]


async def test_revoke_outside_the_tree_is_refused(
    browse: BrowserFactory, services: Services
) -> None:
    school = await school_id(services)
    gymnasium = await org_id(services, GYMNASIUM)
    novikov = await person_id(services, "novikov")
    role = await active_role(services, "novikov", "teacher")
    admin = await browse("orlov")
    smirnova = await person_id(services, "smirnova")
    card = await (await admin.get(f"/admin/org/{school}/people/{smirnova}")).text()
    data = {"csrf": csrf_of(card), "role": str(role), "reason": "чужая"}
    # Through this school's URL (the role is the gymnasium's) and through the gymnasium's own.
    response = await admin.post(f"/admin/org/{school}/people/{novikov}/revoke", data=data)
    assert response.status == 403
    response = await admin.post(f"/admin/org/{gymnasium}/people/{novikov}/revoke", data=data)
    assert response.status == 403
    # A role id that is not this person's is no role of theirs.
    response = await admin.post(f"/admin/org/{school}/people/{smirnova}/revoke", data=data)
    assert response.status == 404
    assert await active_role(services, "novikov", "teacher") == role


async def test_own_last_admin_role_cannot_be_revoked(
    browse: BrowserFactory, services: Services
) -> None:
    school = await school_id(services)
    orlov = await person_id(services, "orlov")
    role = await active_role(services, "orlov", "admin")
    admin = await browse("orlov")
    response = await revoke(admin, school, orlov, role, "ухожу")
    assert response.status == 400  # type: ignore[attr-defined]
    text = await response.text()  # type: ignore[attr-defined]
    assert "Нельзя снять с себя последнюю роль администратора" in text
    assert await active_role(services, "orlov", "admin") == role
    # His director role is not an admin role: that one goes.
    director = await active_role(services, "orlov", "director")
    assert (await revoke(admin, school, orlov, director, "не директор")).status == 303  # type: ignore[attr-defined]
    # Admin of the region too, he may give up the school's admin role.
    await make_region_admin(services, "orlov")
    assert (await revoke(admin, school, orlov, role, "есть роль в регионе")).status == 303  # type: ignore[attr-defined]


async def test_region_admin_sees_the_whole_tree(browse: BrowserFactory, services: Services) -> None:
    region = await make_region_admin(services, "novikov")
    school = await school_id(services)
    admin = await browse("novikov")
    page = await people_page(admin, region, "?q=смирнова+ирина")
    assert names(page) == ["Смирнова Ирина"] and "<th>Школа</th>" in page
    assert "МБОУ СОШ № 112" in rows(page)[0]
    page = await people_page(admin, region, "?q=лебедева+мария&role=teacher")
    assert names(page) == ["Лебедева Мария"] and "МАОУ «Гимназия № 5»" in rows(page)[0]
    # The region's own admin is a member of the region; he is also the gymnasium's.
    page = await people_page(admin, region, "?q=новиков+сергей&role=admin")
    assert [r for r in rows(page) if "Новосибирская область" in r]
    assert len(rows(page)) == 2
    total = await services.db.fetchval(
        "SELECT count(*) FROM (SELECT DISTINCT person_id, org_id FROM roles "
        "WHERE revoked_at IS NULL) AS held"
    )
    assert f"Всего: {total}" in await people_page(admin, region)
    municipality = await services.db.fetchval(
        "SELECT parent_id FROM organisations WHERE id = ?", (school,)
    )
    assert names(await people_page(admin, municipality, "?q=ирина+смирнова")) == ["Смирнова Ирина"]
    assert names(await people_page(admin, municipality, "?q=лебедева&role=teacher")) == []
    # A region admin revokes a role at a school of the tree from the region's page.
    smirnova = await person_id(services, "smirnova")
    role = await active_role(services, "smirnova", "teacher")
    response = await revoke(admin, region, smirnova, role, "по решению управления")
    assert response.status == 303  # type: ignore[attr-defined]
    org = await services.db.fetchval("SELECT org_id FROM audit_log WHERE action = 'role.revoke'")
    assert org == school


@needs_chromium
async def test_search_and_revoke_in_chromium(chromium_as: ChromiumAs, services: Services) -> None:
    school = await school_id(services)
    async with chromium_as("orlov", f"/admin/org/{school}/people") as page:
        await page.select_option("select[name=role]", "staff")
        await page.fill("input[name=q]", "кузнец")
        await page.click("form.ppl-filters button[type=submit]")
        await page.wait_for_url("**q=*")
        assert await page.locator(".ppl-table tbody tr").count() == 1
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
        await page.click(".ppl-table >> text=Кузнецов Олег")
        await page.wait_for_url("**/people/*")
        await page.click(".ppl-revoke summary")
        await page.fill(".ppl-revoke textarea[name=reason]", "Перевёлся в другую школу")
        await page.click(".ppl-revoke button[type=submit]")
        await page.wait_for_url("**done=role_revoked")
        main = await page.inner_text("main")
        assert "Роль снята." in main and "Перевёлся в другую школу" in main
        assert "Действующих ролей нет." in main
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
    kuznetsov = await person_id(services, "kuznetsov")
    assert not await services.people.active_roles(kuznetsov)  # teacher was his only role


pytestmark = pytest.mark.usefixtures("cabinet_server")
