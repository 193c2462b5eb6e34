"""«журнал» / «дневник» in a private chat: a button that opens the e-journal mini-app.

The mini-app itself tells an unlinked person how to link their account, so the bot does not
check roles here; everyone gets the same button.
"""

from __future__ import annotations

from vkbottle import Keyboard, VKApps
from vkbottle.framework.labeler import BotLabeler
from vkbottle.tools.mini_types.bot import MessageMin

from core.rules import Command, PrivateChat
from core.runtime.context import Ctx
from core.texts import CORE_TEXTS as T

labeler = BotLabeler()
APP_HASH = "journal"


def journal_keyboard(app_id: int, group_id: int) -> str:
    keyboard = Keyboard(inline=True)
    keyboard.add(VKApps(app_id, -group_id, label=T.label("open_journal")[:40], hash=APP_HASH))
    return keyboard.get_json()


@labeler.message(Command("journal", "журнал", "дневник", "электронный журнал") & PrivateChat())
async def journal(message: MessageMin, cx: Ctx) -> None:
    await message.answer(
        T.render("journal.j2"),
        keyboard=journal_keyboard(cx.services.settings.vk_app_id, cx.group_id),
    )
