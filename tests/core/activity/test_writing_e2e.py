"""The writing metrics end to end: through the sandbox, vkbottle and the core middleware, a call
makes a teacher active but not writing; a private message to the bot makes her writing; a
message in a group chat makes a student writing."""

from __future__ import annotations

from pathlib import Path

from core.activity.counts import Counts
from core.activity.report import Reports
from sferum.testing import Harness, bot_harness

from .test_chats_and_calls_e2e import PROBE, seen


async def school_now(h: Harness) -> Counts:
    await h.services.activity.flush()
    school = int(
        await h.services.db.fetchval("SELECT id FROM organisations WHERE name = 'МБОУ СОШ № 112'")
    )
    # One Reports per reading: Monitoring keeps the weeks it computed.
    return (await Reports.over(h.services.db, h.clock).unit_report(school)).current


async def test_a_call_is_active_a_message_is_writing(tmp_path: Path) -> None:
    seen.clear()
    async with bot_harness([PROBE], tmp_path) as h:
        teacher, colleague, pupil = h.vk("smirnova"), h.vk("kuznetsov"), h.vk("st00")
        start = await school_now(h)
        assert (start.teachers_writing, start.students_writing) == (0, 0)

        chat = await h._post(
            "/chats",
            {"title": "Проект 9А", "user_ids": [teacher, colleague, pupil],
             "group_ids": [h.group_id]},
        )  # fmt: skip
        peer = int(chat["peer_id"])
        await h._post(f"/users/{teacher}/calls", {"peer_id": peer, "duration": 60})
        await h.settle()
        called = await school_now(h)
        assert called.teachers_active == start.teachers_active + 1
        assert called.teachers_writing == 0  # a call is activity, not a message

        await h.say(teacher, "Добрый день")  # a private message to the bot
        wrote = await school_now(h)
        assert wrote.teachers_writing == 1 and wrote.teachers_active == called.teachers_active
        assert wrote.writers3 == 0  # ≥3 counts group-chat messages only

        await h.say(pupil, "Я сделал задание", peer_id=peer)  # in the group chat
        after = await school_now(h)
        assert after.students_writing == 1
        assert after.students_active == start.students_active + 1
        assert (teacher, "Добрый день") in seen and (pupil, "Я сделал задание") in seen
