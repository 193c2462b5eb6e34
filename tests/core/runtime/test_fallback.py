"""Core's last stop (core/runtime/fallback.py): what no handler took in a private chat gets the
plugin's menu or core's hint, exactly once — never after a handler ran, even one that failed —
and nothing in a group chat."""

from __future__ import annotations

from pathlib import Path

from vkbottle.framework.labeler import BotLabeler
from vkbottle.tools.mini_types.bot import MessageMin

from core.plugins import MenuReason, Plugin
from core.rules import Command
from core.runtime.context import Ctx
from core.texts import CORE_TEXTS
from sferum.testing import bot_harness

labeler = BotLabeler()
asked: list[MenuReason] = []


@labeler.message(Command("boom"))
async def boom(message: MessageMin, cx: Ctx) -> None:
    raise RuntimeError("a bug in a plugin")


@labeler.message(Command("привет"))
async def hello(message: MessageMin, cx: Ctx) -> None:
    await message.answer("и вам привет")


async def menu(message: MessageMin, cx: Ctx, reason: MenuReason) -> None:
    asked.append(reason)
    await message.answer(f"меню пробы ({reason.value})")


PLAIN = Plugin(name="plain_probe", title="Проба", labelers=[labeler], texts=CORE_TEXTS)
WITH_MENU = Plugin(
    name="menu_probe", title="Проба", labelers=[labeler], texts=CORE_TEXTS, menu=menu
)


def texts(h: object, vk: int) -> list[str]:
    return [m["text"] for m in h.replies(vk)]  # type: ignore[attr-defined]


async def test_without_a_menu_core_answers_with_its_hint(tmp_path: Path) -> None:
    async with bot_harness([PLAIN], tmp_path) as h:
        st = h.vk("st10")
        await h.say(st, "кукареку фыва")
        (hint,) = texts(h, st)
        assert hint.startswith("Не понял сообщение.") and "«роль»" in hint
        await h.say(st, "Начать", {"command": "start"})
        (hello,) = texts(h, st)
        assert hello.startswith("Здравствуйте! Я бот школы")
        await h.say(st, "привет")
        assert texts(h, st) == ["и вам привет"]  # a handler took it: no hint after it
        await h.say(st, "boom")
        (error,) = texts(h, st)  # the apology only, not the hint too
        assert "что-то пошло не так" in error
    # A community with no plugin at all still answers.
    async with bot_harness([], tmp_path / "empty") as h:
        await h.say(h.vk("pa00"), "меню")
        assert texts(h, h.vk("pa00"))[0].startswith("Здравствуйте! Я бот школы")


async def test_the_plugins_menu_gets_the_reason(tmp_path: Path) -> None:
    asked.clear()
    async with bot_harness([WITH_MENU], tmp_path) as h:
        st = h.vk("st10")
        for text, payload in (("Начать", {"command": "start"}), ("Меню", None),
                              ("помощь!", None), ("кукареку фыва", None)):  # fmt: skip
            await h.say(st, text, payload)
        assert asked == [MenuReason.START, MenuReason.MENU, MenuReason.HELP, MenuReason.UNKNOWN]
        assert texts(h, st)[-1] == "меню пробы (unknown)"
        # In a group chat: neither the menu nor the hint.
        chat = await h._post(
            "/chats", {"title": "Класс", "user_ids": [st], "group_ids": [h.group_id]}
        )
        peer = int(chat["peer_id"])
        await h.say(st, "меню", peer_id=peer)
        await h.say(st, "кукареку фыва", peer_id=peer)
        assert len(asked) == 4
        assert [m for m in h.conversation(st, peer) if m["from_id"] == -h.group_id] == []
