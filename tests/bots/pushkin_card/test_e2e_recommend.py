"""Through the sandbox: a teacher recommends an event to a class via the broadcast engine."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bots.pushkin_card.catalog import Catalog
from core.demo.district import build

from .e2e import labels, payload, press, pushkin, text

NSK = ZoneInfo("Asia/Novosibirsk")
SLEEPING_BEAUTY = 2243376  # 6+
IDIOT = 2475607  # 16+


def _class(key: str) -> tuple[str, ...]:
    return next(c.students for c in build().classes if c.key == key)


async def test_a_teacher_recommends_an_event_to_her_class(tmp_path: Path) -> None:
    async with pushkin(tmp_path) as h:
        teacher = h.vk("smirnova")  # class teacher of 9А and 11А, СОШ № 112
        event = await Catalog(h.services.db).event(SLEEPING_BEAUTY)
        assert event is not None and event.sale_link

        await press(h, teacher, "Подробнее", {"pk": "ev", "e": SLEEPING_BEAUTY})
        await h.tap(teacher, "Рекомендовать классу")
        assert "какому классу рекомендовать" in text(h, teacher)
        assert labels(h, teacher) == ["9А ★", "11А ★", "5А", "7Б", "← Назад", "Отмена"]

        # Back returns to the card; then 9А.
        await h.tap(teacher, "← Назад")
        assert text(h, teacher).startswith(event.name)
        await h.tap(teacher, "Рекомендовать классу")
        await h.tap(teacher, "9А ★")
        confirm = text(h, teacher)
        assert "Учеников в классе: 4" in confirm
        assert "Имя, Ирина Смирнова рекомендует сходить: Балет «Спящая красавица»" in confirm
        await h.tap(teacher, "Отправить")
        assert "Получили: 4" in text(h, teacher)

        for key in _class("s112-9a"):
            received = h.last_reply(h.vk(key))
            person = await h.services.people.person(await h.person_id(key))
            assert person is not None
            assert received["text"].startswith(
                f"{person.first_name}, Ирина Смирнова рекомендует сходить: {event.name}."
            )
            assert "пт, 4 декабря, 19:00" in received["text"]
            assert event.sale_link in str(received.get("keyboard"))
        for key in _class("s112-11a"):  # the other class got nothing
            assert h.conversation(h.vk(key)) == []
        row = await h.services.db.fetchone(
            "SELECT b.source, b.author_person_id, r.class_group_id FROM broadcasts b "
            # broadcast_id is TEXT; PostgreSQL compares no text with an integer.
            "JOIN pushkin_card_recommendations r ON r.broadcast_id = CAST(b.id AS TEXT)"
        )
        assert row is not None and row["source"] == "pushkin_card"
        assert row["author_person_id"] == await h.person_id("smirnova")

        # A 16+ show cannot go to a class with younger students: no Send button.
        await press(h, teacher, "Рекомендовать классу", {"pk": "rec", "e": IDIOT})
        await h.tap(teacher, "9А ★")
        assert "рекомендовать нельзя" in text(h, teacher)
        assert "Отправить" not in labels(h, teacher)
        await h.tap(teacher, "Отмена")
        assert (await h.services.dialogs.load(h.group_id, teacher)).step is None

        # In the evening the engine's quiet hours hold the students' copies till morning.
        h.clock.set(datetime(2026, 11, 23, 21, 30, tzinfo=NSK))
        await press(h, teacher, "Рекомендовать классу", {"pk": "rec", "e": SLEEPING_BEAUTY})
        await h.tap(teacher, "11А ★")
        await h.tap(teacher, "Отправить")
        report = text(h, teacher)
        assert "Получили: 0" in report and "получат утром (ночные часы): 4" in report
        assert all(h.conversation(h.vk(k)) == [] for k in _class("s112-11a"))
        h.clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=NSK))
        await h.run_due()
        assert all(len(h.conversation(h.vk(k))) == 1 for k in _class("s112-11a"))
        assert h.community.errors.handled == 0


async def test_only_staff_recommend_and_only_to_their_schools(tmp_path: Path) -> None:
    async with pushkin(tmp_path) as h:
        student = h.vk("st08")
        await press(h, student, "Подробнее", {"pk": "ev", "e": SLEEPING_BEAUTY})
        assert "Рекомендовать классу" not in labels(h, student)
        await press(h, student, "Рекомендовать классу", {"pk": "rec", "e": SLEEPING_BEAUTY})
        assert "только подтверждённые педагоги" in text(h, student)

        # A teacher of the other school sees her own school's classes only, and a forged
        # class id of another school is not accepted.
        teacher = h.vk("lebedeva")  # Гимназия № 5, Бердск
        await press(h, teacher, "Рекомендовать классу", {"pk": "rec", "e": SLEEPING_BEAUTY})
        assert labels(h, teacher) == ["6А ★", "10Б", "← Назад", "Отмена"]
        foreign = await h.services.db.fetchval(
            "SELECT id FROM groups WHERE external_id = 'demo:group:s112-9a'"
        )
        await press(h, teacher, "9А", {"pk": "rec", "g": foreign})
        assert "какому классу рекомендовать" in text(h, teacher)
        buttons = [payload(b) for b in h.buttons(teacher)]
        assert {"pk": "rec", "g": foreign} not in buttons
        assert h.community.errors.handled == 0
