"""«Написать в школу» through the sandbox: the dialog's steps, what is kept, and who may write."""

from __future__ import annotations

from pathlib import Path

from bots.rosobrnadzor_helper import plugin as rosobrnadzor
from core.org_appeals.store import MAX_TEXT, OrgAppealStore
from core.people import Position, RoleKind
from sferum.testing import Harness, bot_harness
from tests.bots.rosobrnadzor_helper.test_appeal_files import photo_from


def labels(h: Harness, vk_id: int) -> list[str]:
    return [b["action"]["label"] for b in h.buttons(vk_id)]


async def appeals(h: Harness) -> list[dict[str, object]]:
    return await h.services.db.fetchall("SELECT * FROM org_appeals ORDER BY id")


async def test_a_parent_writes_to_the_school(tmp_path: Path) -> None:
    async with bot_harness([], tmp_path) as h:
        parent = h.vk("pa04")
        await h.say(parent, "Написать в школу")
        ask = h.last_reply(parent)["text"]
        assert "Напишите одним сообщением, что вы хотите передать в МБОУ СОШ № 112" in ask
        assert labels(h, parent) == ["Отмена"]
        await h.say(parent, "Когда будет родительское собрание в 9А?")
        sent = h.last_reply(parent)["text"]
        [row] = await appeals(h)
        assert f"Обращение № {row['id']} отправлено в МБОУ СОШ № 112" in sent
        assert "Ответ администрации придёт сюда" in sent
        school = await h.services.db.fetchval(
            "SELECT id FROM organisations WHERE name = 'МБОУ СОШ № 112'"
        )
        assert row["person_id"] == await h.person_id("pa04") and row["org_id"] == school
        assert row["text"] == "Когда будет родительское собрание в 9А?"
        assert row["group_id"] == h.group_id
        assert (row["author_role"], row["author_classes"]) == ("parent", "9А")
        assert row["created_at"] == h.clock.now().isoformat()
        # The dialog is over: the next text is not another appeal.
        await h.say(parent, "спасибо")
        assert len(await appeals(h)) == 1


async def test_empty_and_oversized_texts_are_asked_again_and_cancel_keeps_nothing(
    tmp_path: Path,
) -> None:
    async with bot_harness([], tmp_path) as h:
        student = h.vk("st08")
        await h.say(student, "обращение в школу")
        await h.say(student, "   ")
        assert "Сообщение пустое" in h.last_reply(student)["text"]
        await h.say(student, "я" * (MAX_TEXT + 1))
        too_long = h.last_reply(student)["text"]
        assert f"Слишком длинное сообщение: {MAX_TEXT + 1} символ" in too_long
        assert f"при пределе {MAX_TEXT}" in too_long
        assert await appeals(h) == []
        await h.tap(student, "Отмена")
        assert "Обращение не отправлено" in h.last_reply(student)["text"]
        assert await appeals(h) == []
        await h.say(student, "просто текст")  # no longer in the dialog
        assert await appeals(h) == []


async def test_someone_without_a_role_is_told_politely(tmp_path: Path) -> None:
    async with bot_harness([], tmp_path) as h:
        guest = h.vk("guest-adult")
        await h.say(guest, "Написать в школу")
        answer = h.last_reply(guest)["text"]
        assert answer.startswith("Написать в школу могут участники организации")
        assert "«роль»" in answer
        # Its hint has no button for them.
        await h.say(guest, "кукареку")
        assert "Написать в школу" not in str(h.last_reply(guest).get("keyboard"))
        assert await appeals(h) == []


async def test_roles_in_two_organisations_choose_one_and_go_back(tmp_path: Path) -> None:
    async with bot_harness([], tmp_path) as h:
        people = h.services.people
        gymnasium = await h.services.db.fetchval(
            "SELECT id FROM organisations WHERE name = 'МАОУ «Гимназия № 5»'"
        )
        teacher = h.vk("smirnova")
        await people.grant_role(
            await h.person_id("smirnova"),
            RoleKind.STAFF,
            gymnasium,
            position=Position.TEACHER,
            method="test",
        )
        h.services.identities.invalidate(teacher)
        await h.say(teacher, "написать в школу")
        assert "Выберите, кому написать" in h.last_reply(teacher)["text"]
        assert labels(h, teacher) == ["МБОУ СОШ № 112", "МАОУ «Гимназия № 5»", "Отмена"]
        await h.tap(teacher, "Гимназия")
        assert "передать в МАОУ «Гимназия № 5»" in h.last_reply(teacher)["text"]
        assert labels(h, teacher) == ["← Назад", "Отмена"]
        await h.tap(teacher, "Назад")
        await h.tap(teacher, "СОШ № 112")
        await h.say(teacher, "Прошу выделить кабинет для кружка.")
        [row] = await appeals(h)
        assert row["org_id"] != gymnasium
        assert (row["author_role"], row["author_position"]) == ("staff", "class_teacher")
        assert row["author_classes"] == ""


async def test_the_hint_button_and_a_photo(tmp_path: Path) -> None:
    async with bot_harness([], tmp_path) as h:
        student = h.vk("st09")
        await h.say(student, "непонятное")
        assert "«✉️ Написать в школу»" in h.last_reply(student)["text"]
        await h.tap(student, "Написать в школу")
        assert "Напишите одним сообщением" in h.last_reply(student)["text"]
        photo = await photo_from(h, student)
        await h._post(
            f"/users/{student}/messages",
            {
                "peer_id": -h.group_id,
                "text": "Сломан стул в 9А, фото прилагаю",
                "attachment": photo,
            },
        )
        await h.settle()
        assert "Вложений: 1" in h.last_reply(student)["text"]
        [row] = await appeals(h)
        appeal = await OrgAppealStore(h.services.db, h.clock).get(int(row["id"]))  # type: ignore[call-overload]
        assert appeal is not None and appeal.file_titles == ["photo.jpg"]
        kind, attachment, _title = appeal.attachments[0]
        assert kind == "photo" and attachment.startswith(f"photo-{h.group_id}_")


async def test_a_bots_own_word_stays_the_bots(tmp_path: Path) -> None:
    """The Rosobrnadzor helper files appeals to the supervisor by «обращение»: in its community
    the word stays its own; «Написать в школу» is core's everywhere. Where no bot has the word,
    «обращение» is the appeal to the school."""
    async with bot_harness([rosobrnadzor], tmp_path) as h:
        teacher, parent = h.vk("smirnova"), h.vk("pa04")
        for who in (teacher, parent):
            await h.say(who, "обращение")
            assert "Напишите одним сообщением" not in h.last_reply(who)["text"]
        assert "Рособрнадзор" in h.last_reply(parent)["text"]
        await h.say(teacher, "Написать в школу")
        assert "Напишите одним сообщением" in h.last_reply(teacher)["text"]
        await h.say(teacher, "Вопрос о расписании")
        assert len(await appeals(h)) == 1
    async with bot_harness([], tmp_path / "plain") as h:
        parent = h.vk("pa04")
        await h.say(parent, "Обращение")
        assert "Напишите одним сообщением, что вы хотите передать" in h.last_reply(parent)["text"]


async def test_group_chats_are_not_taken(tmp_path: Path) -> None:
    async with bot_harness([], tmp_path) as h:
        student = h.vk("st10")
        chat = await h._post(
            "/chats", {"title": "Класс", "user_ids": [student], "group_ids": [h.group_id]}
        )
        peer = int(chat["peer_id"])
        await h.say(student, "Написать в школу", peer_id=peer)
        assert h.replies(student, peer) == []
