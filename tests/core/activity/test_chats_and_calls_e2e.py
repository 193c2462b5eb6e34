"""Chats created and calls made, end to end: the sandbox sends VK's service message and call
attachment, vkbottle parses them, the core middleware records CHAT_CREATED and CALL, and the
monitoring counts the teacher as a chat creator and a caller. Nobody typed: no handler, no reply."""

from __future__ import annotations

from pathlib import Path

from vkbottle.framework.labeler import BotLabeler
from vkbottle.tools.mini_types.bot import MessageMin

from core.activity import ActivityKind
from core.activity.kinds import KIND_CODES
from core.activity.report import Reports
from core.activity.texts import T
from core.plugins.spec import Plugin
from core.runtime.context import Ctx
from sferum.testing import Harness, bot_harness

seen: list[tuple[int, str]] = []
probe = BotLabeler()


@probe.message()
async def everything(message: MessageMin, cx: Ctx) -> None:
    """Takes every message a handler could get; answers nothing (a reply would be a bug too)."""
    seen.append((message.from_id, message.text))


PROBE = Plugin(name="activity_probe", title="Проба", labelers=[probe], texts=T)


async def kinds_of(h: Harness, person_id: int) -> list[ActivityKind]:
    await h.services.activity.flush()
    codes = {code: kind for kind, code in KIND_CODES.items()}
    rows = await h.services.db.fetchall(
        "SELECT kind FROM activity_facts WHERE person_id = ? ORDER BY id", (person_id,)
    )
    return [codes[row["kind"]] for row in rows]


def community_messages(h: Harness, vk_id: int, peer_id: int | None = None) -> list[object]:
    return [m for m in h.conversation(vk_id, peer_id) if m["from_id"] == -h.group_id]


async def test_a_teacher_creates_a_chat_and_calls(tmp_path: Path) -> None:
    seen.clear()
    async with bot_harness([PROBE], tmp_path) as h:
        teacher, colleague, pupil = h.vk("smirnova"), h.vk("kuznetsov"), h.vk("st00")
        person = await h.person_id("smirnova")
        school = int(
            await h.services.db.fetchval(
                "SELECT id FROM organisations WHERE name = 'МБОУ СОШ № 112'"
            )
        )
        # One Reports per reading: Monitoring keeps the weeks it computed.
        before = (await Reports.over(h.services.db, h.clock).unit_report(school)).current
        assert (before.chat_creators, before.callers) == (0, 0)

        chat = await h._post(
            "/chats",
            {"title": "Проект 9А", "user_ids": [teacher, colleague], "group_ids": [h.group_id]},
        )
        peer = int(chat["peer_id"])
        await h._post(f"/chats/{peer}/members", {"user_ids": [pupil]})  # chat_invite_user
        await h._post(f"/users/{teacher}/calls", {"peer_id": peer, "duration": 60})
        await h.settle()

        # Three events reached the bot; none was handled as text and none was answered.
        assert h.community.received >= 3
        assert seen == []
        assert community_messages(h, teacher, peer) == []
        assert community_messages(h, teacher) == []
        assert await kinds_of(h, person) == [ActivityKind.CHAT_CREATED, ActivityKind.CALL]
        facts = await h.services.db.fetchall(
            "SELECT peer_id, group_id FROM activity_facts WHERE person_id = ?", (person,)
        )
        assert {(row["peer_id"], row["group_id"]) for row in facts} == {(peer, h.group_id)}
        # The invited colleague and pupil did nothing themselves.
        assert await kinds_of(h, await h.person_id("kuznetsov")) == []
        assert await kinds_of(h, await h.person_id("st00")) == []

        # The monitoring counts her among the teachers who created a chat and who made a call.
        now = (await Reports.over(h.services.db, h.clock).unit_report(school)).current
        assert (now.chat_creators, now.callers) == (1, 1)
        assert now.teachers_active == before.teachers_active + 1

        # What people type in the chat still reaches handlers and counts as a chat message.
        await h.say(teacher, "Добрый день, коллеги", peer_id=peer)
        assert seen == [(teacher, "Добрый день, коллеги")]
        assert (await kinds_of(h, person))[-1] == ActivityKind.GROUP_CHAT_MESSAGE
