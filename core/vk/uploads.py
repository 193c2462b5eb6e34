"""Files in messages: what a person attached, and the community's own copy of it.

A message from a person carries its documents and photos with their URLs and access keys, and VK
lets a community attach that very file by ``doc{owner}_{id}_{access_key}`` — but the file stays
the person's: deleted from their documents, it is gone from every message still to be sent. A
broadcast goes out later (scheduled, weekly) and to many people, an appeal is kept with its
answer, so both keep a copy of their own: the file is read from its URL once and uploaded as the
community's with vkbottle's uploaders (``DocMessagesUploader``, ``PhotoMessageUploader``). The
attachment string that returns is stored and named by every message that follows; nothing is
uploaded per recipient.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import aiohttp
from vkbottle import ABCAPI
from vkbottle.dispatch.rules import ABCRule
from vkbottle.exception_factory import VKAPIError
from vkbottle.tools import DocMessagesUploader, PhotoMessageUploader
from vkbottle.tools.mini_types.bot import MessageMin

DOC = "doc"
PHOTO = "photo"
# VK's own limits for files in messages.
MAX_BYTES = {DOC: 200 * 1024 * 1024, PHOTO: 50 * 1024 * 1024}
MAX_FILES = 10  # attachments of one message
# Reading or sending a file of up to 200 MB takes far longer than an API call may.
TRANSFER_TIMEOUT = aiohttp.ClientTimeout(total=600, sock_read=60)


class UploadError(Exception):
    """A file that could not be kept: ``reason`` is "too_big", "download" or "upload"."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class SentFile:
    """A document or photo a person attached to a message."""

    kind: str  # DOC or PHOTO
    url: str
    title: str  # a document's name; for a photo, a name the upload gives it
    size: int | None  # bytes, when VK says (documents)
    reference: str  # the person's file as VK names it: doc{owner}_{id}[_{key}]


def _reference(kind: str, owner_id: int, media_id: int, key: str | None) -> str:
    return f"{kind}{owner_id}_{media_id}" + (f"_{key}" if key else "")


def files_in(message: MessageMin) -> list[SentFile]:
    """The documents and photos of a message, in order (other attachments are left out)."""
    found: list[SentFile] = []
    for item in message.attachments or ():
        doc, photo = item.doc, item.photo
        if doc is not None and doc.url:
            title = doc.title or f"document.{doc.ext or 'bin'}"
            ref = _reference(DOC, doc.owner_id, doc.id, doc.access_key)
            found.append(SentFile(DOC, doc.url, title, doc.size, ref))
        elif photo is not None and photo.sizes:
            best = max(photo.sizes, key=lambda s: (s.width or 0) * (s.height or 0))
            url = best.url or best.src
            if url:
                ref = _reference(PHOTO, photo.owner_id, photo.id, photo.access_key)
                found.append(SentFile(PHOTO, url, "photo.jpg", None, ref))
    return found[:MAX_FILES]


class HasFiles(ABCRule[MessageMin]):
    """A message with a document or a photo in it."""

    async def check(self, event: MessageMin) -> bool:
        return bool(files_in(event))


async def download(url: str, limit: int) -> bytes:
    """The file at ``url``, refused past ``limit`` bytes without reading the rest."""
    data = bytearray()
    try:
        async with (
            aiohttp.ClientSession(timeout=TRANSFER_TIMEOUT) as session,
            session.get(url) as response,
        ):
            if response.status != 200:
                raise UploadError("download", f"HTTP {response.status}")
            async for chunk in response.content.iter_chunked(256 * 1024):
                data.extend(chunk)
                if len(data) > limit:
                    raise UploadError("too_big", f"more than {limit} bytes")
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise UploadError("download", str(exc) or type(exc).__name__) from exc
    return bytes(data)


class _Transfer:
    """vkbottle's upload step with a timeout fit for large files, and the upload server's own
    error answer ({"error": ...}) raised instead of being passed on to the save method."""

    api: ABCAPI

    async def upload_files(self, upload_url: str, files: dict[str, Any]) -> dict[str, Any]:
        raw = await self.api.http_client.request_text(
            upload_url, method="POST", data=files, timeout=TRANSFER_TIMEOUT
        )
        answer: dict[str, Any] = json.loads(raw)
        if "error" in answer:
            raise UploadError("upload", str(answer["error"]))
        return answer


class _DocUploader(_Transfer, DocMessagesUploader):
    pass


class _PhotoUploader(_Transfer, PhotoMessageUploader):
    pass


async def upload(api: ABCAPI, kind: str, data: bytes, peer_id: int, title: str) -> str:
    """Upload ``data`` as the token owner's document or photo for messages to ``peer_id``;
    returns the attachment string (``doc-1_2_key``) to name it by in any message."""
    if len(data) > MAX_BYTES[kind]:
        raise UploadError("too_big", f"more than {MAX_BYTES[kind]} bytes")
    try:
        if kind == DOC:
            return str(await _DocUploader(api).upload(data, peer_id=peer_id, title=title))
        file = BytesIO(data)
        file.name = title
        return str(await _PhotoUploader(api).upload(file, peer_id=peer_id))
    except VKAPIError as exc:
        raise UploadError("upload", f"VK error {exc.code}") from exc
    except (aiohttp.ClientError, TimeoutError, ValueError, KeyError) as exc:
        raise UploadError("upload", str(exc) or type(exc).__name__) from exc


async def keep(api: ABCAPI, file: SentFile, peer_id: int) -> str:
    """The community's own copy of a file a person sent: read once, uploaded once."""
    if file.size is not None and file.size > MAX_BYTES[file.kind]:
        raise UploadError("too_big", f"{file.size} bytes")
    data = await download(file.url, MAX_BYTES[file.kind])
    return await upload(api, file.kind, data, peer_id, file.title)


async def keep_all(
    api: ABCAPI, message: MessageMin, kept: list[list[str]], limit: int
) -> tuple[list[list[str]], list[tuple[str, str]]]:
    """The message's files added to ``kept`` ([kind, attachment, title] each, as dialogs store
    them), at most ``limit`` in all; also the (title, reason) of each file that was not kept."""
    files = list(kept)
    failed: list[tuple[str, str]] = []
    for sent in files_in(message):
        if len(files) >= limit:
            failed.append((sent.title, "too_many"))
            continue
        try:
            attachment = await keep(api, sent, message.peer_id)
        except UploadError as exc:
            failed.append((sent.title, exc.reason))
            continue
        files.append([sent.kind, attachment, sent.title])
    return files, failed
