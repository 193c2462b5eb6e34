"""A 10,000-recipient broadcast goes out while 200 people write to the bot, all on one token at
VK's 20 calls a second: the sandbox counts no error 6, each writer gets their reply, each recipient
exactly one message. The replies and the broadcast wait in one limiter — two limiters of 20/s
would let 40 calls a second through."""

from __future__ import annotations

import asyncio
from pathlib import Path

from vkbottle.framework.labeler import BotLabeler
from vkbottle.tools.mini_types.bot import MessageMin

from core.broadcast import Audience, BroadcastSpec
from core.plugins import Plugin
from core.runtime.context import Ctx
from core.texts import CORE_TEXTS
from sferum.testing import bot_harness, populate_school

RATE = 20  # VK's limit for a community token, on both sides
RECIPIENTS = 10_000
WRITERS = 200

echo = BotLabeler()


@echo.message()
async def answer(message: MessageMin, cx: Ctx) -> None:
    await message.answer(f"Получено: {message.text}")


ECHO = Plugin(name="echo", title="Эхо", labelers=[echo], texts=CORE_TEXTS)


async def test_a_broadcast_while_people_write_keeps_the_tokens_limit(tmp_path: Path) -> None:
    async with bot_harness([ECHO], tmp_path, demo=False, rate_limit=RATE, vk_rate_limit=RATE) as h:
        state = h.sandbox.runtime.state
        first, last = state.create_users_bulk(RECIPIENTS, "Родитель", "Тестовый", h.group_id)
        first_writer, last_writer = state.create_users_bulk(
            WRITERS, "Пишущий", "Тестовый", h.group_id
        )
        writers = range(first_writer, last_writer + 1)
        author, org = await populate_school(h.services, range(first, last + 1))
        sender = h.services.broadcasts.sender(h.group_id)
        assert h.community.api.limiter is sender.limiter  # one token, one limiter

        broadcast_id = await h.services.broadcasts.create(
            BroadcastSpec(
                author, h.group_id, Audience.parents(org), "Собрание в четверг, {{ first_name }}!"
            )
        )
        half = WRITERS // 2
        for vk_id in writers[:half]:
            await h.say(vk_id, f"вопрос {vk_id}", settle=False)
        # The broadcast starts while the first replies are waiting for the limiter.
        sending = asyncio.create_task(h.services.broadcasts.run(broadcast_id))
        for vk_id in writers[half:]:
            await h.say(vk_id, f"вопрос {vk_id}", settle=False)
        status = await sending
        await h.settle(limit_s=120)

        stats = await h.stats()
        assert stats["rate_limited"] == 0, stats
        assert "6" not in stats["errors_by_code"], stats
        assert sender.stats.errors_by_code == {}
        assert h.community.errors.handled == 0  # no reply failed (and apologised)

        assert status.status == "done" and status.sent == RECIPIENTS
        for vk_id in writers:
            assert [m["text"] for m in h.replies(vk_id)] == [f"Получено: вопрос {vk_id}"]
        sent_by = -h.group_id
        for vk_id in range(first, last + 1):
            conv = state.conversation_for(vk_id, sent_by)
            assert conv is not None and sum(m.from_id == sent_by for m in conv.messages) == 1
