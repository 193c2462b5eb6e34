"""«Подразделения»: who gets in, CSRF, create/rename/archive/restore/class teacher with their audit
entries, names unique without case, an archived class offered to nobody (the join dialog, the
advisor's picker, the monitoring's count), another school's class untouchable, and the page's main
actions in Chromium."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.broadcast import addressing
from core.clock import ManualClock
from core.runtime.services import Services
from sferum.testing import bot_harness

from ...browser import needs_chromium
from ..conftest import Browser, BrowserFactory
from .access import EVERYONE_BUT_ADMINS, assert_a_school_section
from .conftest import ChromiumAs, csrf_of, group_id, org_id, person_id, school_id

pytestmark = pytest.mark.usefixtures("cabinet_server")


async def group_row(services: Services, gid: int) -> dict[str, Any]:
    row = await services.db.fetchone("SELECT * FROM groups WHERE id = ?", (gid,))
    assert row is not None
    return row


async def audit_rows(services: Services, action: str) -> list[dict[str, Any]]:
    rows = await services.db.fetchall(
        "SELECT * FROM audit_log WHERE action = ? ORDER BY id", (action,)
    )
    return [{**r, "details": json.loads(r["details"])} for r in rows]


async def units_url(services: Services) -> str:
    return f"/admin/org/{await school_id(services)}/units"


async def post(browser: Browser, path: str, page: str, **data: str) -> Any:
    """Post a form of the units page with the page's CSRF token."""
    html = await (await browser.get(page)).text()
    return await browser.post(path, data={"csrf": csrf_of(html), **data}, allow_redirects=False)


async def test_access_matrix(browse: BrowserFactory, services: Services) -> None:
    url = await units_url(services)
    # A teacher made a region admin.
    await assert_a_school_section(
        browse, services, "units", region_admin="kuznetsov", refused=EVERYONE_BUT_ADMINS
    )
    # Nor may a stranger change anything.
    stranger = await browse("novikov")
    response = await stranger.post(
        url, data={"csrf": "x", "name": "5Я", "kind": "class", "grade": "5"}
    )
    assert response.status == 403
    assert not await audit_rows(services, "unit.create")


async def test_page_shows_classes_with_class_teachers_and_student_counts(
    browse: BrowserFactory, services: Services
) -> None:
    page = await (await (await browse("orlov")).get(await units_url(services))).text()
    for name in ("5А", "7Б", "9А", "11А"):
        assert f'<b class="unit-name">{name}</b>' in page
    assert "6А" not in page  # the gymnasium's
    ninth = page.split('<b class="unit-name">9А</b>')[1].split("</li>")[0]
    assert "Ирина Смирнова" in ninth and '<span class="unit-students">4</span>' in ninth
    fifth = page.split('<b class="unit-name">5А</b>')[1].split("</li>")[0]
    # Кузнецов leads 5А in the demo but lacks the position: the page says what that means.
    assert "Олег Кузнецов" in fifth and "нет должности «классный руководитель»" in fifth


async def test_changes_without_csrf_are_refused_and_change_nothing(
    browse: BrowserFactory, services: Services
) -> None:
    url = await units_url(services)
    seventh = await group_id(services, "s112-7b")
    admin = await browse("orlov")
    await admin.get(url)
    created = await admin.post(url, data={"name": "5Я", "kind": "class", "grade": "5"})
    assert created.status == 403
    for action, data in (
        ("rename", {"name": "7Я"}),
        ("archive", {}),
        ("teacher", {"teacher": ""}),
    ):
        response = await admin.post(f"{url}/{seventh}/{action}", data={**data, "csrf": "wrong"})
        assert response.status == 403
    row = await group_row(services, seventh)
    assert row["name"] == "7Б" and row["archived_at"] is None and row["class_teacher_id"]
    assert await services.db.fetchval("SELECT count(*) FROM groups WHERE name = '5Я'") == 0
    assert await services.db.fetchval("SELECT count(*) FROM audit_log") == 0


