"""Files for messages through the sandbox's upload servers, with vkbottle's own uploaders: a
community and a person upload, save, attach; VK's size limits, rights and access keys."""

from __future__ import annotations

import struct
import zlib

import aiohttp
from vkbottle import API
from vkbottle.exception_factory import VKAPIError
from vkbottle.tools import DocMessagesUploader, PhotoMessageUploader

from sandbox.app import RunningSandbox
from sandbox.records import COMMUNITY_TOKEN_RIGHTS, Community

from .conftest import Control, Vk


def png(width: int, height: int) -> bytes:
    """A real PNG image of this size (white), small enough to build in a test."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    rows = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def api(sandbox: RunningSandbox, token: str) -> API:
    client = API(token)
    client.API_URL = sandbox.api_url
    return client


async def fetch(http: aiohttp.ClientSession, url: str) -> bytes:
    async with http.get(url) as response:
        assert response.status == 200
        return await response.read()


async def test_community_uploads_once_and_attaches_everywhere(
    sandbox: RunningSandbox, community: Community, control: Control, http: aiohttp.ClientSession
) -> None:
    first, second = await control.user("Анна", "Первая"), await control.user("Борис", "Второй")
    for user in (first, second):
        await control.write(user, -community.id, "Здравствуйте")
    bot = api(sandbox, community.access_token)
    content = "Расписание каникул\n".encode() * 50
    doc = await DocMessagesUploader(bot).upload(content, peer_id=first, title="каникулы.pdf")
    photo = await PhotoMessageUploader(bot).upload(png(40, 30), peer_id=first)
    assert doc.startswith(f"doc-{community.id}_") and photo.startswith(f"photo-{community.id}_")
    await bot.messages.send(
        peer_ids=[first, second], random_id=0, message="Каникулы", attachment=f"{doc},{photo}"
    )
    store = sandbox.runtime.state.uploads
    assert store.saved == {"doc": 1, "photo": 1}
    for user in (first, second):
        message = (await control.messages(user, -community.id))["items"][-1]
        sent_doc, sent_photo = (a[a["type"]] for a in message["attachments"])
        assert sent_doc["title"] == "каникулы.pdf" and sent_doc["size"] == len(content)
        assert sent_doc["ext"] == "pdf" and await fetch(http, sent_doc["url"]) == content
        size = sent_photo["sizes"][-1]
        assert (size["width"], size["height"]) == (40, 30)
        assert await fetch(http, size["url"]) == png(40, 30)
    # The chat a person sees shows the picture and a link to the file.
    async with http.get(f"{sandbox.url}/chat/{first}", params={"peer": -community.id}) as page:
        html = await page.text()
    assert f'src="{size["url"]}"' in html and "каникулы.pdf" in html and "КБ" in html


async def test_a_person_sends_a_file_the_community_may_pass_on_with_its_key(
    sandbox: RunningSandbox, community: Community, control: Control, vk: Vk
) -> None:
    state = sandbox.runtime.state
    author = state.create_user("Вера", "Советник")
    reader = await control.user("Галина", "Читатель")
    await control.write(reader, -community.id, "Здравствуйте")
    assert author.access_token is not None
    person = api(sandbox, author.access_token)
    attachment = await DocMessagesUploader(person).upload(
        b"%PDF-1.4 plan", peer_id=-community.id, title="plan.pdf"
    )
    assert attachment.startswith(f"doc{author.id}_")
    await control.write(author.id, -community.id, "Вот план", attachment=attachment)
    seen = (await control.messages(author.id, -community.id))["items"][-1]["attachments"][0]
    doc = seen["doc"]
    assert doc["owner_id"] == author.id and doc["access_key"] and doc["url"].startswith("http")
    token = community.access_token
    without_key = f"doc{author.id}_{doc['id']}"
    refused = await vk.call(
        "messages.send", token, peer_id=reader, random_id=0, attachment=without_key
    )
    assert refused["error"]["error_code"] == 100
    passed = await vk.call(
        "messages.send",
        token,
        peer_id=reader,
        random_id=0,
        attachment=f"{without_key}_{doc['access_key']}",
    )
    assert "response" in passed
    forwarded = (await control.messages(reader, -community.id))["items"][-1]["attachments"][0]
    assert forwarded["doc"]["url"] == doc["url"]


async def test_limits_rights_and_bad_files(
    sandbox: RunningSandbox,
    community: Community,
    control: Control,
    vk: Vk,
    http: aiohttp.ClientSession,
) -> None:
    member = await control.user()
    await control.write(member, -community.id, "Здравствуйте")
    sandbox.runtime.state.config.max_doc_bytes = 1000
    token = community.access_token
    server = (await vk.call("docs.getMessagesUploadServer", token, peer_id=member))["response"]
    form = aiohttp.FormData()
    form.add_field("file", b"x" * 1001, filename="big.txt")
    async with http.post(server["upload_url"], data=form) as response:
        answer = await response.json(content_type=None)
    assert "too big" in answer["error"] and "file" not in answer
    # docs.save with a token from nowhere, or twice: VK's 105.
    assert (await vk.call("docs.save", token, file="nothing"))["error"]["error_code"] == 105
    # Not an image: the photo upload answers an empty photo list, the save refuses it.
    bot = api(sandbox, token)
    try:
        await PhotoMessageUploader(bot).upload(b"not a picture", peer_id=member)
    except VKAPIError as error:
        assert error.code == 129
    else:
        raise AssertionError("a text file was saved as a photo")
    # A community uploads only for a peer it may write to, and with the right for the kind.
    stranger = await control.user()
    denied = await vk.call("docs.getMessagesUploadServer", token, peer_id=stranger)
    assert denied["error"]["error_code"] == 901
    narrow = sandbox.runtime.state.add_community_token(
        community, COMMUNITY_TOKEN_RIGHTS["messages"] | COMMUNITY_TOKEN_RIGHTS["docs"]
    )
    assert "response" in await vk.call("docs.getMessagesUploadServer", narrow, peer_id=member)
    photos = await vk.call("photos.getMessagesUploadServer", narrow, peer_id=member)
    assert photos["error"]["error_code"] == 15
