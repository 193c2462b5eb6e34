"""What the message middleware takes for a service message or a call (VK's shapes, parsed by
vkbottle's own MessageMin)."""

from __future__ import annotations

from typing import Any

from vkbottle.tools.mini_types.bot import MessageMin

from core.runtime.middleware import call_initiator, service_action

CHAT = 2_000_000_001


def message(**fields: Any) -> MessageMin:
    base: dict[str, Any] = {
        "date": 1_700_000_000,
        "from_id": 5,
        "id": 0,
        "text": "",
        "version": 1,
        "out": 0,
        "peer_id": CHAT,
        "conversation_message_id": 2,
        "group_id": 1,
    }
    return MessageMin(**{**base, **fields})


def test_service_messages_are_told_by_their_action() -> None:
    assert service_action(message(action={"type": "chat_create", "text": "9А"})) == "chat_create"
    invite = message(action={"type": "chat_invite_user", "member_id": -1})
    assert service_action(invite) == "chat_invite_user"
    assert service_action(message(text="Привет")) is None


def test_the_caller_is_the_initiator_else_the_sender() -> None:
    call = {"initiator_id": 7, "receiver_id": CHAT, "state": "reached", "time": 1, "duration": 60}
    assert call_initiator(message(attachments=[{"type": "call", "call": call}])) == 7
    # A group call in progress: its initiator, else (no call object) whoever posted it.
    running = {"type": "group_call_in_progress", "group_call_in_progress": {"initiator_id": 9}}
    assert call_initiator(message(attachments=[running])) == 9
    assert call_initiator(message(attachments=[{"type": "group_call_in_progress"}])) == 5
    photo = {"type": "photo", "photo": {"id": 1, "owner_id": 5, "date": 1, "album_id": 1}}
    assert call_initiator(message(text="Фото", attachments=[photo])) is None
    assert call_initiator(message(text="Привет")) is None
