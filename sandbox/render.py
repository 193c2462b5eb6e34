"""VK objects as the API and events present them: messages, users, communities, events."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from . import api_version
from .records import Community, Message, User

API_VERSION = api_version.LATEST_TEXT
PHOTO_50 = "https://vk.com/images/camera_50.png"
PHOTO_100 = "https://vk.com/images/camera_100.png"
PHOTO_200 = "https://vk.com/images/camera_200.png"

# What the sandbox's "client" supports; VK sends this with every message_new.
CLIENT_INFO: dict[str, Any] = {
    "button_actions": [
        "text",
        "vkpay",
        "open_app",
        "location",
        "open_link",
        "callback",
        "intent_subscribe",
        "intent_unsubscribe",
    ],
    "keyboard": True,
    "inline_keyboard": True,
    "carousel": True,
    "lang_id": 0,
}


def message_object(message: Message, viewer: int) -> dict[str, Any]:
    """A messages_message as the viewer (an owner id) sees it.

    Every field vkbottle's models require is present, fwd_messages included. In chats a community
    sees id 0, as on VK, and must use conversation_message_id.
    """
    conv = message.conv
    chat = conv.chat
    if chat is not None:
        peer_id = chat.peer_id
        message_id = 0 if viewer < 0 else message.id
    else:
        peer_id = conv.b if viewer == conv.a else conv.a
        message_id = message.id
    obj: dict[str, Any] = {
        "date": message.date,
        "from_id": message.from_id,
        "id": message_id,
        "version": message.version,
        "out": 1 if message.from_id == viewer else 0,
        "fwd_messages": [],
        "important": False,
        "is_hidden": False,
        "attachments": message.attachments or [],
        "conversation_message_id": message.cmid,
        "peer_id": peer_id,
        "random_id": message.random_id if message.from_id == viewer else 0,
        "text": message.text,
    }
    if message.payload is not None:
        obj["payload"] = message.payload
    if message.keyboard is not None:
        obj["keyboard"] = message.keyboard
    if message.action is not None:
        obj["action"] = message.action
    if message.update_time:
        obj["update_time"] = message.update_time
    return obj


def user_object(user: User, fields: frozenset[str] = frozenset()) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "can_access_closed": True,
        "is_closed": False,
    }
    if "photo_50" in fields:
        obj["photo_50"] = PHOTO_50
    if "photo_100" in fields:
        obj["photo_100"] = PHOTO_100
    if "photo_200" in fields:
        obj["photo_200"] = PHOTO_200
    page = user.page
    short = page.screen_name if page is not None and page.screen_name else f"id{user.id}"
    for name in ("screen_name", "domain"):  # VK answers both, the same address, when asked
        if name in fields:
            obj[name] = short
    if "sex" in fields:
        obj["sex"] = 0 if page is None else page.sex
    if "city" in fields and page is not None and page.city is not None:
        obj["city"] = {"id": page.city[0], "title": page.city[1]}
    if "has_mobile" in fields:
        obj["has_mobile"] = int(user.profile is not None and bool(user.profile.phone))
    if "last_seen" in fields and user.last_seen is not None:
        obj["last_seen"] = {"time": user.last_seen[0], "platform": user.last_seen[1]}
    if "online" in fields:
        obj["online"] = 0
    if "bdate" in fields and user.profile is not None and user.profile.birth_date is not None:
        born: date = user.profile.birth_date
        obj["bdate"] = f"{born.day}.{born.month}.{born.year}"
    if "can_write_private_message" in fields:
        obj["can_write_private_message"] = 1
    return obj


def group_object(community: Community, fields: frozenset[str] = frozenset()) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "id": community.id,
        "name": community.name,
        "screen_name": f"club{community.id}",
        "is_closed": 0,
        "type": "group",
        "is_admin": 0,
        "is_member": 0,
        "is_advertiser": 0,
        "photo_50": PHOTO_50,
        "photo_100": PHOTO_100,
        "photo_200": PHOTO_200,
    }
    if "can_message" in fields:
        # Whether people can write to the community: its "Сообщения сообщества" setting.
        obj["can_message"] = int(community.messages_enabled)
    return obj


def event_id(salt: str, group_id: int, number: int) -> str:
    """Stable per event, so a Callback API retry carries the same id as the first attempt."""
    return hashlib.sha1(f"{salt}:{group_id}:{number}".encode()).hexdigest()[:40]


def event_object(
    event_type: str, obj: object, group_id: int, version: str = API_VERSION
) -> dict[str, Any]:
    """An event's object in the shape of the api_version it is sent in: message_new is
    {message, client_info} from 5.103, and the message itself before."""
    if isinstance(obj, Message):
        rendered = message_object(obj, -group_id)
        if event_type == "message_new" and _wraps_message(version):
            return {"message": rendered, "client_info": CLIENT_INFO}
        return rendered
    assert isinstance(obj, dict)
    return obj


def _wraps_message(version: str) -> bool:
    parsed = api_version.parse(version)
    return parsed is None or parsed >= api_version.MESSAGE_NEW_WITH_CLIENT_INFO


def event_envelope(
    salt: str, group_id: int, number: int, event_type: str, obj: object, version: str = API_VERSION
) -> dict[str, Any]:
    return {
        "group_id": group_id,
        "type": event_type,
        "event_id": event_id(salt, group_id, number),
        "v": version,
        "object": event_object(event_type, obj, group_id, version),
    }
