"""What kinds of activity core records, and their integer codes in storage.

The codes are data in ``activity_kinds`` (migration 0005); they never change meaning.
"""

from __future__ import annotations

from enum import StrEnum


class ActivityKind(StrEnum):
    MESSAGE_TO_BOT = "message_to_bot"
    GROUP_CHAT_MESSAGE = "group_chat_message"
    BUTTON = "button"
    CHAT_CREATED = "chat_created"
    CALL = "call"
    MINIAPP_OPEN = "miniapp_open"


KIND_CODES: dict[ActivityKind, int] = {
    ActivityKind.MESSAGE_TO_BOT: 1,
    ActivityKind.GROUP_CHAT_MESSAGE: 2,
    ActivityKind.BUTTON: 3,
    ActivityKind.CHAT_CREATED: 4,
    ActivityKind.CALL: 5,
    ActivityKind.MINIAPP_OPEN: 6,
}
KINDS_BY_CODE: dict[int, ActivityKind] = {code: kind for kind, code in KIND_CODES.items()}

MESSAGE_TO_BOT = KIND_CODES[ActivityKind.MESSAGE_TO_BOT]
GROUP_CHAT_MESSAGE = KIND_CODES[ActivityKind.GROUP_CHAT_MESSAGE]
CHAT_CREATED = KIND_CODES[ActivityKind.CHAT_CREATED]
CALL = KIND_CODES[ActivityKind.CALL]
