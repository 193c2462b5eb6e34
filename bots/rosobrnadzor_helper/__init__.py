"""Помощник по вопросам Рособрнадзора: a teacher asks in their own words and gets the best entries
of a knowledge base with the legal source of each; when nothing fits, an appeal goes to the
operators, with the deadlines of 59-ФЗ and reminders before them.

Modules: ``analysis`` (stemming, synonyms, typos), ``kb`` (entries, search, bm25), ``kb_search``
(the full-text index: FTS5 on SQLite, a tsvector on PostgreSQL), ``kb_import`` (YAML/CSV files),
``appeals`` (the appeal lifecycle; ``list_queue``/``get_appeal`` for the mini-app), ``desk``
(messages and jobs around appeals), ``questions``, ``appeal_dialog``, ``operators`` and ``gate``
(handlers), ``miniapp_pages`` (the operators' pages of the mini-app), ``cli`` (``sferum kb``).
"""

from __future__ import annotations

from vkbottle.tools.mini_types.bot import MessageMin

from core.people import RoleKind
from core.plugins import MenuReason, Plugin, Provide
from core.runtime.context import Ctx
from core.runtime.services import Services

from . import appeal_dialog, gate, operators, questions  # noqa: F401 - they register handlers
from .cli import register as commands
from .desk import DESK, NAME, Desk, desk_of
from .miniapp_pages import HOME
from .miniapp_pages import setup as miniapp_pages
from .ui import LABELERS, T


async def on_startup(services: Services) -> None:
    desk = desk_of(services, T)
    desk.register_jobs()
    # The shipped knowledge base goes in on first start; later imports come from `sferum kb import`.
    await desk.kb.ensure_ready()


async def menu(message: MessageMin, cx: Ctx, reason: MenuReason) -> None:
    """Core asks for the menu («Начать», «меню», «помощь», or what nothing took — a teacher's
    typed question never gets here, ``questions.question`` takes it). The helper is for staff:
    anyone else is told so and how to verify the role."""
    if not cx.identity.has(RoleKind.STAFF):
        await message.answer(T.render("not_staff.j2", has_person=cx.identity.person is not None))
        return
    if reason is MenuReason.UNKNOWN:
        await message.answer(T.render("unknown.j2"))
    await questions.menu(message, cx)


async def demo(services: Services, group_id: int) -> None:
    from .demo import load_demo_appeals

    await load_demo_appeals(services, group_id)


plugin = Plugin(
    name=NAME,
    title="Помощник Рособрнадзора",
    labelers=list(LABELERS),
    texts=T,
    migrations_package=__name__,
    on_startup=on_startup,
    demo=demo,
    description="Ответы учителям по базе знаний с источниками; обращения к операторам по 59-ФЗ.",
    commands=(commands,),  # sferum kb import|search
    # The operators' queue in the mini-app (/appeals) and its link on the home page.
    miniapp_routes=(miniapp_pages,),
    home_links=(HOME,),
    demo_chats=("demo:chat-operators",),  # the embedded sandbox adds the bot to this chat
    provides=(Provide(DESK, lambda services: Desk(services, T)),),
    payload_keys=("rb",),  # every button of the helper: {"rb": action, ...}
    menu=menu,
)