async def test_create_rename_archive_restore_each_with_its_audit_entry(
    browse: BrowserFactory, services: Services, clock: ManualClock
) -> None:
    url = await units_url(services)
    school = await school_id(services)
    admin = await browse("orlov")
    response = await post(admin, url, url, name="  5В ", kind="class", grade="5")
    assert response.status == 303
    assert response.headers["Location"] == f"{url}?done=unit_created"
    gid = int(await services.db.fetchval("SELECT id FROM groups WHERE name = '5В'"))
    row = await group_row(services, gid)
    assert (row["org_id"], row["kind"], row["grade"]) == (school, "class", 5)
    assert "Подразделение создано." in await (await admin.get(response.headers["Location"])).text()

    assert (await post(admin, f"{url}/{gid}/rename", url, name="5Г")).status == 303
    assert (await group_row(services, gid))["name"] == "5Г"
    assert (await post(admin, f"{url}/{gid}/archive", url)).status == 303
    assert (await group_row(services, gid))["archived_at"] is not None
    page = await (await admin.get(url)).text()
    archive_part = page.split("Архив: 1")[1]
    assert '<b class="unit-name">5Г</b>' in archive_part
    assert (await post(admin, f"{url}/{gid}/restore", url)).status == 303
    assert (await group_row(services, gid))["archived_at"] is None

    orlov = await person_id(services, "orlov")
    for action, details in (
        ("unit.create", {"group_id": gid, "kind": "class"}),
        ("unit.rename", {"group_id": gid, "old": "5В", "new": "5Г"}),
        ("unit.archive", {"group_id": gid}),
        ("unit.restore", {"group_id": gid}),
    ):
        [entry] = await audit_rows(services, action)
        assert (entry["actor_id"], entry["org_id"], entry["details"]) == (orlov, school, details)
    audit = await (await admin.get(f"/admin/org/{school}/audit")).text()
    assert "Переименовано подразделение: 5Г («5В» → «5Г»)" in audit.replace("&#34;", '"')
    assert "Подразделение в архиве: 5Г" in audit


async def test_a_name_in_use_is_refused_without_regard_to_case_or_spaces(
    browse: BrowserFactory, services: Services
) -> None:
    url = await units_url(services)
    admin = await browse("orlov")
    before = await services.db.fetchval("SELECT count(*) FROM groups")
    for name in ("5а", "5 А", "5-а"):
        response = await post(admin, url, url, name=name, kind="class", grade="5")
        assert response.status == 400
        assert "В школе уже есть «5А»" in await response.text()
    seventh = await group_id(services, "s112-7b")
    response = await post(admin, f"{url}/{seventh}/rename", url, name="9а")
    assert response.status == 400 and "В школе уже есть «9А»" in await response.text()
    assert (await group_row(services, seventh))["name"] == "7Б"
    for bad, text in (
        ({"name": " ", "kind": "class", "grade": "5"}, "Укажите название"),
        ({"name": "5Ю", "kind": "class", "grade": ""}, "Укажите параллель"),
        ({"name": "5Ю", "kind": "class", "grade": "٥"}, "Укажите параллель"),
        ({"name": "5Ю", "kind": "club", "grade": "5"}, "класс это или учебная группа"),
        ({"name": "Я" * 41, "kind": "class", "grade": "5"}, "не больше 40 символов"),
    ):
        response = await post(admin, url, url, **bad)
        assert response.status == 400 and text in await response.text()
    assert await services.db.fetchval("SELECT count(*) FROM groups") == before
    # Another school's 6А is no clash; a study group needs no grade.
    assert (await post(admin, url, url, name="6А", kind="class", grade="6")).status == 303
    assert (await post(admin, url, url, name="Робототехника", kind="study_group")).status == 303
    # An archived class keeps its name: next year's 7Б may be created, the old one not restored.
    assert (await post(admin, f"{url}/{seventh}/archive", url)).status == 303
    assert (await post(admin, url, url, name="7б", kind="class", grade="7")).status == 303
    response = await post(admin, f"{url}/{seventh}/restore", url)
    assert response.status == 400 and "В школе уже есть «7б»" in await response.text()
    assert (await group_row(services, seventh))["archived_at"] is not None
    assert not await audit_rows(services, "unit.restore")


