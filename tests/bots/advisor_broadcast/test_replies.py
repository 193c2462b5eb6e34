"""Broadcasts both ways, through the sandbox: a recipient's answer reaches the author under
«Ответы» (typed right after the broadcast, or a VK reply to its message), the recipient is told
so, the author answers back with one tap — judged by the communication policy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bots.advisor_broadcast import plugin
from core.broadcast import Audience
from core.people import RoleKind
from core.texts import CORE_TEXTS
from sandbox.render import CLIENT_INFO
from sferum.testing import Harness, bot_harness
from tests.core.broadcast.counsellor import counsellor_broadcast, group


async def broadcast(h: Harness, audience: Audience, text: str, title: str) -> int:
    broadcast_id = await counsellor_broadcast(
        h, audience, text, title=title, source="advisor_broadcast"
    )
    await h.run_due()
    return broadcast_id


def last_text(h: Harness, vk_id: int) -> str:
    return str(h.last_reply(vk_id)["text"])


async def replies(h: Harness) -> list[dict[str, Any]]:
    return await h.services.db.fetchall(
        "SELECT broadcast_id, person_id, how, text, answers FROM broadcast_replies ORDER BY id"
    )


async def test_a_parent_answers_the_counsellor_reads_and_answers_back(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        meeting = await broadcast(
            h,
            Audience.group_parents(await group(h, "s112-9a")),
            "Здравствуйте, {{ first_name }}! Собрание 9А в четверг в 18:00.",
            "Собрание 9А",
        )
        parent = h.vk("pa04")  # a parent of a 9А student
        assert "Собрание 9А в четверг" in last_text(h, parent)

        await h.say(parent, "Спасибо, придём")
        taken = last_text(h, parent)
        assert "Ваш ответ на рассылку «Собрание 9А» передан автору — Анна Волкова" in taken
        # Written after the confirmation, not after the broadcast: not taken as an answer.
        await h.say(parent, "меню")
        assert len(await replies(h)) == 1

        volkova = h.vk("volkova")
        await h.say(volkova, "меню")
        await h.tap(volkova, "Ответы")
        listing = last_text(h, volkova)
        assert f"№ {meeting} «Собрание 9А» — 1 ответ, без вашего ответа: 1" in listing
        await h.tap(volkova, f"Ответы на № {meeting} (1)")
        shown = last_text(h, volkova)
        assert "«Спасибо, придём»" in shown
        name = (await h.services.people.person(await h.person_id("pa04"))).full_name  # type: ignore[union-attr]
        assert f"1. {name}" in shown
        await h.tap(volkova, f"Ответить: {name}")
        assert f"Напишите ответ для {name}" in last_text(h, volkova)
        await h.say(volkova, "Ждём вас, начало в 18:00 в актовом зале.")
        sent = [m["text"] for m in h.replies(volkova)]
        assert any(f"Ответ отправлен: {name}" in t for t in sent)
        answer = last_text(h, parent)
        assert answer.startswith("Анна Волкова отвечает на ваше сообщение о рассылке «Собрание 9А»")
        assert "начало в 18:00 в актовом зале" in answer
        assert "Вы ответили: «Ждём вас" in last_text(h, volkova)

        # Typed right after the author's answer: the conversation goes on under the broadcast.
        await h.say(parent, "Хорошо, будем вовремя")
        assert "передан автору" in last_text(h, parent)
        rows = await replies(h)
        assert [(r["broadcast_id"], r["how"], r["text"], r["answers"]) for r in rows] == [
            (meeting, "after", "Спасибо, придём", 1),
            (meeting, "after", "Хорошо, будем вовремя", 0),
        ]
        await h.tap(volkova, "Все ответы")
        assert "2 ответа, без вашего ответа: 1" in last_text(h, volkova)


async def test_a_vk_reply_to_the_broadcast_message_is_an_answer_whenever_it_comes(
    tmp_path: Path,
) -> None:
    """VK's message_new carries reply_message (a reply) or fwd_messages (a forward) naming the
    broadcast's message: an answer even after other messages, id or only cmid given."""
    async with bot_harness([plugin], tmp_path) as h:
        trip = await broadcast(
            h,
            Audience.group_parents(await group(h, "s112-9a")),
            "Экскурсия в музей в субботу.",
            "Экскурсия",
        )
        parent = h.vk("pa05")
        delivered = h.conversation(parent)[-1]
        await h.say(parent, "меню")  # something else first: the broadcast is no longer last
        assert await replies(h) == []

        base = h.conversation(parent)[-1]
        for number, (field, ref) in enumerate(
            (
                ("reply_message", {"id": delivered["id"]}),
                ("fwd_messages", {"id": 0}),  # a forward names the message by cmid alone
            ),
            start=1,
        ):
            quoted = {
                "date": delivered["date"],
                "from_id": -h.group_id,
                "text": delivered["text"],
                "conversation_message_id": delivered["conversation_message_id"],
                "peer_id": parent,
                "attachments": [],
                "fwd_messages": [],
                **ref,
            }
            message = {
                **base,
                "from_id": parent,
                "peer_id": parent,  # as the community sees the dialog
                "id": base["id"] + 1000 + number,
                "conversation_message_id": base["conversation_message_id"] + 10 * number,
                "text": f"Ответ {number}: мы поедем",
                "out": 0,
                field: quoted if field == "reply_message" else [quoted],
            }
            message.pop("keyboard", None)
            message.pop("payload", None)
            update = {
                "type": "message_new",
                "group_id": h.group_id,
                "event_id": f"test-answer-{number}",
                "v": "5.199",
                "object": {"message": message, "client_info": CLIENT_INFO},
            }
            assert await (await h.community.handle(json.loads(json.dumps(update))))
            assert "передан автору" in last_text(h, parent)
        rows = await replies(h)
        assert [(r["broadcast_id"], r["how"]) for r in rows] == [
            (trip, "reply"),
            (trip, "forward"),
        ]


