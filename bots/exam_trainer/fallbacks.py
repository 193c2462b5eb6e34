"""What this bot answers when nothing else of it matched; registered after all its handlers."""

from __future__ import annotations

import functools
import operator

from vkbottle.framework.labeler import BotLabeler
from vkbottle.tools.mini_types.bot import MessageMin

from core.rules import InDialog, PrivateChat
from core.runtime.context import Ctx

from . import ui
from .training import show_menu
from .ui import TEXTS, Ours, Typed

# Registered last. A step where the student only rests (the menu, a report) does not hold typed
# text: the trainer steps aside, so that another bot of the community can take it. In a step that
# waits for a choice, typed text gets a hint instead of silence. Buttons of other bots are never
# held: only typed text and this bot's own payloads are answered here.
labeler = BotLabeler()
RESTING = functools.reduce(
    operator.or_,
    [InDialog(step) for step in (ui.MENU, ui.PROGRESS, ui.HOMEWORK, ui.RESULTS, ui.REPORT)],
)


@labeler.message(PrivateChat() & Ours())
async def stale_button(message: MessageMin, cx: Ctx) -> None:
    await message.answer(TEXTS.render("stale.j2"))
    await show_menu(message, cx)


@labeler.message(PrivateChat() & Typed() & RESTING, blocking=False)
async def step_aside(message: MessageMin, cx: Ctx) -> None:
    await cx.finish()


@labeler.message(PrivateChat() & Typed() & InDialog(prefix=ui.FLOW))
async def use_buttons(message: MessageMin, cx: Ctx) -> None:
    await message.answer(TEXTS.render("use_buttons.j2"))
