"""The operators' pages of the mini-app (/appeals): the queue, taking and answering an appeal, the
answer relayed to the teacher in VK; who may open the pages; CSRF; unknown and foreign ids."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bots.rosobrnadzor_helper import plugin
from bots.rosobrnadzor_helper.appeals import Appeal, Status, get_appeal
from bots.rosobrnadzor_helper.desk import Desk
from core.clock import ManualClock
from core.runtime.services import Services
from miniapp.app import create_app, extension_routes
from miniapp.keys import MiniAppConfig
from sferum.testing import bot_harness
from tests.miniapp.conftest import APP_ID, SECRET, Browser, browsers

from .conftest import RecordingSender, identity
from .helpers import file_at_desk, make_operator
from .test_e2e import filed_appeal

TEXT = "Завуч требует еженедельный отчёт в Excel, хотя все оценки уже есть в журнале."
ANSWER = "Такой отчёт не входит в перечень приказа № 779: можно отказаться письменно."
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
HOME_LINK = "Обращения в Рособрнадзор"

Open = Callable[[str], Awaitable[Browser]]


async def serve(services: Services) -> TestServer:
    app = create_app(
        services,
        config=MiniAppConfig(app_id=APP_ID, secret=SECRET),
        # As `sferum run` and `sferum miniapp` wire it: the plugin's routes and home link.
        extra_routes=extension_routes([plugin]),
        load_demo=False,
    )
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


async def csrf_of(browser: Browser, path: str) -> str:
    response = await browser.get(path)
    assert response.status == 200, await response.text()
    found = CSRF.search(await response.text())
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


@pytest.fixture
async def open_as(
    services: Services, clock: ManualClock, sender: RecordingSender
) -> AsyncIterator[Open]:
    """``await open_as("morozova")``: a browser launched from VK as that demo person."""
    server = await serve(services)
    async with browsers(server, clock) as make:
        yield make
    await server.close()


@pytest.fixture
async def appeal(desk: Desk, services: Services, sender: RecordingSender) -> Appeal:
    teacher = await identity(services, "smirnova")
    links = ["https://disk.example/order.pdf"]
    filed, _ = await file_at_desk(desk, teacher, "documents", text=TEXT, links=links)
    return filed


# --- end to end: the sandbox VK, the bot and the mini-app over one database -----------------------
async def test_operator_takes_and_answers_in_the_miniapp_and_teacher_gets_it_in_vk(
    tmp_path: Path,
) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        chat, teacher, operator, number, filed = await filed_appeal(h)
        server = await serve(h.services)
        browser = Browser(server, h.clock)
        try:
            assert (await browser.launch(operator)).status == 303
            home = await (await browser.get("/home")).text()
            assert HOME_LINK in home and 'href="/appeals"' in home

            queue = await browser.get("/appeals")
            page = await queue.text()
            assert queue.status == 200
            assert f"№ {number}" in page and "Документы и отчёты" in page
            assert "Ирина Смирнова" in page and "МБОУ СОШ № 112" in page
            assert "новое, ждёт оператора" in page and "Ответить до 23.12.2026" in page

            card = f"/appeals/{filed.id}"
            token = await csrf_of(browser, card)
            taken = await browser.post(card + "/take", data={"csrf": token}, allow_redirects=False)
            assert taken.status == 303 and taken.headers["Location"] == card + "?done=taken"
            page = await (await browser.get(taken.headers["Location"])).text()
            assert "Обращение взято в работу" in page and "в работе" in page
            assert "Оператор: Елена Морозова" in page and "взято в работу: Елена Морозова" in page
            await h.settle()
            # The operators' chat learns who took it, as after the button in the chat.
            assert "взял(а) в работу Елена Морозова" in h.last_reply(operator, chat)["text"]

            answered = await browser.post(
                card + "/answer",
                data=aiohttp.FormData({"csrf": token, "answer": ANSWER}, default_to_multipart=True),
                allow_redirects=False,
            )
            assert answered.status == 303, await answered.text()
            page = await (await browser.get(answered.headers["Location"])).text()
            assert "Ответ отправлен педагогу в VK" in page and "не входит в перечень" in page
            await h.settle()
            reply = h.last_reply(teacher)
            assert f"Ответ на ваше обращение № {number}" in reply["text"]
            assert ANSWER in reply["text"]
            assert "5 ★" in str(reply["keyboard"])  # the rating buttons, as from the chat path
            stored = await get_appeal(h.services.db, filed.id)
            assert stored is not None and stored.status == Status.ANSWERED
            assert stored.answer_delivered

            queue_page = await (await browser.get("/appeals")).text()
            assert "Вы ответили" in queue_page and f"№ {number}" in queue_page
        finally:
            await browser.close()
            await server.close()


# --- who may open the pages --------------------------------------------------------------------
@pytest.mark.parametrize("key", ["smirnova", "pa00", "orlov", "st00"])
async def test_only_operators_open_the_pages(open_as: Open, appeal: Appeal, key: str) -> None:
    browser = await open_as(key)
    for path in ("/appeals", f"/appeals/{appeal.id}", "/appeals/999999"):
        response = await browser.get(path)
        assert response.status == 403, path
        assert "Нет доступа" in await response.text()
    refused = await browser.post(f"/appeals/{appeal.id}/take", data={"csrf": "x"})
    assert refused.status == 403
    assert HOME_LINK not in await (await browser.get("/home")).text()


async def test_operator_sees_the_home_link(open_as: Open) -> None:
    browser = await open_as("morozova")
    assert HOME_LINK in await (await browser.get("/home")).text()


async def test_post_without_csrf_token_is_refused(
    open_as: Open, appeal: Appeal, services: Services, sender: RecordingSender
) -> None:
    browser = await open_as("morozova")
    for form in ({}, {"csrf": "forged"}):
        took = await browser.post(f"/appeals/{appeal.id}/take", data=form)
        answered = await browser.post(
            f"/appeals/{appeal.id}/answer", data={**form, "answer": ANSWER}
        )
        assert took.status == answered.status == 403
    stored = await get_appeal(services.db, appeal.id)
    assert stored is not None and stored.status == Status.NEW and stored.answer is None
    teacher = (await identity(services, "smirnova")).person.vk_user_id
    assert sender.to(teacher) == []


async def test_unknown_or_foreign_appeal_is_404_alike(
    open_as: Open, appeal: Appeal, services: Services, desk: Desk
) -> None:
    # Кузнецов becomes a second operator and takes the appeal: Морозова may no longer see it.
    await make_operator(services, await identity(services, "kuznetsov"))
    await desk.store.take(appeal.id, await identity(services, "kuznetsov"))
    browser = await open_as("morozova")
    token = await csrf_of_home_form(browser)
    unknown = await browser.get("/appeals/999999")
    foreign = await browser.get(f"/appeals/{appeal.id}")
    assert unknown.status == foreign.status == 404
    assert await unknown.text() == await foreign.text()
    for path in (f"/appeals/{appeal.id}/answer", "/appeals/999999/answer"):
        response = await browser.post(path, data={"csrf": token, "answer": ANSWER})
        assert response.status == 404
    for path in ("/appeals/abc", "/appeals/99999999999999999999"):
        assert (await browser.get(path)).status == 404
    assert f"№ {appeal.number}" not in await (await browser.get("/appeals")).text()
    stored = await get_appeal(services.db, appeal.id)
    assert stored is not None and stored.answer is None


async def csrf_of_home_form(browser: Browser) -> str:
    """The session's token from the page every viewer has a form on (/link)."""
    return await csrf_of(browser, "/link")


