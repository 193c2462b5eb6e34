"""A text over VK's 9,000 characters sent by the bot on its own (``BatchSender.send_one``) reaches
the person in parts through the sandbox, which refuses a longer message with error 914 as VK does;
sent again, no part is delivered twice; a refused part makes the whole a failure."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from core.vk.batch_sender import BatchSender, VkCallError
from core.vk.split import VK_MESSAGE_LIMIT

from ..broadcast.helpers import BulkAudience, bulk_audience

PARAGRAPH = "Ответ по существу обращения, со ссылками на нормы закона и разъяснениями. " * 20
TEXT = "\n\n".join(PARAGRAPH.strip() for _ in range(13))  # about 19,800 characters
WITHIN = "\n\n".join(PARAGRAPH.strip() for _ in range(5))  # about 7,600: over vkbottle's 4,096
KEYBOARD = json.dumps(
    {
        "inline": True,
        "buttons": [[{"action": {"type": "text", "label": "5 ★", "payload": '{"r": 5}'}}]],
    }
)


def _received(audience: BulkAudience, user_id: int) -> list[dict[str, object]]:
    conv = audience.sandbox.runtime.state.conversation_for(user_id, -audience.community.id)
    assert conv is not None
    return [
        {"text": m.text, "keyboard": m.keyboard}
        for m in conv.messages
        if m.from_id == -audience.community.id
    ]


@asynccontextmanager
async def _sender_to_one() -> AsyncIterator[tuple[BulkAudience, BatchSender]]:
    """A sandbox with one user who allowed the community's messages, and the community's sender."""
    async with bulk_audience(1) as audience:
        sender = BatchSender(audience.community.access_token, audience.sandbox.api_url, 1000)
        try:
            yield audience, sender
        finally:
            await sender.close()


async def test_a_long_text_arrives_in_parts_with_the_keyboard_on_the_last() -> None:
    assert len(TEXT) > 2 * VK_MESSAGE_LIMIT
    async with _sender_to_one() as (audience, sender):
        result = await sender.send_one(audience.first, TEXT, 4242, KEYBOARD)
        assert result.ok, result  # before: VK error 914, nothing delivered
        received = _received(audience, audience.first)
        assert len(received) == 3
        texts = [str(m["text"]) for m in received]
        assert all(len(t) <= VK_MESSAGE_LIMIT for t in texts)
        assert "\n\n".join(texts) == TEXT  # cut at paragraphs: nothing lost or changed
        assert [m["keyboard"] is not None for m in received] == [False, False, True]

        again = await sender.send_one(audience.first, TEXT, 4242, KEYBOARD)
        assert again.ok and len(_received(audience, audience.first)) == 3  # de-duplicated


async def test_a_refused_last_part_makes_the_message_a_failure() -> None:
    async with _sender_to_one() as (audience, sender):
        result = await sender.send_one(audience.first, TEXT, 77, keyboard='{"buttons": 1}')
        assert not result.ok and result.error_code == 911  # the keyboard goes on the last
        assert len(_received(audience, audience.first)) == 2


async def test_the_sandbox_refuses_a_message_over_the_limit_with_914() -> None:
    async with _sender_to_one() as (audience, sender):
        params = {"peer_id": audience.first, "random_id": 5, "message": "я" * 9001}
        with pytest.raises(VkCallError) as refused:
            await sender.call("messages.send", params)
        assert refused.value.code == 914
        params["message"] = "я" * VK_MESSAGE_LIMIT
        assert (await sender.call("messages.send", params))["response"] > 0


async def test_a_text_vk_accepts_whole_goes_as_one_message() -> None:
    assert 4096 < len(WITHIN) <= VK_MESSAGE_LIMIT  # vkbottle's answer() would cut it in two
    async with _sender_to_one() as (audience, sender):
        result = await sender.send_one(audience.first, WITHIN, 99, KEYBOARD)
        assert result.ok, result
        [received] = _received(audience, audience.first)
        assert received["text"] == WITHIN and received["keyboard"] is not None
