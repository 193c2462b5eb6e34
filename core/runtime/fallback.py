"""Never silent, never a dead end: «Начать», «меню», «помощь» and whatever nothing took.

Two steps of the order in core/runtime/routing.py:

- ``Navigation`` (after core's handlers, before the plugins'): in a private chat a navigation
  word or VK's start button opens the main plugin's menu (``Plugin.menu``). A dialog of another
  plugin ends first — the person asked for the menu. Without a menu hook the words go on to the
  plugins like any text.
- ``Fallback`` (after every plugin): in a private chat, a message no handler ran for gets the
  menu of the last plugin it was routed to (``MenuReason.UNKNOWN``, or the word's reason), or
  core's own hint. Group chats get nothing: there bots answer only what is addressed to them.

Both are plain vkbottle handlers so that a later plugin API (per-plugin routers) can keep them as
the first and last stop of a community.
"""

from __future__ import annotations

from typing import Any

from vkbottle.dispatch.handlers import ABCHandler
from vkbottle.tools.mini_types.bot import MessageMin

from core import keyboards
from core.org_appeals import handlers as org_appeals
from core.plugins.spec import MenuReason
from core.texts import CORE_TEXTS

from .routing import ROUTED, Routed, Routes


def _untaken(context: dict[str, Any] | None) -> Routed | None:
    """The routing of a private message no handler has taken yet (None: any other message)."""
    routed = (context or {}).get(ROUTED)
    if isinstance(routed, Routed) and routed.private and not routed.taken:
        return routed
    return None


class _Step(ABCHandler[MessageMin]):
    """A step of the order over the community's routes; it stops the order where it runs."""

    blocking = True

    def __init__(self, routes: Routes) -> None:
        self.routes = routes

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class Navigation(_Step):
    async def filter(self, event: MessageMin, context: dict[str, Any] | None = None) -> bool:
        routed = _untaken(context)
        return (
            routed is not None and routed.nav is not None and self.routes.main in self.routes.menus
        )

    async def handle(self, event: MessageMin, **context: Any) -> None:
        routed: Routed = context[ROUTED]
        routed.taken = True
        main = self.routes.main
        assert main is not None and routed.nav is not None  # filter checked both
        cx = context["cx"]
        if routed.owner is not None and routed.owner != main:
            await cx.finish()
        await self.routes.menus[main](event, cx, routed.nav)


class Fallback(_Step):
    async def filter(self, event: MessageMin, context: dict[str, Any] | None = None) -> bool:
        return _untaken(context) is not None

    async def handle(self, event: MessageMin, **context: Any) -> None:
        routed: Routed = context[ROUTED]
        routed.taken = True
        reason = routed.nav or MenuReason.UNKNOWN
        hook = self.routes.menus.get(routed.last or "")
        cx = context.get("cx")
        # «обращение» no bot took: an appeal to the person's organisation (core/org_appeals).
        if cx is not None and await org_appeals.take_unclaimed(event, cx):
            return
        if hook is not None and cx is not None:
            await hook(event, cx, reason)
            return
        can_write = cx is not None and bool(cx.identity.roles)
        await event.answer(
            CORE_TEXTS.render("fallback.j2", reason=reason.value, can_write=can_write),
            keyboard=keyboards.build([[org_appeals.write_button()]]) if can_write else None,
        )