async def test_bad_answer_gets_a_russian_error_and_keeps_the_text(
    open_as: Open, appeal: Appeal, services: Services
) -> None:
    browser = await open_as("morozova")
    card = f"/appeals/{appeal.id}"
    token = await csrf_of(browser, card)
    for text in ("", "   ", "Я" * 4001):
        response = await browser.post(
            card + "/answer",
            data=aiohttp.FormData({"csrf": token, "answer": text}, default_to_multipart=True),
        )
        page = await response.text()
        assert response.status == 400
        assert "Ответ не должен быть пустым или длиннее 4000 знаков" in page
    assert "Я" * 4001 in page  # what the operator typed is not lost
    stored = await get_appeal(services.db, appeal.id)
    assert stored is not None and stored.answer is None


async def test_answer_vk_refuses_stays_in_the_bot(
    open_as: Open, appeal: Appeal, services: Services, sender: RecordingSender
) -> None:
    teacher = (await identity(services, "smirnova")).person.vk_user_id
    sender.refuse.add(teacher)
    browser = await open_as("morozova")
    card = f"/appeals/{appeal.id}"
    token = await csrf_of(browser, card)
    # Answering a new appeal takes it on the way, as in the bot.
    response = await browser.post(card + "/answer", data={"csrf": token, "answer": ANSWER})
    page = await response.text()
    assert response.status == 200 and "доставить не удалось" in page
    stored = await get_appeal(services.db, appeal.id)
    assert stored is not None and stored.status == Status.ANSWERED
    assert not stored.answer_delivered
    # Taking an answered appeal is refused with a clear message.
    taken = await browser.post(card + "/take", data={"csrf": token})
    assert taken.status == 409 and "Это обращение уже не в работе." in await taken.text()


async def test_what_teachers_typed_is_escaped(
    open_as: Open, desk: Desk, services: Services
) -> None:
    script = '<script>alert("x")</script> прошу разъяснить порядок'
    filed, _ = await file_at_desk(desk, await identity(services, "smirnova"), "other", text=script)
    browser = await open_as("morozova")
    for path in ("/appeals", f"/appeals/{filed.id}"):
        page = await (await browser.get(path)).text()
        assert "<script>alert" not in page and "&lt;script&gt;" in page
