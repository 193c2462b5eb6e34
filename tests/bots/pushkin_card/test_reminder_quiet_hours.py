"""Reminders of saved events wait for the recipient's hours, not only a student's night: a
parent's night, a teacher's working hours (core/outbox). Fired late at night, they go at 08:00,
once, also when the bot restarts in between; in the evening before they go at once."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bots.pushkin_card import plugin
from bots.pushkin_card.favourites import REMIND
from sferum.testing import Harness
from tests.core.outbox.world import restarted

from .e2e import press, pushkin, text

NSK = ZoneInfo("Asia/Novosibirsk")
SLEEPING_BEAUTY = 2243376  # Fri 4 Dec 19:00: reminded Thu 3 Dec 18:00
WOE = 2491556  # «Горе от ума», Thu 10 Dec 19:00: reminded Wed 9 Dec 18:00


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NSK)


async def save(h: Harness, vk_id: int, event_id: int) -> None:
    await press(h, vk_id, "Подробнее", {"pk": "ev", "e": event_id})
    await h.tap(vk_id, "☆ В избранное")
    assert "Напомню" in text(h, vk_id)


async def test_a_late_reminder_waits_for_a_parents_night_and_a_teachers_hours(
    tmp_path: Path,
) -> None:
    async with pushkin(tmp_path) as h:
        parent, teacher = h.vk("pa00"), h.vk("smirnova")
        for vk_id in (parent, teacher):
            await save(h, vk_id, SLEEPING_BEAUTY)
            await save(h, vk_id, WOE)
            h.replies(vk_id)

        # On time, the evening before: both at once.
        h.clock.set(at(12, 3, 18))
        await h.run_due()
        for vk_id in (parent, teacher):
            [reminder] = h.replies(vk_id)
            assert "Завтра: Балет «Спящая красавица»" in reminder["text"]

        # Down at 18:00, back at 22:30: night for the parent, after hours for the teacher.
        h.clock.set(at(12, 9, 22, 30))
        await h.run_due()
        assert h.replies(parent) == [] and h.replies(teacher) == []
        person = await h.person_id("pa00")
        assert await h.services.jobs.next_run(f"{REMIND}:{person}:{WOE}") == at(12, 10, 8)

        h.clock.set(at(12, 10, 8))
        async with restarted(h, [plugin]) as after:
            await after.jobs.run_due()
            await h.settle()
            for vk_id in (parent, teacher):
                [late] = h.replies(vk_id)
                assert "Сегодня: Спектакль «Горе от ума»" in late["text"]
            await after.jobs.run_due()
        await h.run_due()
        assert h.replies(parent) == [] and h.replies(teacher) == []