async def test_an_archived_class_is_offered_to_nobody_but_keeps_its_history(
    browse: BrowserFactory, services: Services
) -> None:
    url = await units_url(services)
    school = await school_id(services)
    seventh = await group_id(services, "s112-7b")
    students = await services.db.fetchval(
        "SELECT count(*) FROM student_groups WHERE group_id = ?", (seventh,)
    )
    admin = await browse("orlov")
    assert (await post(admin, f"{url}/{seventh}/archive", url)).status == 303
    offered = [g.id for g in await services.people.groups_of_org(school)]
    assert seventh not in offered and len(offered) == 3
    every = [g.id for g in await services.people.groups_of_org(school, archived=True)]
    assert seventh in every
    # The advisor's class picker (a counsellor's reach), the codes' class list.
    reach = await addressing.reach(services.people, await person_id(services, "volkova"), school)
    assert seventh not in reach.students_of and reach.students_of
    codes_page = await (await admin.get(f"/admin/org/{school}/codes")).text()
    assert f'value="{seventh}"' not in codes_page
    # History kept: the students are still in it, the group is still readable by id.
    assert (
        await services.db.fetchval(
            "SELECT count(*) FROM student_groups WHERE group_id = ?", (seventh,)
        )
        == students
    )
    group = await services.people.group(seventh)
    assert group is not None and group.archived and group.name == "7Б"


async def test_the_join_dialog_does_not_offer_an_archived_class(tmp_path: Path) -> None:
    def labels(reply: dict[str, Any]) -> list[str]:
        keyboard = reply["keyboard"]
        keyboard = json.loads(keyboard) if isinstance(keyboard, str) else keyboard
        return [b["action"]["label"] for row in keyboard["buttons"] for b in row]

    async with bot_harness([], tmp_path) as h:
        seventh = await group_id(h.services, "s112-7b")
        await h.services.db.execute(
            "UPDATE groups SET archived_at = '2026-01-01T00:00:00+00:00' WHERE id = ?", (seventh,)
        )
        newcomer = 900_019
        h.sandbox.runtime.state.create_user("Миша", "Орлов", newcomer)
        await h.say(newcomer, "подтвердить роль")
        await h.tap(newcomer, "СОШ № 112")
        await h.tap(newcomer, "Ученик")
        classes = h.last_reply(newcomer)
        assert "5А" in labels(classes) and "9А" in labels(classes)
        assert "7Б" not in labels(classes)
        # A stale button of the archived class is not taken either: the class list again.
        await h.say(newcomer, "7Б", payload={"core": "join", "group": seventh})
        again = h.last_reply(newcomer)
        assert again["text"] == classes["text"] and "7Б" not in labels(again)


