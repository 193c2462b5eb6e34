"""Attachments given as VK links ("photo-1_2", "doc5_7_key", "https://...") and text mentions.

A document or photo uploaded to this sandbox (uploads.py) is attached as itself, with its title,
size and URL; any other media id gets a stand-in object of the right shape, as the sandbox cannot
know other media.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from .errors import param_error

_MEDIA = re.compile(r"^(photo|video|audio|doc|wall|market|poll)(-?\d+)_(\d+)(?:_([A-Za-z0-9]+))?$")
_URL = re.compile(r"https?://[^\s<>\"']+")
_MENTION = re.compile(r"\[(id|club|public)(\d+)\|[^\]]*\]|@(id|club|public)(\d+)")
PLACEHOLDER_PHOTO = "https://vk.com/images/camera_200.png"
# (kind, owner id, media id, access key) -> the stored file's attachment, or None if unknown.
MediaLookup = Callable[[str, int, int, str | None], dict[str, Any] | None]


def _media(
    kind: str, owner_id: int, media_id: int, access_key: str | None, date: int
) -> dict[str, Any]:
    body: dict[str, Any] = {"id": media_id, "owner_id": owner_id}
    if access_key:
        body["access_key"] = access_key
    if kind == "photo":
        body.update(
            album_id=-3,
            date=date,
            has_tags=False,
            text="",
            sizes=[{"type": "x", "url": PLACEHOLDER_PHOTO, "width": 200, "height": 200}],
        )
    elif kind == "doc":
        body.update(
            title=f"doc{owner_id}_{media_id}",
            size=0,
            ext="txt",
            date=date,
            type=1,
            url=f"https://vk.com/doc{owner_id}_{media_id}",
        )
    elif kind == "audio":
        body.update(artist="", title=f"audio{owner_id}_{media_id}", duration=0)
    elif kind == "video":
        body.update(title=f"video{owner_id}_{media_id}", date=date, duration=0)
    elif kind == "wall":
        body.update(from_id=owner_id, date=date, text="")
    return {"type": kind, kind: body}


def link_attachment(url: str) -> dict[str, Any]:
    host = urlsplit(url).hostname or url
    return {"type": "link", "link": {"url": url, "title": host, "caption": host, "description": ""}}


def parse_attachments(
    raw: str | None, date: int, lookup: MediaLookup | None = None
) -> list[dict[str, Any]]:
    if not raw:
        return []
    found: list[dict[str, Any]] = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        if item.startswith(("http://", "https://")):
            found.append(link_attachment(item))
            continue
        match = _MEDIA.match(item)
        if match is None:
            raise param_error(f"attachment {item!r} is invalid")
        kind, owner, media, key = match.groups()
        known = lookup(kind, int(owner), int(media), key) if lookup is not None else None
        found.append(known or _media(kind, int(owner), int(media), key, date))
    if len(found) > 10:
        raise param_error("attachment: too many attachments, at most 10")
    return found


def first_link(text: str) -> str | None:
    """VK turns the first link of a text into a snippet unless dont_parse_links is set."""
    match = _URL.search(text)
    return match.group(0).rstrip(".,!?)") if match else None


def mentions(text: str) -> tuple[int, ...]:
    """Owner ids mentioned as [id1|Name], [club2|Name] or @id1 (communities negative)."""
    found: list[int] = []
    for match in _MENTION.finditer(text):
        kind = match.group(1) or match.group(3)
        number = int(match.group(2) or match.group(4))
        found.append(number if kind == "id" else -number)
    return tuple(dict.fromkeys(found))
