"""VK objects as the API and events present them: messages, users, communities, events."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from .records import Community, Message, User

API_VERSION = "5.199"
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
    if "screen_name" in fields or "domain" in fields:
        obj["screen_name" if "screen_name" in fields else "domain"] = f"id{user.id}"
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


def event_object(event_type: str, obj: object, group_id: int) -> dict[str, Any]:
    if isinstance(obj, Message):
        rendered = message_object(obj, -group_id)
        if event_type == "message_new":
            return {"message": rendered, "client_info": CLIENT_INFO}
        return rendered
    assert isinstance(obj, dict)
    return obj


def event_envelope(
    salt: str, group_id: int, number: int, event_type: str, obj: object
) -> dict[str, Any]:
    return {
        "group_id": group_id,
        "type": event_type,
        "event_id": event_id(salt, group_id, number),
        "v": API_VERSION,
        "object": event_object(event_type, obj, group_id),
    }
