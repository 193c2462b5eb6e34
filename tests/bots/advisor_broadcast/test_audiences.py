"""The compose dialog offers each role only the audiences it may address (the rule core's create()
enforces): the counsellor the whole school, a class teacher her classes and their parents, a
teacher the students of his class; a staff member of two schools first picks the school."""

from __future__ import annotations

from pathlib import Path

from bots.advisor_broadcast import plugin
from core.people import Position, RoleKind
from core.texts import CORE_TEXTS
from sferum.testing import Harness, bot_harness

from .helpers import compose_to, send_now, start, taps

WHOLE = ["Вся школа", "Сотрудники", "Все ученики", "Все родители"]
CLASSES = ["Ученики классов…", "Родители классов…"]
NAV = [CORE_TEXTS.label("back"), CORE_TEXTS.label("cancel")]


def labels(h: Harness, vk_id: int) -> list[str]:
    return [b["action"]["label"] for b in h.buttons(vk_id)]


async def chat_id(h: Harness, key: str) -> int:
    return int(
        await h.services.db.fetchval("SELECT id FROM chats WHERE external_id = ?", (f"demo:{key}",))
    )


async def make_staff(h: Harness, key: str, school: str, position: Position) -> tuple[int, int]:
    """Make a demo person (``key``) staff of a demo school (``school``, e.g. "g5") in
    ``position``: (the school's id, the person's id)."""
    org = await h.services.db.fetchval(
        "SELECT id FROM organisations WHERE external_id = ?", (f"demo:school:{school}",)
    )
    person = await h.person_id(key)
    await h.services.people.grant_role(
        person, RoleKind.STAFF, int(org), position=position, method="test"
    )
    return int(org), person


async def test_each_role_is_offered_what_it_may_address(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        volkova = await start(h, "volkova")
        assert labels(h, volkova) == [*WHOLE, *CLASSES, *NAV]
        await h.tap(volkova, "Родители классов…")
        assert labels(h, volkova)[:4] == ["5А", "7Б", "9А", "11А"]

        smirnova = await start(h, "smirnova")  # class teacher of 9А and 11А
        assert labels(h, smirnova) == [*CLASSES, *NAV]
        await h.tap(smirnova, "Родители классов…")
        assert labels(h, smirnova) == ["9А", "11А", "Готово", *NAV]

        kuznetsov = await start(h, "kuznetsov")  # a teacher in 5А's chat
        assert labels(h, kuznetsov) == ["Ученики классов…", *NAV]
        await h.tap(kuznetsov, "Ученики классов…")
        assert labels(h, kuznetsov) == ["5А", "Готово", *NAV]

        # A stranger's class cannot be forged into the dialog, nor a whole-school audience.
        seventh = await h.services.db.fetchval(
            "SELECT id FROM groups WHERE external_id = 'demo:group:s112-7b'"
        )
        await h.say(kuznetsov, "7Б", {"ab": "grp", "id": seventh})
        assert "выбрано" not in h.last_reply(kuznetsov)["text"]
        await h.tap(kuznetsov, NAV[0])
        await h.say(kuznetsov, "Вся школа", {"ab": "aud", "kind": "org"})
        assert "Кому отправить" in h.last_reply(kuznetsov)["text"]
        assert labels(h, kuznetsov) == ["Ученики классов…", *NAV]


async def test_staff_who_may_address_nobody_are_told_who_may(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        await make_staff(h, "guest-adult", "s112", Position.OPERATOR)
        guest = await start(h, "guest-adult")
        reply = h.last_reply(guest)["text"]
        assert "Пока вам некому отправить рассылку" in reply
        assert "Ко всей школе обращаются администраторы и советники" in reply
        assert (await h.services.dialogs.load(h.group_id, guest)).step is None


async def test_a_staff_member_of_two_schools_chooses_the_school_first(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        gymnasium, volkova_id = await make_staff(h, "volkova", "g5", Position.TEACHER)
        await h.services.people.add_chat_members(await chat_id(h, "chat-g5-6a"), [volkova_id])

        volkova = await start(h, "volkova")
        assert "в нескольких школах" in h.last_reply(volkova)["text"]
        assert labels(h, volkova) == ["МАОУ «Гимназия № 5»", "МБОУ СОШ № 112", *NAV]
        await h.tap(volkova, "Гимназия № 5")
        assert "от имени школы «МАОУ «Гимназия № 5»»" in h.last_reply(volkova)["text"]
        assert labels(h, volkova) == ["Ученики классов…", *NAV]  # a teacher there
        await h.tap(volkova, "Ученики классов…")
        assert labels(h, volkova) == ["6А", "Готово", *NAV]
        await taps(h, volkova, "6А", "Готово")
        await h.say(volkova, "Кружок рисования в среду")
        assert "Получат: 4 человека" in await send_now(h, volkova)
        await h.tap(volkova, "Подтвердить")
        assert "Рассылка №" in h.last_reply(volkova)["text"]
        row = await h.services.db.fetchone("SELECT org_id, audience FROM broadcasts")
        assert row is not None and row["org_id"] == gymnasium

        # Back from the audiences returns to the schools; the counsellor's school gives it all.
        volkova = await start(h, "volkova")
        await h.tap(volkova, "СОШ № 112")
        assert labels(h, volkova)[:4] == WHOLE
        await h.tap(volkova, NAV[0])
        assert "в нескольких школах" in h.last_reply(volkova)["text"]


async def test_core_refuses_what_became_forbidden_during_the_dialog(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        smirnova = await compose_to(h, "smirnova", "Родители классов…", "9А", "Готово")
        await h.say(smirnova, "Собрание в четверг")
        await send_now(h, smirnova)
        # Meanwhile she stops being 9А's class teacher: the school gives 9А another one (the
        # cabinet's «Подразделения», groups.class_teacher_id); she stays in the class chat.
        await h.services.db.execute(
            "UPDATE groups SET class_teacher_id = ? WHERE external_id = 'demo:group:s112-9a'",
            (await h.person_id("kuznetsov"),),
        )
        await h.tap(smirnova, "Подтвердить")
        reply = h.last_reply(smirnova)["text"]
        assert "Не удалось создать рассылку" in reply
        assert "родителям учеников класса (9А) может только классный руководитель" in reply
        assert await h.services.db.fetchval("SELECT count(*) FROM broadcasts") == 0
