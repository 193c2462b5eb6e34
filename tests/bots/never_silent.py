"""What each bot's test_never_silent.py checks, end to end through the sandbox: «Начать» (VK's
start button), «меню», «помощь» and text nobody understands always get an answer in a private
chat, and in a group chat the bot stays quiet unless addressed."""

from __future__ import annotations

from typing import Any

from sferum.testing import Harness

START = ("Начать", {"command": "start"})
MENU = ("меню", None)
HELP = ("помощь", None)
UNKNOWN = ("кукареку фыва", None)
EVERY = (START, MENU, HELP, UNKNOWN)


async def answers(h: Harness, vk_id: int, text: str, payload: dict[str, Any] | None) -> list[str]:
    """What the bot wrote back to this one message (each reply non-empty)."""
    h.replies(vk_id)
    await h.say(vk_id, text, payload)
    found = [m["text"] for m in h.replies(vk_id)]
    assert found, f"the bot said nothing to {text!r}"
    assert all(t.strip() for t in found), f"an empty reply to {text!r}"
    return found


def labels(h: Harness, vk_id: int) -> list[str]:
    return [b["action"].get("label", "") for b in h.buttons(vk_id)]


async def quiet_in_a_chat(h: Harness, *vk_ids: int) -> None:
    """A school chat the bot is in: unknown text and «меню» written there get no reply."""
    chat = await h._post(
        "/chats", {"title": "9А — все вместе", "user_ids": list(vk_ids), "group_ids": [h.group_id]}
    )
    peer = int(chat["peer_id"])
    for vk_id in vk_ids:
        for text in ("кукареку фыва", "меню", "как дела?"):
            await h.say(vk_id, text, peer_id=peer)
    bot = -h.group_id
    for vk_id in vk_ids:
        assert [m for m in h.conversation(vk_id, peer) if m["from_id"] == bot] == []
