"""Documents and photos in broadcasts: the counsellor sends a file while composing, the bot keeps
one copy of its own (uploaded once, with vkbottle's uploaders), and every recipient's message
names that same copy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from vkbottle import API
from vkbottle.tools import DocMessagesUploader, PhotoMessageUploader

from bots.advisor_broadcast import plugin
from core.broadcast import Audience, BroadcastSpec
from core.vk import uploads
from core.vk.api import RateLimitedAPI
from core.vk.rate_limit import RateLimiter
from core.vk.tokens import TokenChannel
from sferum.testing import Harness, bot_harness
from tests.sandbox.test_uploads import png

from .helpers import compose_to, send_now

PLAN = "План экскурсии: сбор у школы в 9:00, возвращение в 15:00.\n".encode() * 40


@asynccontextmanager
async def person_api(h: Harness, vk_id: int) -> AsyncIterator[API]:
    """The person's own VK client (a user token), as the VK app uploads what they send: paced
    under VK's 3 calls a second for a user's token, as a real client is."""
    token = h.sandbox.runtime.state.users[vk_id].access_token
    assert token is not None
    channel = TokenChannel(h.sandbox.api_url, token, RateLimiter(2.5), 10.0)
    try:
        yield RateLimitedAPI(channel)
    finally:
        await channel.close()


async def plan_doc(h: Harness, mine: API, title: str) -> str:
    """PLAN uploaded through the person's client as a document for a message to the community."""
    return await DocMessagesUploader(mine).upload(PLAN, peer_id=-h.group_id, title=title)


async def send_file(h: Harness, vk_id: int, text: str, attachment: str) -> None:
    await h._post(
        f"/users/{vk_id}/messages",
        {"peer_id": -h.group_id, "text": text, "attachment": attachment},
    )
    await h.settle()


def community_files(h: Harness) -> list[Any]:
    store = h.sandbox.runtime.state.uploads
    return [f for f in store.files.values() if f.owner_id == -h.group_id]


async def test_counsellor_attaches_a_document_and_a_photo(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        volkova = h.vk("volkova")
        async with person_api(h, volkova) as mine:
            doc = await plan_doc(h, mine, "план.pdf")
            photo = await PhotoMessageUploader(mine).upload(png(64, 48), peer_id=-h.group_id)
        await compose_to(h, "volkova", "Ученики классов", "7Б", "Готово")
        assert "приложить документы и фотографии" in h.last_reply(volkova)["text"]
        # The document first, alone: the text is still asked for, the file kept.
        await send_file(h, volkova, "", doc)
        assert "Приложено: план.pdf" in h.last_reply(volkova)["text"]
        await h.say(volkova, "{{ first_name }}, в пятницу экскурсия, план во вложении.")
        # A photo sent at the preview joins too.
        await send_file(h, volkova, "", photo)
        preview = h.last_reply(volkova)
        assert "Файлы: план.pdf, photo.jpg" in preview["text"]
        assert [a["type"] for a in preview["attachments"]] == ["doc", "photo"]
        assert "Файлы: план.pdf, photo.jpg" in await send_now(h, volkova)
        await h.tap(volkova, "Подтвердить")
        await h.run_due()
        kept = community_files(h)
        assert sorted(f.kind for f in kept) == ["doc", "photo"]  # one copy each, not per recipient
        seen = []
        for key in ("st04", "st05", "st06", "st07"):
            message = h.conversation(h.vk(key))[-1]
            assert message["text"].endswith("в пятницу экскурсия, план во вложении.")
            got = {a["type"]: a[a["type"]] for a in message["attachments"]}
            assert got["doc"]["title"] == "план.pdf" and got["doc"]["size"] == len(PLAN)
            assert got["doc"]["owner_id"] == -h.group_id
            seen.append((got["doc"]["id"], got["photo"]["id"]))
        assert len(set(seen)) == 1
        async with h.http.get(got["doc"]["url"]) as response:
            assert await response.read() == PLAN


async def test_one_upload_three_recipients_same_attachment(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        store = h.sandbox.runtime.state.uploads
        author = await h.person_id("volkova")
        api = RateLimitedAPI(h.services.broadcasts.sender(h.group_id).channel)
        attachment = await uploads.upload(api, "doc", PLAN, h.vk("volkova"), "план.pdf")
        persons = [await h.person_id(k) for k in ("st04", "st05", "st06")]
        spec = BroadcastSpec(
            author, h.group_id, Audience.persons(*persons), "Экскурсия в пятницу",
            attachments=(attachment,),
        )  # fmt: skip
        broadcast = await h.services.broadcasts.create(spec)
        await h.run_due()
        status = await h.services.broadcasts.status(broadcast)
        assert status.sent == 3
        assert store.saved["doc"] == 1  # uploaded once, before the broadcast
        attached = {
            tuple(
                (a["type"], a["doc"]["owner_id"], a["doc"]["id"])
                for a in h.conversation(h.vk(key))[-1]["attachments"]
            )
            for key in ("st04", "st05", "st06")
        }
        assert attached == {(("doc", -h.group_id, int(attachment.split("_")[1])),)}


async def test_a_file_too_big_is_named_and_the_rest_goes_on(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        volkova = h.vk("volkova")
        async with person_api(h, volkova) as mine:
            doc = await plan_doc(h, mine, "большой.pdf")
        h.sandbox.runtime.state.config.max_doc_bytes = 1000  # VK's 200 MB, made small
        await compose_to(h, "volkova", "Все родители")
        await send_file(h, volkova, "Собрание в четверг", doc)
        texts = [m["text"] for m in h.replies(volkova)]
        assert any("Не удалось приложить: «большой.pdf»" in t for t in texts)
        assert "Так рассылку увидит получатель" in texts[-1] and "Файлы:" not in texts[-1]
        assert not community_files(h)
