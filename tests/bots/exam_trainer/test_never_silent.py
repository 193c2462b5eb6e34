"""The trainer is never silent in its own community: «Начать», «меню», «помощь» open its menu,
text it does not take gets a hint and the menu, a stranger is told to verify the role; in a
school chat it says nothing."""

from __future__ import annotations

from pathlib import Path

from bots.exam_trainer import plugin
from sferum.testing import bot_harness
from tests.bots.never_silent import EVERY, UNKNOWN, answers, labels, quiet_in_a_chat

MENU = "Выберите, что делать."


async def test_every_way_in_gets_the_menu(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        student = h.vk("st10")
        for text, payload in EVERY:
            found = await answers(h, student, text, payload)
            assert found[-1].startswith("Тренажёр ОГЭ и ЕГЭ") and found[-1].endswith(MENU)
            assert "Тренироваться" in labels(h, student)
        # Unknown text: the hint comes first, then the menu.
        hint, _menu = await answers(h, student, *UNKNOWN)
        assert hint.startswith("Не понял сообщение")
        # «Начать» greets with what the trainer does.
        (greeting,) = await answers(h, student, "Начать", {"command": "start"})
        assert "ответ проверяется сразу" in greeting
        # A person the school has not verified: a hint, not silence.
        state = h.sandbox.runtime.state
        guest = state.create_user("Гость", "Незнакомый")
        state.set_allowed(state.communities[h.group_id], guest.id, True)
        for text, payload in EVERY:
            assert "подтвердите роль" in (await answers(h, guest.id, text, payload))[-1]


async def test_quiet_in_a_school_chat(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        await quiet_in_a_chat(h, h.vk("st10"), h.vk("smirnova"))
