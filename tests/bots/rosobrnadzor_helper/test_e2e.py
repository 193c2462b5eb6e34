"""End to end through the sandbox VK: the real vkbottle stack, the real long poll, SQLite."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import NamedTuple

from bots.rosobrnadzor_helper import plugin
from bots.rosobrnadzor_helper.appeals import Appeal, Status, list_queue
from sferum.testing import Harness, bot_harness

from .helpers import make_operator

OPERATORS_CHAT = "demo:chat-operators"
APPEAL_TEXT = "Завуч требует каждую неделю отчёт по успеваемости в Excel, хотя всё есть в журнале."


def texts(h: Harness, vk_id: int, peer_id: int | None = None) -> list[str]:
    return [m["text"] for m in h.replies(vk_id, peer_id)]


def labels(h: Harness, vk_id: int) -> list[str]:
    return [b["action"].get("label", "") for b in h.buttons(vk_id)]


async def operators_chat(h: Harness) -> int:
    """The operators' chat peer, with the bot's community added to it (as an admin would)."""
    peer = int(
        await h.services.db.fetchval(
            "SELECT peer_id FROM chats WHERE external_id = ?", (OPERATORS_CHAT,)
        )
    )
    async with h.http.post(
        f"{h.control}/chats/{peer}/members", json={"group_ids": [h.group_id]}
    ) as r:
        assert r.status == 200, await r.text()
    return peer


async def file_appeal(h: Harness, teacher: int) -> tuple[str, Appeal]:
    """File an appeal through the bot's dialog; returns its number and the queue's only appeal."""
    await h.say(teacher, "обращение")
    await h.tap(teacher, "Документы и отчёты")
    await h.say(teacher, APPEAL_TEXT)
    await h.say(teacher, "Вот распоряжение: https://disk.example/order.pdf")
    await h.tap(teacher, "Готово")
    assert "Шаг 4 из 4" in h.last_reply(teacher)["text"]
    await h.tap(teacher, "Отправить")
    filed = h.last_reply(teacher)["text"]
    assert "зарегистрировано" in filed and "Срок ответа — до 23.12.2026" in filed
    [appeal] = await list_queue(h.services.db)
    return filed.split("№ ")[1].split()[0], appeal


class Filed(NamedTuple):
    chat: int  # the operators' chat
    teacher: int
    operator: int
    number: str
    appeal: Appeal


async def filed_appeal(h: Harness) -> Filed:
    """smirnova's appeal filed through the dialog, the operators' chat (morozova's) waiting."""
    chat = await operators_chat(h)
    teacher, operator = h.vk("smirnova"), h.vk("morozova")
    number, appeal = await file_appeal(h, teacher)
    return Filed(chat, teacher, operator, number, appeal)


async def test_teacher_question_gets_the_right_entry(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        teacher = h.vk("smirnova")
        await h.say(teacher, "какие документы я обязан заполнять?")
        reply = h.last_reply(teacher)["text"]
        assert reply.startswith("Какие документы обязан вести учитель")
        assert "Источник: Приказ Минпросвещения России от 06.11.2024 № 779" in reply
        assert "Требует проверки:" in reply  # the entry's own note on what is not confirmed
        buttons = labels(h, teacher)
        assert "Спросить специалиста" in buttons and len(buttons) >= 3
        # A next-question button opens that entry.
        await h.tap(teacher, "Какие документы ведёт классный")
        assert h.last_reply(teacher)["text"].startswith(
            "Какие документы ведёт классный руководитель"
        )
        await h.say(teacher, "апеляция егэ")  # a typo
        assert "Исправил опечатки" in h.last_reply(teacher)["text"]
        await h.say(teacher, "как испечь торт")
        assert "не нашёл ответа" in h.last_reply(teacher)["text"]
        # Asking for a person starts an appeal.
        await h.say(teacher, "позовите живого человека")
        assert "Шаг 1 из 4" in h.last_reply(teacher)["text"]
        await h.tap(teacher, "Отмена")
        assert "не отправлено" in h.last_reply(teacher)["text"]


async def test_appeal_goes_to_an_operator_and_the_answer_comes_back(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        chat, teacher, operator, number, appeal = await filed_appeal(h)
        assert appeal.number == number and appeal.links == ("https://disk.example/order.pdf",)
        posted = h.last_reply(operator, chat)
        assert f"Новое обращение № {number}" in posted["text"]
        [take] = [b for row in posted["keyboard"]["buttons"] for b in row]
        assert take["action"]["label"] == "Взять в работу"
        press = take["action"]["payload"]
        # The director is in the chat but is not an operator: he cannot take it.
        await h.say(h.vk("orlov"), "Взять в работу", json.loads(press), peer_id=chat)
        assert "только операторы" in h.last_reply(h.vk("orlov"), chat)["text"]
        await h.say(operator, "Взять в работу", json.loads(press), peer_id=chat)
        assert "взял(а) в работу Елена Морозова" in h.last_reply(operator, chat)["text"]
        card = h.last_reply(operator)["text"]
        assert f"Обращение № {number}" in card and "Статус: в работе" in card
        await h.tap(operator, "Ответить")
        await h.say(
            operator, "Такой отчёт не входит в перечень приказа № 779: можно отказаться письменно."
        )
        assert "Так педагог увидит ответ" in h.last_reply(operator)["text"]
        await h.tap(operator, "Отправить")
        assert "отправлен педагогу" in h.last_reply(operator)["text"]
        answer = h.last_reply(teacher)
        assert f"Ответ на ваше обращение № {number}" in answer["text"]
        assert "не входит в перечень" in answer["text"]
        await h.tap(teacher, "5 ★")
        assert "Спасибо за оценку" in h.last_reply(teacher)["text"]
        await h.say(teacher, "мои обращения")
        listing = h.last_reply(teacher)["text"]
        assert number in listing and "закрыто" in listing and "оценка 5 из 5" in listing
        stored = (await list_queue(h.services.db, statuses=(Status.CLOSED,)))[0]
        assert stored.rating == 5 and stored.answer_delivered


async def test_due_date_reminders_fire_on_the_injected_clock(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        chat, _, operator, number, appeal = await filed_appeal(h)
        h.replies(operator, chat)
        h.clock.set(appeal.due_at - timedelta(days=3))
        assert await h.run_due() >= 1
        [reminder] = texts(h, operator, chat)  # not taken yet: the operators' chat is told
        assert f"№ {number}" in reminder and "через 3 дня" in reminder
        # The operator takes it from the queue in the private chat; the last reminder is theirs.
        await h.say(operator, "очередь")
        await h.tap(operator, f"Взять № {number}")
        h.replies(operator)
        h.clock.set(appeal.due_at - timedelta(days=1))
        assert await h.run_due() >= 1
        assert any("завтра" in t and number in t for t in texts(h, operator))


async def test_student_or_no_role_user_cannot_file_an_appeal(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        teacher_id = await h.person_id("smirnova")
        for key in ("st00", "guest-adult", "pa00"):
            user = h.vk(key)
            await h.say(user, "обращение")
            assert "работает для педагогов" in h.last_reply(user)["text"]
            # Buttons of the appeal dialog, forged with a teacher's id, change nothing.
            await h.say(user, "Отправить", {"rb": "send", "person_id": teacher_id})
            assert "подать обращение нельзя" in h.last_reply(user)["text"]
            await h.say(user, "какие документы обязан вести учитель")
            assert "работает для педагогов" in h.last_reply(user)["text"]
        assert await list_queue(h.services.db) == []


async def test_another_operators_appeal_is_not_shown_in_the_bot(tmp_path: Path) -> None:
    """The bot hides an appeal taken by someone else exactly as the mini-app does (404)."""
    async with bot_harness([plugin], tmp_path) as h:
        await operators_chat(h)
        teacher, operator, other = h.vk("smirnova"), h.vk("morozova"), h.vk("kuznetsov")
        _, appeal = await file_appeal(h, teacher)
        await make_operator(h.services, await h.services.people.identity(other))
        h.services.identities.invalidate(other)
        await h.say(operator, "Взять", {"rb": "op_take", "a": appeal.id})
        assert "Статус: в работе" in h.last_reply(operator)["text"]
        for action in ("op_card", "op_extend", "op_answer"):
            await h.say(other, "Открыть", {"rb": action, "a": appeal.id})
            reply = h.last_reply(other)["text"]
            assert reply == "Такого обращения нет", (action, reply)
            assert APPEAL_TEXT[:20] not in reply
        await h.say(other, "очередь")
        assert appeal.number not in h.last_reply(other)["text"]
