"""What this bot answers when nothing else of it matched (registered after all its handlers), and
its menu hook, which core calls for «Начать», «меню», «помощь» and for what nothing took.

Core routes typed text to the plugin whose dialog the person is in, then to the community's main
plugin (core/runtime/routing.py). A step where the student only rests (the menu, a report) holds
no typed text: nothing here takes it, so core passes it on — to the main plugin of a shared
community (ending this dialog first), or, in the trainer's own community, to ``menu`` below with
a hint. In a step that waits for a choice, typed text gets a hint instead of silence. Buttons of
other bots never reach this plugin.
"""

from __future__ import annotations

import functools
import operator

from core.bot import Ctx, InDialog, MenuReason, Message, PayloadOf, PrivateChat, Router, Typed

from . import ui
from .training import show_menu
from .ui import TEXTS

labeler = Router()
RESTING_STEPS = (ui.MENU, ui.PROGRESS, ui.HOMEWORK, ui.RESULTS, ui.REPORT)
RESTING = functools.reduce(operator.or_, [InDialog(step) for step in RESTING_STEPS])


# Any button of the trainer nothing above took: one of an older version, or of a step gone.
@labeler.message(PrivateChat() & PayloadOf(ui.KEY))
async def stale_button(message: Message, cx: Ctx) -> None:
    await message.answer(TEXTS.render("stale.j2"))
    await show_menu(message, cx)


@labeler.message(PrivateChat() & Typed() & InDialog(prefix=ui.FLOW) & ~RESTING)
async def use_buttons(message: Message, cx: Ctx) -> None:
    await message.answer(TEXTS.render("use_buttons.j2"))


async def menu(message: Message, cx: Ctx, reason: MenuReason) -> None:
    """The plugin's ``menu``: the trainer's menu, after a short hint when nothing took the
    message (someone the trainer does not know yet gets the hint to verify the role instead).
    What nothing took in the middle of a task (a button of a bot not in this community) gets
    the hint alone: the task stays open."""
    if reason is MenuReason.UNKNOWN:
        busy = cx.dialog.in_flow(ui.FLOW) and cx.dialog.step not in RESTING_STEPS
        if busy:
            await message.answer(TEXTS.render("unknown.j2", busy=True))
            return
        if cx.person_id is not None:
            await message.answer(TEXTS.render("unknown.j2", busy=False))
    await show_menu(message, cx, greeting=reason in (MenuReason.START, MenuReason.HELP))
