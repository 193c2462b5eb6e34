"""Documents and photos uploaded for messages, the way VK's upload servers take them.

VK's three steps, for a user's token and a community's alike:

1. ``docs.getMessagesUploadServer`` / ``photos.getMessagesUploadServer`` answer an ``upload_url``;
2. a multipart POST of the file there (field ``file`` for a document, ``photo`` for a photo)
   answers ``{"file": ...}``, or ``{"server": ..., "photo": ..., "hash": ...}``;
3. ``docs.save`` / ``photos.saveMessagesPhoto`` turn that into a document or a photo of the
   uploader, attached to messages as ``doc{owner}_{id}`` / ``photo{owner}_{id}``.

Files are kept in memory and served under ``/files/`` (VK's document and photo URLs), with their
access key in the path; they do not survive a restart of the sandbox, unlike its messages.
Sizes are limited as VK limits them (``SandboxConfig.max_doc_bytes``, ``max_photo_bytes``).
"""

from __future__ import annotations

import hashlib
import secrets
import struct
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from .config import SandboxConfig
from .errors import VkError, param_error

DOC = "doc"
PHOTO = "photo"
MESSAGES_ALBUM = -3  # VK's album of photos sent in messages
COMMUNITY_PHOTO_USER_ID = 100  # VK's user_id of a photo a community uploaded
PHOTO_SERVER = 1
# docs_doc.type by extension: 1 text, 2 archive, 3 gif, 4 image, 5 audio, 6 video, 7 e-book
_DOC_TYPES = {
    **dict.fromkeys(("txt", "doc", "docx", "pdf", "odt", "rtf", "xls", "xlsx", "ppt", "pptx"), 1),
    **dict.fromkeys(("zip", "rar", "7z", "tar", "gz"), 2),
    "gif": 3,
    **dict.fromkeys(("jpg", "jpeg", "png", "webp", "bmp"), 4),
    **dict.fromkeys(("mp3", "ogg", "wav", "m4a"), 5),
    **dict.fromkeys(("mp4", "avi", "mkv", "mov"), 6),
    **dict.fromkeys(("epub", "fb2", "djvu"), 7),
}
_CONTENT_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "pdf": "application/pdf",
}
# photos_photo_sizes.type by the longer side: s ≤ 75, m ≤ 130, x ≤ 604, y ≤ 807, z ≤ 1280, else w
_SIZE_TYPES = ((75, "s"), (130, "m"), (604, "x"), (807, "y"), (1280, "z"))


