"""The Rosobrnadzor helper is never silent: «Начать», «меню», «помощь» open its menu for teachers
(typed questions stay questions), anyone else learns it is for teachers and how to verify the
role; in a school chat it says nothing."""

from __future__ import annotations

from pathlib import Path

from bots.rosobrnadzor_helper import plugin
from sferum.testing import bot_harness
from tests.bots.never_silent import EVERY, UNKNOWN, answers, labels, quiet_in_a_chat

MENU = "Я помощник по вопросам Рособрнадзора"


async def test_every_way_in_gets_the_menu_or_the_way_to_it(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        teacher = h.vk("smirnova")
        for text, payload in EVERY[:3]:
            (menu,) = await answers(h, teacher, text, payload)
            assert MENU in menu, text
            assert "Спросить специалиста" in labels(h, teacher)
        # Text the knowledge base does not know is still a question, answered with the way on.
        (reply,) = await answers(h, teacher, *UNKNOWN)
        assert MENU not in reply and "Спросить специалиста" in labels(h, teacher)
        # A button no bot here knows (an old keyboard) is no question: the hint and the menu.
        hint, menu = await answers(h, teacher, "Старая кнопка", {"zz": 1})
        assert hint.startswith("Не понял сообщение") and MENU in menu
        for who in ("st10", "pa00"):
            for text, payload in EVERY:
                (refusal,) = await answers(h, h.vk(who), text, payload)
                assert "работает для педагогов" in refusal and "роль" in refusal, (who, text)


async def test_quiet_in_a_school_chat(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        await quiet_in_a_chat(h, h.vk("smirnova"), h.vk("st10"))
