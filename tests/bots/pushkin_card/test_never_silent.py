"""«Пушкинская карта» is never silent: «Начать», «меню», «помощь» open the afisha's menu, text it
does not take gets a hint and the menu; in a school chat it says nothing."""

from __future__ import annotations

from pathlib import Path

from bots.pushkin_card import plugin
from sferum.testing import bot_harness
from tests.bots.never_silent import EVERY, UNKNOWN, answers, labels, quiet_in_a_chat


async def test_every_way_in_gets_the_menu(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        for who in ("st10", "pa00", "smirnova"):
            vk = h.vk(who)
            for text, payload in EVERY:
                found = await answers(h, vk, text, payload)
                assert found[-1].startswith("🎫 Пушкинская карта"), (who, text)
                assert "🎭 Афиша" in labels(h, vk)
        hint, _menu = await answers(h, h.vk("st10"), *UNKNOWN)
        assert hint.startswith("Не понял сообщение")
        # A search step takes typed text itself (not the fallback).
        student = h.vk("st10")
        await h.tap(student, "Поиск по названию")
        found = await answers(h, student, "кукареку", None)
        assert not found[-1].startswith("Не понял")


async def test_quiet_in_a_school_chat(tmp_path: Path) -> None:
    async with bot_harness([plugin], tmp_path) as h:
        await quiet_in_a_chat(h, h.vk("st10"), h.vk("pa00"))