def image_size(data: bytes) -> tuple[str, int, int] | None:
    """(extension, width, height) of a PNG, GIF or JPEG; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return "png", width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return "gif", width, height
    if data.startswith(b"\xff\xd8"):
        index = 2
        while index + 9 < len(data):
            if data[index] != 0xFF:
                return None
            marker = data[index + 1]
            (length,) = struct.unpack(">H", data[index + 2 : index + 4])
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[index + 5 : index + 9])
                return "jpg", width, height
            index += 2 + length
    return None


@dataclass(slots=True)
class Ticket:
    """An upload_url given to one uploader (a user id, or minus a group id) for one peer."""

    kind: str
    owner_id: int
    peer_id: int | None


@dataclass(slots=True)
class Upload:
    """A file posted to an upload_url and not saved yet."""

    kind: str
    owner_id: int
    name: str
    data: bytes
    width: int = 0
    height: int = 0
    ext: str = ""


@dataclass(slots=True)
class StoredFile:
    kind: str
    owner_id: int
    media_id: int
    access_key: str
    title: str
    ext: str
    data: bytes
    date: int
    url: str
    width: int = 0
    height: int = 0

    @property
    def content_type(self) -> str:
        return _CONTENT_TYPES.get(self.ext, "application/octet-stream")

    def vk_object(self) -> dict[str, Any]:
        """docs_doc or photos_photo, as messages and the save methods show it."""
        if self.kind == DOC:
            return {
                "id": self.media_id,
                "owner_id": self.owner_id,
                "title": self.title,
                "size": len(self.data),
                "ext": self.ext,
                "url": self.url,
                "date": self.date,
                "type": _DOC_TYPES.get(self.ext, 8),
                "access_key": self.access_key,
            }
        longer = max(self.width, self.height)
        size_type = next((t for limit, t in _SIZE_TYPES if longer <= limit), "w")
        photo: dict[str, Any] = {
            "id": self.media_id,
            "album_id": MESSAGES_ALBUM,
            "owner_id": self.owner_id,
            "access_key": self.access_key,
            "date": self.date,
            "has_tags": False,
            "text": "",
            "width": self.width,
            "height": self.height,
            "sizes": [
                {"type": size_type, "url": self.url, "width": self.width, "height": self.height}
            ],
        }
        if self.owner_id < 0:
            photo["user_id"] = COMMUNITY_PHOTO_USER_ID
        return photo

    def attachment(self) -> dict[str, Any]:
        return {"type": self.kind, self.kind: self.vk_object()}


@dataclass
class UploadStore:
    config: SandboxConfig
    tickets: dict[str, Ticket] = field(default_factory=dict)
    pending: dict[str, Upload] = field(default_factory=dict)
    files: dict[tuple[str, int, int], StoredFile] = field(default_factory=dict)
    # Files saved, by kind: what a test counts to see a file was uploaded once, not per recipient.
    saved: dict[str, int] = field(default_factory=lambda: {DOC: 0, PHOTO: 0})
    _next_id: dict[str, int] = field(default_factory=lambda: {DOC: 1, PHOTO: 1})
    _salt: str = field(default_factory=lambda: secrets.token_hex(8))

    def limit(self, kind: str) -> int:
        return self.config.max_doc_bytes if kind == DOC else self.config.max_photo_bytes

    # -- step 1 --------------------------------------------------------------------------------
    def ticket(self, kind: str, owner_id: int, peer_id: int | None, base_url: str) -> str:
        token = secrets.token_urlsafe(16)
        self.tickets[token] = Ticket(kind, owner_id, peer_id)
        return f"{base_url}/upload/{kind}/{token}"

    # -- step 2 --------------------------------------------------------------------------------
    def receive(self, ticket: Ticket, name: str, data: bytes) -> dict[str, Any]:
        """The upload server's answer to a posted file (VK answers errors in the same JSON)."""
        upload = Upload(ticket.kind, ticket.owner_id, name, data)
        if ticket.kind == PHOTO:
            found = image_size(data)
            if found is None:
                # VK's upload server takes the request and answers an empty photo list; the save
                # method then refuses it.
                return {"server": PHOTO_SERVER, "photo": "[]", "hash": self._hash("[]")}
            upload.ext, upload.width, upload.height = found
        else:
            upload.ext = name.rsplit(".", 1)[-1].lower()[:10] if "." in name else ""
        token = secrets.token_hex(12)
        self.pending[token] = upload
        if ticket.kind == DOC:
            return {"file": token}
        return {"server": PHOTO_SERVER, "photo": token, "hash": self._hash(token)}

    def _hash(self, photo: str) -> str:
        return hashlib.sha1(f"{self._salt}:{photo}".encode()).hexdigest()[:32]

    # -- step 3 --------------------------------------------------------------------------------
    def _take(self, token: str, kind: str, owner_id: int) -> Upload:
        upload = self.pending.get(token)
        if upload is None or upload.kind != kind or upload.owner_id != owner_id:
            raise VkError(105 if kind == DOC else 129)
        del self.pending[token]
        return upload

    def save_doc(
        self, token: str, owner_id: int, title: str | None, date: int, base_url: str
    ) -> StoredFile:
        upload = self._take(token, DOC, owner_id)
        name = (title or upload.name or "doc").strip()[:128] or "doc"
        return self._store(upload, name, date, base_url)

    def save_photo(
        self, token: str, server: int | None, hash_: str | None, owner_id: int, date: int,
        base_url: str,
    ) -> StoredFile:  # fmt: skip
        if server != PHOTO_SERVER:
            raise VkError(118)
        if hash_ != self._hash(token):
            raise VkError(121)
        if token == "[]":
            raise VkError(129, "the uploaded file is not an image")
        upload = self._take(token, PHOTO, owner_id)
        return self._store(upload, upload.name or "photo", date, base_url)

    def _store(self, upload: Upload, title: str, date: int, base_url: str) -> StoredFile:
        media_id = self._next_id[upload.kind]
        self._next_id[upload.kind] = media_id + 1
        key = secrets.token_hex(9)
        ext = upload.ext or "bin"
        url = (
            f"{base_url}/files/{upload.kind}/{upload.owner_id}_{media_id}_{key}/"
            f"{quote(title if upload.kind == DOC else f'photo.{ext}')}"
        )
        stored = StoredFile(
            upload.kind, upload.owner_id, media_id, key, title, ext, upload.data, date, url,
            upload.width, upload.height,
        )  # fmt: skip
        self.files[(upload.kind, upload.owner_id, media_id)] = stored
        self.saved[upload.kind] += 1
        return stored

    # -- using them ----------------------------------------------------------------------------
    def find(self, kind: str, owner_id: int, media_id: int) -> StoredFile | None:
        return self.files.get((kind, owner_id, media_id))

    def attachment(
        self, kind: str, owner_id: int, media_id: int, access_key: str | None, author_id: int
    ) -> dict[str, Any] | None:
        """The attachment a message gets for ``{kind}{owner}_{id}[_{key}]``, or None when no such
        file was uploaded here (the caller then shows a stand-in, as for media it cannot know).
        Another owner's file needs its access key, as in VK."""
        stored = self.find(kind, owner_id, media_id)
        if stored is None:
            return None
        if author_id != owner_id and access_key != stored.access_key:
            raise param_error(f"attachment {kind}{owner_id}_{media_id}: access denied")
        return stored.attachment()
