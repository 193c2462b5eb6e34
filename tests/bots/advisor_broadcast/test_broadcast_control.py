"""What the counsellor's bot tells and allows about broadcasts already made: a recipient whose text
could not be made is counted in the report by reason, in Russian; a broadcast is cancelled only by
its author or an admin over its school — a crafted «Отменить» of someone else's is refused."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bots.advisor_broadcast import plugin
from core.broadcast import Audience
from core.broadcast.render import MAX_TEXT
from sferum.testing import Harness, bot_harness
from tests.core.broadcast.counsellor import class_7b, counsellor_broadcast


def from_bot_to(h: Harness, vk_id: int) -> list[str]:
    return [m["text"] for m in h.conversation(vk_id) if m["from_id"] == -h.group_id]


async def volkovas_broadcast(h: Harness, group: int, **extra: object) -> int:
    return await counsellor_broadcast(
        h,
        Audience.groups(group),
        "Здравствуйте, {{ first_name }}! В пятницу экскурсия.",
        title="Экскурсия",
        source="advisor_broadcast",
        **extra,
    )


async def test_the_author_reads_why_one_recipient_got_nothing(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        group, students = await class_7b(h)
        await h.services.db.execute(
            "UPDATE persons SET first_name = ? WHERE id = ?", ("Я" * MAX_TEXT, students[2])
        )
        broadcast_id = await volkovas_broadcast(h, group)
        await h.run_due()
        volkova = h.vk("volkova")
        await h.say(volkova, "меню")
        await h.tap(volkova, "Отчёты")
        listing = h.last_reply(volkova)["text"]
        assert f"№ {broadcast_id}" in listing and "завершена" in listing
        assert f"Доставлено {len(students) - 1} из {len(students)}" in listing
        assert "не доставлено: 1" in listing
        await h.tap(volkova, f"Подробнее № {broadcast_id}")
        report = h.last_reply(volkova)["text"]
        assert "завершена" in report and "не удалось составить текст: 1" in report


async def test_an_admin_of_another_school_cannot_cancel_by_a_crafted_button(
    tmp_path: Path,
) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        group, students = await class_7b(h)
        broadcast_id = await volkovas_broadcast(
            h, group, schedule=h.clock.now() + timedelta(hours=1)
        )
        novikov = h.vk("novikov")  # teacher and admin of Гимназия № 5, not of СОШ № 112
        await h.say(novikov, "Отменить", {"ab": "stop", "id": broadcast_id})
        refusal = h.last_reply(novikov)["text"]
        assert "отменить нельзя" in refusal and "Рассылка продолжается" in refusal
        status = await h.services.broadcasts.status(broadcast_id)
        assert status.status == "pending"  # before: «отменена»
        h.clock.advance(timedelta(hours=1))
        await h.run_due()
        status = await h.services.broadcasts.status(broadcast_id)
        assert status.status == "done" and status.sent == len(students)
        for person in (await h.services.people.persons(students)).values():
            assert person.vk_user_id is not None
            assert len(from_bot_to(h, person.vk_user_id)) == 1

        # The school's own admin may stop what is scheduled there.
        later = await volkovas_broadcast(h, group, schedule=h.clock.now() + timedelta(hours=1))
        orlov = h.vk("orlov")
        await h.say(orlov, "Отменить", {"ab": "stop", "id": later})
        assert (await h.services.broadcasts.status(later)).status == "cancelled"
        assert "отменить нельзя" not in h.last_reply(orlov)["text"]
