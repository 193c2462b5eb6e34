"""The counsellor's bot is never silent: «Начать», «меню», «помощь» open the menu for staff, text it
does not take gets a hint and the menu, anyone else learns who the bot is for and how to verify
the role; in a school chat it says nothing."""

from __future__ import annotations

from pathlib import Path

from bots.advisor_broadcast import plugin
from sferum.testing import bot_harness
from tests.bots.never_silent import EVERY, UNKNOWN, answers, labels, quiet_in_a_chat


async def test_every_way_in_gets_the_menu_or_the_way_to_it(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        counsellor = h.vk("volkova")
        for text, payload in EVERY:
            found = await answers(h, counsellor, text, payload)
            assert "Анна, здравствуйте" in found[-1], text
            assert "Новая рассылка" in labels(h, counsellor)
        hint, _menu = await answers(h, counsellor, *UNKNOWN)
        assert hint.startswith("Не понял сообщение")
        for who in ("st10", "pa00"):
            for text, payload in EVERY:
                (refusal,) = await answers(h, h.vk(who), text, payload)
                assert "подтвердите роль" in refusal, (who, text)


async def test_quiet_in_a_school_chat(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        await quiet_in_a_chat(h, h.vk("volkova"), h.vk("st10"))
