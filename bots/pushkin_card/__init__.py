"""«Пушкинская карта»: the region's events eligible for the card, soonest first, with filters,
favourites and reminders, a weekly digest, the FAQ, and teachers' recommendations to a class."""

from __future__ import annotations

from vkbottle.tools.mini_types.bot import MessageMin

from core.plugins import MenuReason, Plugin, Provide
from core.runtime.context import Ctx
from core.runtime.services import Services

from .cli import register as commands
from .demo import load_demo_events
from .digest import DIGEST
from .favourites import REMIND
from .handlers import labeler
from .handlers.menu import show_menu
from .kit import KIT, Kit
from .settings import PushkinSettings
from .ui import T


async def on_startup(services: Services) -> None:
    kit = Kit.of(services)
    services.jobs.register(REMIND, kit.favourites.fire)
    services.jobs.register(DIGEST, kit.digest.fire)


async def menu(message: MessageMin, cx: Ctx, reason: MenuReason) -> None:
    """Core asks for the menu («Начать», «меню», «помощь», or what nothing took: a hint first)."""
    if reason is MenuReason.UNKNOWN:
        await message.answer(T.render("unknown.j2"))
    await show_menu(message, cx)


async def demo(services: Services, group_id: int) -> None:
    """The embedded sandbox gets the demo afisha once, moved to the week it starts in."""
    await load_demo_events(services.db, services.clock)


plugin = Plugin(
    name="pushkin_card",
    title="Пушкинская карта",
    labelers=[labeler],
    texts=T,
    migrations_package="bots.pushkin_card",
    settings_model=PushkinSettings,  # [bots.pushkin_card], SFERUM_PUSHKIN_CARD_*
    provides=(Provide(KIT, Kit.build),),
    commands=(commands,),  # sferum events import
    on_startup=on_startup,
    demo=demo,
    description="Афиша мероприятий по Пушкинской карте, избранное, подборки и рекомендации классу.",
    payload_keys=("pk",),  # every button of the plugin: {"pk": action, ...}
    menu=menu,
)