async def test_setting_the_class_teacher_from_the_schools_staff(
    browse: BrowserFactory, services: Services
) -> None:
    url = await units_url(services)
    school = await school_id(services)
    ninth = await group_id(services, "s112-9a")
    smirnova, morozova = (
        await person_id(services, "smirnova"),
        await person_id(services, "morozova"),
    )
    admin = await browse("orlov")
    page = await (await admin.get(url)).text()
    assert f'<option value="{morozova}">Елена Морозова</option>' in page
    assert "Сергей Новиков" not in page  # the gymnasium's staff is not offered
    assert (await addressing.reach(services.people, smirnova, school)).parents_of >= {ninth}

    response = await post(admin, f"{url}/{ninth}/teacher", url, teacher=str(morozova))
    assert response.headers["Location"] == f"{url}?done=unit_teacher"
    assert (await group_row(services, ninth))["class_teacher_id"] == morozova
    [entry] = await audit_rows(services, "unit.teacher")
    assert entry["target"] == "9А" and entry["details"]["teacher"] == "Елена Морозова"
    assert entry["details"]["old_teacher_id"] == smirnova
    # 9А is Морозова's now: Смирнова, still in its chat, no longer writes to its parents.
    assert ninth not in (await addressing.reach(services.people, smirnova, school)).parents_of
    # Морозова had no class teacher's position: the assignment gave it (history and audit).
    [grant] = await audit_rows(services, "role.grant")
    assert grant["target"] == "Елена Морозова" and grant["details"]["position"] == "class_teacher"
    assert ninth in (await addressing.reach(services.people, morozova, school)).parents_of
    history = await services.people.role_history(morozova)
    assert any(h["action"] == "grant" and h["method"] == "admin" for h in history)
    audit = await (await admin.get(f"/admin/org/{school}/audit")).text()
    assert "Классный руководитель: 9А — Елена Морозова" in audit

    novikov = await person_id(services, "novikov")
    response = await post(admin, f"{url}/{ninth}/teacher", url, teacher=str(novikov))
    assert response.status == 400
    assert "только сотрудника этой школы" in await response.text()
    assert (await post(admin, f"{url}/{ninth}/teacher", url, teacher="x1")).status == 400
    assert (await post(admin, f"{url}/{ninth}/teacher", url, teacher="")).status == 303
    assert (await group_row(services, ninth))["class_teacher_id"] is None
    assert len(await audit_rows(services, "unit.teacher")) == 2


async def test_another_schools_class_is_not_found(
    browse: BrowserFactory, services: Services
) -> None:
    url = await units_url(services)
    theirs = await group_id(services, "g5-6a")
    admin = await browse("orlov")
    for action, data in (
        ("rename", {"name": "Чужой"}),
        ("archive", {}),
        ("restore", {}),
        ("teacher", {"teacher": ""}),
    ):
        assert (await post(admin, f"{url}/{theirs}/{action}", url, **data)).status == 404
    assert (await post(admin, f"{url}/abc/archive", url)).status == 404
    row = await group_row(services, theirs)
    assert row["name"] == "6А" and row["archived_at"] is None and row["class_teacher_id"]
    # Their admin, at their school's address, may.
    gymnasium = await org_id(services, "МАОУ «Гимназия № 5»")
    theirs_url = f"/admin/org/{gymnasium}/units"
    novikov = await browse("novikov")
    assert (await post(novikov, f"{theirs_url}/{theirs}/archive", theirs_url)).status == 303


@needs_chromium
async def test_create_rename_and_archive_a_class_in_chromium(
    chromium_as: ChromiumAs, services: Services
) -> None:
    school = await school_id(services)
    async with chromium_as("orlov", f"/admin/org/{school}/units") as page:
        await page.fill(".unit-new input[name=name]", "8В")
        await page.fill(".unit-new input[name=grade]", "8")
        await page.click(".unit-new button")
        await page.wait_for_url("**/units?done=unit_created")
        assert "Подразделение создано." in await page.inner_text(".cab-notice")
        item = page.locator(".unit-item", has=page.locator(".unit-name", has_text="8В"))
        await item.locator("summary").click()
        await item.locator(".unit-rename input[name=name]").fill("8Г")
        await item.locator(".unit-rename button").click()
        await page.wait_for_url("**/units?done=unit_renamed")
        item = page.locator(".unit-item", has=page.locator(".unit-name", has_text="8Г"))
        await item.locator("summary").click()
        await item.locator(".unit-archive button").click()
        await page.wait_for_url("**/units?done=unit_archived")
        archived = await page.inner_text(".unit-archived")
        assert "8Г" in archived and "Восстановить" in archived
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
    row = await services.db.fetchone(
        "SELECT name, grade, archived_at FROM groups WHERE org_id = ? AND name = '8Г'", (school,)
    )
    assert row is not None and row["grade"] == 8 and row["archived_at"] is not None
