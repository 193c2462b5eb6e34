"""Steps of the compose dialog that the counsellor's bot tests take through the sandbox."""

from __future__ import annotations

from sferum.testing import Harness


async def taps(h: Harness, vk_id: int, *labels: str) -> None:
    """Press these buttons one after another, as a person would."""
    for label in labels:
        await h.tap(vk_id, label)


async def start(h: Harness, key: str) -> int:
    """The demo person opens the menu and starts a new broadcast; returns their VK id."""
    vk_id = h.vk(key)
    await h.say(vk_id, "меню")
    await h.tap(vk_id, "Новая рассылка")
    return vk_id


async def compose_to(h: Harness, key: str, *audience: str) -> int:
    """Start a new broadcast and press the audience's buttons; returns the person's VK id."""
    vk_id = await start(h, key)
    await taps(h, vk_id, *audience)
    return vk_id


async def send_now(h: Harness, vk_id: int) -> str:
    """From the preview: «Дальше», «Отправить сейчас»; the confirmation's text (not confirmed)."""
    await taps(h, vk_id, "Дальше", "Отправить сейчас")
    return str(h.last_reply(vk_id)["text"])