async def test_an_answer_the_policy_refuses_is_explained_and_not_sent(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        await broadcast(
            h, Audience.groups(await group(h, "s112-9a")), "Завтра контрольная.", "Контрольная"
        )
        student = h.vk("st08")
        await h.say(student, "А по какой теме?")
        volkova = h.vk("volkova")
        await h.say(volkova, "меню")
        await h.tap(volkova, "Ответы")
        await h.tap(volkova, "Ответы на №")
        await h.tap(volkova, "Ответить:")
        # Before she writes, her role is revoked: she speaks as a person without a role, who may
        # not write to a student (communication rules: none → student needs a confirmed role).
        person = await h.person_id("volkova")
        for role in await h.services.people.active_roles(person):
            if role.role == RoleKind.STAFF:
                await h.services.people.revoke_role(role.id, by_person_id=None, reason="test")
        before = len(h.conversation(student))
        h.replies(volkova)
        await h.say(volkova, "Тема — дроби.")
        refusal = h.replies(volkova)[0]["text"]
        assert "нельзя по правилам общения" in refusal and "подтвердить роль" in refusal
        assert "Сообщение не отправлено" in refusal
        assert len(h.conversation(student)) == before
        rows = await replies(h)
        assert rows[0]["answers"] == 0


async def test_many_answers_are_paged(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        school = await h.services.db.fetchval(
            "SELECT id FROM organisations WHERE external_id = 'demo:school:s112'"
        )
        await broadcast(h, Audience.students(int(school)), "Завтра субботник.", "Субботник")
        students = [f"st{n:02d}" for n in range(6)]
        for number, key in enumerate(students, start=1):
            await h.say(h.vk(key), f"Приду со своими перчатками ({number})")
        volkova = h.vk("volkova")
        await h.say(volkova, "меню")
        await h.tap(volkova, "Ответы")
        await h.tap(volkova, "Ответы на № 1 (6)")
        first = last_text(h, volkova)
        assert "Ответов на рассылку № 1 «Субботник»: 6 (страница 1 из 2)" in first
        assert "(6)" in first and "(2)" in first and "(1)" not in first  # newest first
        assert "5. Ответить:" in str(h.buttons(volkova)) and "6. " not in str(h.buttons(volkova))
        await h.tap(volkova, "Ещё ▶")
        second = last_text(h, volkova)
        assert "страница 2 из 2" in second and "6. " in second and "(1)" in second
        await h.tap(volkova, "6. Ответить:")
        assert "Напишите ответ для" in last_text(h, volkova)
        await h.tap(volkova, CORE_TEXTS.label("back"))
        assert "страница 2 из 2" in last_text(h, volkova)
        assert (await h.services.dialogs.load(h.group_id, volkova)).step is None
