"""An operator's answer as long as allowed reaches the teacher through the sandbox VK, which refuses
a message over 9,000 characters (error 914) as VK does: with the relay's header and footer it is
over vkbottle's 4,096 yet one message for VK, sent whole with the rating buttons under it (longer
texts are cut by core/vk/split.py, tests/core/vk); the operator is told it was sent. The same
from the mini-app's form, whose urlencoded body of 4,000 Cyrillic letters is about 24 KB."""

from __future__ import annotations

import re
from pathlib import Path

from bots.rosobrnadzor_helper import plugin
from bots.rosobrnadzor_helper.appeals import MAX_ANSWER, get_appeal
from core.vk.split import VK_MESSAGE_LIMIT
from sferum.testing import bot_harness
from tests.miniapp.conftest import Browser

from .test_e2e import file_appeal, filed_appeal, operators_chat
from .test_miniapp_pages import csrf_of, serve

SENTENCE = "Отчёт, который требует завуч, не входит в перечень документов приказа № 779. "


def long_answer(length: int) -> str:
    """An answer of exactly ``length`` characters in paragraphs, as an operator would write."""
    paragraph = (SENTENCE * 6).strip()
    text = "\n\n".join([paragraph] * (length // len(paragraph) + 1))
    return text[:length].rstrip().ljust(length, ".")


def words(text: str) -> list[str]:
    return re.findall(r"\S+", text)


def check_relay(parts: list[dict[str, object]], number: str, answer: str) -> None:
    texts = [str(p["text"]) for p in parts]
    assert len(texts) == 1, [len(t) for t in texts]  # not cut at vkbottle's 4,096
    [text] = texts
    assert 4096 < len(text) <= VK_MESSAGE_LIMIT
    assert text.startswith(f"Ответ на ваше обращение № {number}")
    assert "Оцените, пожалуйста" in text
    whole = words(text)
    start = whole.index(words(answer)[0], 4)  # after the header
    assert whole[start : start + len(words(answer))] == words(answer)  # nothing lost
    assert "5 ★" in str(parts[0]["keyboard"])


async def test_a_long_answer_in_the_bot_reaches_the_teacher_whole(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        chat, teacher, operator, number, appeal = await filed_appeal(h)
        h.replies(teacher)  # what the teacher saw while filing
        await h.say(operator, "Взять в работу", {"rb": "op_take", "a": appeal.id}, peer_id=chat)
        await h.tap(operator, "Ответить")
        answer = long_answer(3996)
        await h.say(operator, answer)
        assert "Так педагог увидит ответ" in h.last_reply(operator)["text"]
        await h.tap(operator, "Отправить")
        assert "отправлен педагогу" in h.last_reply(operator)["text"]
        check_relay(h.replies(teacher), number, answer)  # before: VK error 914, nothing
        stored = await get_appeal(h.services.db, appeal.id)
        assert stored is not None and stored.answer_delivered


async def test_an_answer_longer_than_allowed_is_refused_before_the_preview(
    tmp_path: Path,
) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        chat, _, operator, _, appeal = await filed_appeal(h)
        await h.say(operator, "Взять в работу", {"rb": "op_take", "a": appeal.id}, peer_id=chat)
        await h.tap(operator, "Ответить")
        await h.say(operator, long_answer(MAX_ANSWER + 50))
        assert "длиннее 4000 знаков" in h.last_reply(operator)["text"]
        await h.say(operator, long_answer(MAX_ANSWER))  # still in the answer step
        assert "Так педагог увидит ответ" in h.last_reply(operator)["text"]


async def test_a_long_cyrillic_answer_posted_urlencoded_from_the_miniapp_is_relayed(
    tmp_path: Path,
) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        await operators_chat(h)
        teacher, operator = h.vk("smirnova"), h.vk("morozova")
        number, appeal = await file_appeal(h, teacher)
        h.replies(teacher)
        server = await serve(h.services)
        browser = Browser(server, h.clock)
        try:
            assert (await browser.launch(operator)).status == 303
            card = f"/appeals/{appeal.id}"
            token = await csrf_of(browser, card)
            too_long = await browser.post(
                card + "/answer", data={"csrf": token, "answer": "Я" * (MAX_ANSWER + 1)}
            )
            assert too_long.status == 400  # the Russian error and the text kept, not a bare 413
            assert "длиннее 4000 знаков" in await too_long.text()
            answer = long_answer(MAX_ANSWER)
            posted = await browser.post(  # a dict: application/x-www-form-urlencoded
                card + "/answer", data={"csrf": token, "answer": answer}, allow_redirects=False
            )
            assert posted.status == 303, posted.status  # before: 413
            page = await (await browser.get(posted.headers["Location"])).text()
            assert "Ответ отправлен педагогу в VK" in page
            await h.settle()
            check_relay(h.replies(teacher), number, answer)
        finally:
            await browser.close()
            await server.close()
