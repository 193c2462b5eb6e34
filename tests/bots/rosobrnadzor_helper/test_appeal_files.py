"""An appeal with a photo: the teacher sends it while writing the appeal, the bot keeps one copy
of its own, and the operators see the photo with the new appeal and on its card."""

from __future__ import annotations

import json
from pathlib import Path

from vkbottle.tools import PhotoMessageUploader

from bots.rosobrnadzor_helper import plugin
from bots.rosobrnadzor_helper.appeals import list_queue
from core.vk.api import RateLimitedAPI
from core.vk.rate_limit import RateLimiter
from core.vk.tokens import TokenChannel
from sferum.testing import Harness, bot_harness
from tests.sandbox.test_uploads import png

from .test_e2e import APPEAL_TEXT, operators_chat

ORDER = png(120, 90)  # a photo of the head teacher's order


async def photo_from(h: Harness, vk_id: int) -> str:
    """The teacher's own upload, as the VK app makes it (a user token, paced under 3 a second)."""
    token = h.sandbox.runtime.state.users[vk_id].access_token
    assert token is not None
    channel = TokenChannel(h.sandbox.api_url, token, RateLimiter(2.5), 10.0)
    try:
        return str(
            await PhotoMessageUploader(RateLimitedAPI(channel)).upload(ORDER, peer_id=-h.group_id)
        )
    finally:
        await channel.close()


def photos(message: dict[str, object]) -> list[dict[str, object]]:
    return [a["photo"] for a in message.get("attachments", []) if a["type"] == "photo"]  # type: ignore[union-attr,index]


async def test_an_appeal_with_a_photo_shows_the_photo_to_the_operator(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        chat = await operators_chat(h)
        teacher, operator = h.vk("smirnova"), h.vk("morozova")
        attachment = await photo_from(h, teacher)
        await h.say(teacher, "обращение")
        await h.tap(teacher, "Документы и отчёты")
        await h.say(teacher, APPEAL_TEXT)
        assert "документом или фотографией" in h.last_reply(teacher)["text"]
        await h._post(
            f"/users/{teacher}/messages",
            {"peer_id": -h.group_id, "text": "", "attachment": attachment},
        )
        await h.settle()
        assert "Файл приложен. Всего файлов: 1" in h.last_reply(teacher)["text"]
        await h.tap(teacher, "Готово")
        assert "Файлы: photo.jpg" in h.last_reply(teacher)["text"]
        await h.tap(teacher, "Отправить")
        assert "зарегистрировано" in h.last_reply(teacher)["text"]

        [appeal] = await list_queue(h.services.db)
        assert [kind for kind, _a, _t in appeal.files] == ["photo"]
        # The community's own copy, not the teacher's file: it stays with the appeal.
        store = h.sandbox.runtime.state.uploads
        kept = [f for f in store.files.values() if f.owner_id == -h.group_id]
        assert len(kept) == 1 and kept[0].data == ORDER
        posted = h.last_reply(operator, chat)
        assert f"Новое обращение № {appeal.number}" in posted["text"]
        assert "Файлы во вложении: photo.jpg" in posted["text"]
        [shown] = photos(posted)
        assert shown["owner_id"] == -h.group_id
        size = shown["sizes"][-1]  # type: ignore[index]
        async with h.http.get(size["url"]) as response:
            assert await response.read() == ORDER
        # Taken in the chat: the card in the operator's private chat carries the photo too.
        [take] = [b for row in posted["keyboard"]["buttons"] for b in row]  # type: ignore[index]
        await h.say(operator, "Взять в работу", json.loads(take["action"]["payload"]), peer_id=chat)
        card = h.last_reply(operator)
        assert "Файлы (1, во вложении): photo.jpg" in card["text"]
        assert [p["id"] for p in photos(card)] == [shown["id"]]
        await h.say(operator, "Открыть", {"rb": "op_card", "a": appeal.id})
        assert [p["id"] for p in photos(h.last_reply(operator))] == [shown["id"]]
        assert len([f for f in store.files.values() if f.owner_id == -h.group_id]) == 1
