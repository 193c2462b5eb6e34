"""All four bots behind ONE token, as a school with one VK community would run them: `sferum run`
from a [communities] table against the sandbox as VK. Each bot's buttons reach that bot, typed
text reaches only the main bot (or the bot whose dialog the person is in), and «Начать», «меню»,
«помощь» open the main bot's menu."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from core.clock import ManualClock, SystemClock
from core.config import load_settings
from core.demo.district import build
from core.demo.loader import load_demo
from sandbox.app import start_sandbox
from sandbox.config import SandboxConfig
from sandbox.seed import seed_demo
from sferum.app import start
from sferum.testing import DEFAULT_START, Harness

from .config_file import sferum_toml

BOTS = ("advisor_broadcast", "exam_trainer", "pushkin_card", "rosobrnadzor_helper")
TRAINER_MENU = "Тренажёр ОГЭ и ЕГЭ."
HELPER_MENU = "Я помощник по вопросам Рособрнадзора"
NOT_FOR_STUDENTS = "Помощник по вопросам Рособрнадзора работает для педагогов"


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[Harness]:
    clock = ManualClock(DEFAULT_START)
    sandbox = await start_sandbox(
        SandboxConfig(background_tasks=False, rate_limit=None),
        clock=clock,
        limit_clock=SystemClock(),
    )
    state = sandbox.runtime.state
    vk = state.create_community("Школа № 112")
    seed_demo(state)
    for user_id in build().vk_ids().values():
        state.set_allowed(vk, user_id, True)
    school = f"""
[communities.school]
token = "{vk.access_token}"
group_id = {vk.id}
plugins = {list(BOTS)!r}
main = "rosobrnadzor_helper"
""".replace("'", '"')
    config = sferum_toml(tmp_path, sandbox.api_url, school)
    running = await start(load_settings({}, config), clock=clock)
    try:
        (community,) = running.communities
        assert [p.name for p in community.plugins] == list(BOTS)
        await load_demo(running.services.people)  # real VK: no demo is loaded by itself
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while not vk.events._keys:  # the bot's long poll asked for its server
            assert loop.time() < deadline, "the bot did not connect to the long poll"
            await asyncio.sleep(0.005)
        async with aiohttp.ClientSession() as http:
            yield Harness(sandbox, running.services, community, clock, http, vk.events.next_ts)
    finally:
        state.wake_all()
        await running.stop()
        await sandbox.stop()


def texts(h: Harness, vk_id: int) -> list[str]:
    return [m["text"] for m in h.replies(vk_id)]


async def test_buttons_reach_their_own_bot(h: Harness) -> None:
    student, counsellor = h.vk("st10"), h.vk("volkova")
    await h.say(student, "Тренажёр", {"et": "menu"})
    assert TRAINER_MENU in texts(h, student)[-1]
    await h.say(student, "Афиша", {"pk": "menu"})
    assert texts(h, student)[-1].startswith("🎫 Пушкинская карта")
    await h.say(counsellor, "Меню", {"ab": "menu"})
    assert "здравствуйте! Я помогу сообщить новости" in texts(h, counsellor)[-1]
    teacher = h.vk("smirnova")
    await h.say(teacher, "Мои обращения", {"rb": "mine"})
    (mine,) = texts(h, teacher)
    assert HELPER_MENU not in mine and "обращ" in mine.lower()


async def test_typed_text_reaches_only_the_main_bot(h: Harness) -> None:
    teacher = h.vk("smirnova")
    await h.say(teacher, "как подать апелляцию на результаты ЕГЭ?")
    (answer,) = texts(h, teacher)
    assert "апелляц" in answer.lower()
    # The trainer's own word is typed text here: the helper (main) answers it, alone.
    await h.say(teacher, "тренажёр")
    (reply,) = texts(h, teacher)
    assert TRAINER_MENU not in reply
    # «Начать», «меню», «помощь»: the main bot's menu, whoever asks.
    for text, payload in (("Начать", {"command": "start"}), ("меню", None), ("помощь", None)):
        await h.say(teacher, text, payload)
        assert HELPER_MENU in texts(h, teacher)[-1]
    counsellor = h.vk("volkova")
    await h.say(counsellor, "меню")
    (menu,) = texts(h, counsellor)
    assert HELPER_MENU in menu  # not the counsellor bot's, though she is its user too
    student = h.vk("st10")
    await h.say(student, "меню")
    assert texts(h, student) == [texts_of_refusal(h)]


def texts_of_refusal(h: Harness) -> str:
    from bots.rosobrnadzor_helper.ui import T

    return T.render("not_staff.j2", has_person=True)


async def test_a_dialog_holds_its_typed_text_and_lets_go_of_the_rest(h: Harness) -> None:
    student = h.vk("st10")
    await h.say(student, "Тренажёр", {"et": "menu"})
    await h.tap(student, "Тренироваться")
    h.replies(student)
    # The trainer waits for a choice: its dialog takes typed text before the main bot.
    await h.say(student, "хочу математику")
    assert texts(h, student) == [
        "Пожалуйста, выберите вариант кнопкой ниже. Чтобы выйти из тренажёра, нажмите «Закрыть»."
    ]
    # In its menu the trainer holds nothing: the main bot gets the text, the trainer's dialog
    # ends (the person moved on), and nothing of the trainer answers.
    await h.tap(student, "← Назад")
    h.replies(student)
    await h.say(student, "когда каникулы?")
    assert texts(h, student) == [texts_of_refusal(h)]
    assert (await h.services.dialogs.load(h.group_id, student)).step is None
    # «меню» in the middle of another bot's dialog: the main bot's menu, that dialog ends.
    await h.say(student, "Тренажёр", {"et": "menu"})
    await h.tap(student, "Тренироваться")
    await h.say(student, "меню")
    assert texts(h, student)[-1] == texts_of_refusal(h)
    assert (await h.services.dialogs.load(h.group_id, student)).step is None


async def test_a_counsellors_broadcast_dialog_keeps_its_text(h: Harness) -> None:
    counsellor = h.vk("volkova")
    await h.say(counsellor, "Новая рассылка", {"ab": "new"})
    await h.tap(counsellor, "Вся школа")
    h.replies(counsellor)
    await h.say(counsellor, "Завтра субботник в 10:00")
    (preview,) = texts(h, counsellor)
    assert "Завтра субботник" in preview and HELPER_MENU not in preview
