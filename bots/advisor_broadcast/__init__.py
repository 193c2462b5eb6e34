"""Counsellor broadcasts: compose, preview, schedule and follow broadcasts to the school."""

from vkbottle.tools.mini_types.bot import MessageMin

from core.people import RoleKind
from core.plugins.spec import MenuReason, Plugin
from core.runtime.context import Ctx
from core.runtime.services import Services

from . import handlers, replies
from .shared import FLOW, labeler, texts


async def menu(message: MessageMin, cx: Ctx, reason: MenuReason) -> None:
    """Core asks for the menu («Начать», «меню», «помощь», or what nothing took): staff get the
    counsellor's menu (after a hint when nothing took the message), anyone else the refusal that
    says who the bot is for and how to verify the role."""
    if not cx.identity.has(RoleKind.STAFF):
        await handlers.refuse(message, cx)
        return
    if reason is MenuReason.UNKNOWN:
        await message.answer(texts.render("unknown.j2"))
    await handlers.menu(message, cx)


async def on_startup(services: Services) -> None:
    replies.setup(services)  # held-back answers to recipients are recorded when they go


plugin = Plugin(
    name="advisor_broadcast",
    title="Рассылки советника",
    description="Советник по воспитанию и педагоги сообщают новости школе, классу, родителям.",
    labelers=[labeler],
    texts=texts,
    payload_keys=("ab",),  # every button of the bot: {"ab": action, ...}
    dialog_prefixes=(FLOW,),  # "advisor.": its steps predate the plugin's name
    menu=menu,
    on_startup=on_startup,
)
