"""«Обращения в организацию»: who sees them, the list (new first, who wrote), the answer form
(CSRF, audit, empty and oversized answers), and end to end through the sandbox — an appeal
written in the community's dialog appears on the page, its answer reaches the person once, and at
night it waits for the morning, across a restart. Chromium answers one through the UI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from core.audit import AuditLog
from core.org_appeals.store import MAX_ANSWER, OrgAppeal, OrgAppealStore
from core.outbox import State
from core.runtime.services import Services
from miniapp.app import create_app
from miniapp.cabinet import setup as cabinet_pages
from miniapp.keys import MiniAppConfig
from sferum.testing import Harness, bot_harness
from tests.core.outbox.world import MONDAY_NIGHT, TUESDAY_MORNING, restarted

from ...browser import needs_chromium
from ..conftest import APP_ID, SECRET, Browser, BrowserFactory, browsers, serving
from .access import assert_admins_only
from .conftest import ChromiumAs, csrf_of, make_region_admin, org_id, person_id, school_id

QUESTION = "Когда будет родительское собрание в 9А?"
ANSWER = "Собрание в четверг в 18:00, кабинет 21."


async def file(services: Services, key: str, org: int, text: str = QUESTION) -> OrgAppeal:
    return await OrgAppealStore(services.db, services.clock).file(
        await person_id(services, key), org, 1, text
    )


async def answer_form(browser: Browser, org: int, appeal: int) -> tuple[str, str]:
    """(the card's HTML, its CSRF token)."""
    page = await (await browser.get(f"/admin/org/{org}/appeals/{appeal}")).text()
    return page, csrf_of(page)


async def post_answer(browser: Browser, org: int, appeal: int, text: str) -> tuple[int, str]:
    _, csrf = await answer_form(browser, org, appeal)
    response = await browser.post(
        f"/admin/org/{org}/appeals/{appeal}/answer",
        data={"csrf": csrf, "answer": text},
        allow_redirects=False,
    )
    return response.status, response.headers.get("Location", "") or await response.text()


ToAnswer = tuple[int, OrgAppeal, Browser]


@pytest.fixture
async def to_answer(browse: BrowserFactory, services: Services) -> ToAnswer:
    """(СОШ № 112, pa04's question to it, the school's admin orlov in a browser to answer it)."""
    school = await school_id(services)
    return school, await file(services, "pa04", school), await browse("orlov")


async def outbox_rows(services: Services) -> list[dict[str, object]]:
    return await services.db.fetchall(
        "SELECT * FROM outbox_messages WHERE kind = 'core.org_appeal_answer'"
    )


# --- the cabinet alone ------------------------------------------------------------------------
async def test_access_matrix(browse: BrowserFactory, services: Services) -> None:
    school = await school_id(services)
    gymnasium = await org_id(services, "МАОУ «Гимназия № 5»")
    ours = await file(services, "pa04", school)
    theirs = await file(services, "st16", gymnasium, "Вопрос в гимназию")
    used = await assert_admins_only(
        browse,
        [f"/admin/org/{school}/appeals", f"/admin/org/{school}/appeals/{ours.id}"],
        refused=("novikov", "smirnova", "pa04"),
    )
    admin, other = used["orlov"], used["novikov"]
    page = await (await admin.get(f"/admin/org/{school}/appeals")).text()
    assert QUESTION in page and "Вопрос в гимназию" not in page
    # Another school's appeal is not found through this school's cabinet.
    assert (await admin.get(f"/admin/org/{school}/appeals/{theirs.id}")).status == 404
    assert (await admin.get(f"/admin/org/{school}/appeals/x")).status == 404
    # A region admin sees the whole tree's appeals, each with its organisation.
    region = await make_region_admin(services, "novikov")
    page = await (await other.get(f"/admin/org/{region}/appeals")).text()
    assert QUESTION in page and "Вопрос в гимназию" in page and "МБОУ СОШ № 112" in page
    assert (await other.get(f"/admin/org/{school}/appeals/{ours.id}")).status == 200


async def test_the_list_new_first_with_who_wrote(
    browse: BrowserFactory, services: Services
) -> None:
    school = await school_id(services)
    first = await file(services, "st08", school, "Первое обращение")
    second = await file(services, "pa04", school, "Второе обращение")
    third = await file(services, "smirnova", school, "Третье обращение")
    orlov = await person_id(services, "orlov")
    await OrgAppealStore(services.db, services.clock).mark_answered(third.id, orlov, "Готово")
    admin = await browse("orlov")
    page = await (await admin.get(f"/admin/org/{school}/appeals")).text()
    order = [page.index(t) for t in ("Второе обращение", "Первое обращение", "Третье обращение")]
    assert order == sorted(order)  # the new ones, newest first, then the answered
    assert "Все (3)" in page and "Новые (2)" in page and "Отвеченные (1)" in page
    item = page.split(f'data-appeal="{first.id}"')[1].split("</li>")[0]
    assert "Новое" in item and "Ученик, 9А" in item
    item = page.split(f'data-appeal="{second.id}"')[1].split("</li>")[0]
    assert "Родитель, 9А" in item
    item = page.split(f'data-appeal="{third.id}"')[1].split("</li>")[0]
    assert "Отвечено" in item and "Классный руководитель" in item
    new_only = await (await admin.get(f"/admin/org/{school}/appeals?status=new")).text()
    assert "Третье обращение" not in new_only and "Первое обращение" in new_only


async def test_an_answer_needs_the_csrf_token(to_answer: ToAnswer, services: Services) -> None:
    school, appeal, admin = to_answer
    response = await admin.post(
        f"/admin/org/{school}/appeals/{appeal.id}/answer",
        data={"answer": ANSWER},
        allow_redirects=False,
    )
    assert response.status == 403
    store = OrgAppealStore(services.db, services.clock)
    assert (await store.get(appeal.id)).is_new  # type: ignore[union-attr]
    assert await outbox_rows(services) == []
    assert await AuditLog(services.db, services.clock).entries([school]) == []


async def test_empty_and_oversized_answers_are_refused(
    to_answer: ToAnswer, services: Services
) -> None:
    school, appeal, admin = to_answer
    status, page = await post_answer(admin, school, appeal.id, "   ")
    assert status == 400 and "Напишите текст ответа" in page
    status, page = await post_answer(admin, school, appeal.id, "о" * (MAX_ANSWER + 1))
    assert status == 400 and f"не больше {MAX_ANSWER} символов" in page
    assert "о" * 50 in page  # the draft is kept in the form
    assert (await OrgAppealStore(services.db, services.clock).get(appeal.id)).is_new  # type: ignore[union-attr]
    assert await outbox_rows(services) == []


async def test_an_answer_is_recorded_once_with_its_audit_entry(
    to_answer: ToAnswer, services: Services
) -> None:
    school, appeal, admin = to_answer
    _, csrf = await answer_form(admin, school, appeal.id)
    status, where = await post_answer(admin, school, appeal.id, ANSWER)
    assert (
        status == 303 and where == f"/admin/org/{school}/appeals/{appeal.id}?done=appeal_answered"
    )
    done = await OrgAppealStore(services.db, services.clock).get(appeal.id)
    assert done is not None and done.answer == ANSWER
    assert done.answered_by == await person_id(services, "orlov")
    assert done.answered_at == services.clock.now()
    [entry] = await AuditLog(services.db, services.clock).entries([school])
    assert (entry.action, entry.actor_name) == ("appeal.answer", "Дмитрий Орлов")
    assert entry.target.startswith(f"№ {appeal.id} от ")
    audit = await (await admin.get(f"/admin/org/{school}/audit")).text()
    assert "Ответ на обращение" in audit
    page = await (await admin.get(where)).text()
    assert "Ответ отправлен." in page and ANSWER in page and "Отправить ответ" not in page
    # A second answer (from a tab opened before the first was sent) sends nothing.
    response = await admin.post(
        f"/admin/org/{school}/appeals/{appeal.id}/answer",
        data={"csrf": csrf, "answer": "Другой ответ"},
        allow_redirects=False,
    )
    assert response.headers["Location"].endswith("done=appeal_already")
    assert len(await outbox_rows(services)) == 1
    again = await OrgAppealStore(services.db, services.clock).get(appeal.id)
    assert again is not None and again.answer == ANSWER
    assert len(await AuditLog(services.db, services.clock).entries([school])) == 1


# --- end to end: the community's dialog, the cabinet, the person --------------------------------
@asynccontextmanager
async def cabinet_of(h: Harness) -> AsyncIterator[BrowserFactory]:
    """The mini-app with the cabinet over the harness's services (one process, as `sferum run`)."""
    config = MiniAppConfig(app_id=APP_ID, secret=SECRET)
    app = create_app(h.services, config=config, extra_routes=[cabinet_pages])
    async with serving(app) as server, browsers(server, h.clock) as make:
        yield make


def texts(h: Harness, vk_id: int) -> list[str]:
    return [m["text"] for m in h.conversation(vk_id) if m["from_id"] == -h.group_id]


async def write_appeal(h: Harness, key: str, text: str = QUESTION) -> int:
    vk_id = h.vk(key)
    await h.say(vk_id, "Написать в школу")
    await h.say(vk_id, text)
    assert "отправлено в МБОУ СОШ № 112" in h.last_reply(vk_id)["text"]
    return int(await h.services.db.fetchval("SELECT max(id) FROM org_appeals"))


async def test_an_appeal_from_the_dialog_is_answered_from_the_page(tmp_path: Path) -> None:
    async with bot_harness([], tmp_path) as h, cabinet_of(h) as browse:
        appeal = await write_appeal(h, "pa04")
        school = await school_id(h.services)
        admin = await browse("orlov")
        page = await (await admin.get(f"/admin/org/{school}/appeals")).text()
        assert QUESTION in page and "Родитель, 9А" in page
        before = len(texts(h, h.vk("pa04")))
        status, where = await post_answer(admin, school, appeal, ANSWER)
        assert status == 303 and where.endswith("done=appeal_answered")
        await h.settle()
        new = texts(h, h.vk("pa04"))[before:]
        assert len(new) == 1
        assert new[0].startswith(f"Ответ на ваше обращение № {appeal} от ")
        assert ANSWER in new[0] and "— Дмитрий Орлов, администрация" in new[0]
        card = await (await admin.get(where)).text()
        assert "доставлен" in card and "Отвечено" in card
        # Nothing sends it again: the jobs an hour later.
        h.clock.advance(timedelta(hours=1))
        await h.run_due()
        assert len(texts(h, h.vk("pa04"))) == before + 1


async def test_at_night_the_answer_waits_for_the_morning_across_a_restart(
    tmp_path: Path,
) -> None:
    async with bot_harness([], tmp_path) as h:
        student = h.vk("st08")
        async with cabinet_of(h) as browse:
            appeal = await write_appeal(h, "st08", "Можно ли пересдать контрольную?")
            school = await school_id(h.services)
            h.clock.set(MONDAY_NIGHT)
            admin = await browse("orlov")
            before = len(texts(h, student))
            status, where = await post_answer(admin, school, appeal, ANSWER)
            assert status == 303 and where.endswith("done=appeal_held")
            card = await (await admin.get(where)).text()
            assert "тихие часы" in card and "придёт 24.11.2026 08:00" in card
        await h.settle()
        assert len(texts(h, student)) == before  # nothing at night
        [row] = await outbox_rows(h.services)
        assert row["state"] == State.PENDING
        # The process restarts; in the morning the new one sends it, once.
        h.clock.set(TUESDAY_MORNING + timedelta(minutes=1))
        async with restarted(h, []) as after:
            assert await after.jobs.run_due() == 1
            await h.settle()
            new = texts(h, student)[before:]
            assert len(new) == 1 and ANSWER in new[0]
            assert await after.jobs.run_due() == 0
        assert await h.services.jobs.run_due() == 0
        assert len(texts(h, student)) == before + 1


# --- Chromium ---------------------------------------------------------------------------------
@needs_chromium
async def test_answer_an_appeal_in_chromium(chromium_as: ChromiumAs, services: Services) -> None:
    school = await school_id(services)
    older = await file(services, "st08", school, "Старое обращение")
    appeal = await file(services, "pa04", school)
    async with chromium_as("orlov", f"/admin/org/{school}") as page:
        await page.click(".cab-sections >> text=Обращения в организацию")
        await page.wait_for_url(f"**/admin/org/{school}/appeals")
        items = page.locator(".appeals-item")
        assert await items.count() == 2
        assert QUESTION in await items.first.inner_text()
        await items.first.click()
        await page.wait_for_url(f"**/admin/org/{school}/appeals/{appeal.id}")
        await page.fill("textarea[name=answer]", ANSWER)
        await page.click("button >> text=Отправить ответ")
        await page.wait_for_url("**done=appeal_answered")
        main = await page.inner_text("main")
        assert "Ответ отправлен." in main and ANSWER in main
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
    done = await OrgAppealStore(services.db, services.clock).get(appeal.id)
    assert done is not None and done.answer == ANSWER
    still = await OrgAppealStore(services.db, services.clock).get(older.id)
    assert still is not None and still.is_new


pytestmark = pytest.mark.usefixtures("cabinet_server")
