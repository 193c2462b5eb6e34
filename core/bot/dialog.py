"""Dialog steps with Back and Cancel built in.

A plugin declares its Back and Cancel payloads and one ``Flow``; each step registers the view that
shows it, with where its Back leads; one ``install`` answers every Back and Cancel::

    class Back(BackTo, key="ab", action="back"): ...
    class Cancel(Payload, key="ab", action="cancel"): ...

    flow = Flow("advisor.", back=Back, cancel=Cancel)

    @flow.step("text", back_to="audience")
    async def ask_text(message: Message, cx: Ctx) -> None:
        await cx.goto("advisor.text")
        await message.answer(..., keyboard=keyboards.build([flow.nav("text", cx)]))

    flow.install(router, InDialog(prefix="advisor."), on_cancel=show_menu)

- ``flow.nav(step, cx)`` is the row «Назад» (to the step's ``back_to``) and «Отмена»; labels
  ``back``/``cancel`` from the flow's ``texts`` (core's labels.j2 by default).
- Back carries the name of the step it leads to (``{"ab": "back", "to": "audience"}``): a Back
  pressed on an older message still leads where its label promised. ``back_to`` is a step name,
  a Payload (the button carries that payload instead, e.g. the menu's), None (no Back button),
  or a function of ``cx`` returning one of those (a step reached in two ways).
- Back runs the view registered for its target; an unknown target (a stale or forged button)
  runs ``on_unknown`` (by default the ``on_cancel`` view).
- Cancel runs ``on_cancel`` (the bot's menu, or a goodbye) and ends the dialog if that view left
  the person in it.

Step names are what the Back button carries: keep them short (VK caps a payload at 255
characters). The views set the dialog step themselves (``cx.goto``): a step may be shown from
many places, not only by Back.

Install the flow before the handlers of its steps: a Back or Cancel press is then taken before
any step handler that takes "anything typed".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from vkbottle.dispatch.rules import ABCRule
from vkbottle.framework.labeler import BotLabeler
from vkbottle.tools.mini_types.bot import MessageMin

from core.keyboards import Button
from core.runtime.context import Ctx
from core.texts import CORE_TEXTS, Texts

from .payload import LooseStr, Payload, PayloadDeclarationError
from .rules import Pressed

__all__ = ["BackTarget", "BackTo", "Flow", "StepView"]

StepView = Callable[[MessageMin, Ctx], Awaitable[None]]
V = TypeVar("V", bound=StepView)
_Target = str | Payload | None
BackTarget = _Target | Callable[[Ctx], _Target]


def _name_of(view: StepView | None) -> str:
    # A module imported again registers its views anew: that is not a second registration.
    return "" if view is None else f"{view.__module__}.{getattr(view, '__qualname__', '')}"


class BackTo(Payload):
    """The base of a flow's Back payload: ``to`` names the step Back leads to."""

    to: LooseStr = None


class Flow:
    """The steps of one dialog of a plugin, their Back targets, and one Back/Cancel handler."""

    def __init__(
        self,
        prefix: str,
        *,
        back: type[BackTo],
        cancel: type[Payload],
        texts: Texts = CORE_TEXTS,
    ) -> None:
        if not issubclass(back, BackTo):
            raise PayloadDeclarationError(f"{back.__qualname__} must subclass core.bot.BackTo")
        back.wire_action()
        cancel.wire_action()
        self.prefix = prefix
        self.back = back
        self.cancel = cancel
        self.texts = texts
        self.views: dict[str, StepView] = {}
        self.back_to: dict[str, BackTarget] = {}

    # --- declaring steps ------------------------------------------------------------------
    def step(self, name: str, *, back_to: BackTarget = None) -> Callable[[V], V]:
        """Register the view that shows step ``name`` (a decorator)."""

        def register(view: V) -> V:
            self.add(name, view, back_to=back_to)
            return view

        return register

    def add(self, name: str, view: StepView | None, *, back_to: BackTarget = None) -> None:
        """Register ``view`` for step ``name`` (for a view declared elsewhere). A step without
        a view has a Back of its own but is no Back target (e.g. a task being answered)."""
        if name in self.back_to and _name_of(self.views.get(name)) != _name_of(view):
            raise ValueError(f"step {name!r} of flow {self.prefix!r} is registered twice")
        self.back(to=name).pack()  # PayloadTooLong now, not when the step is first shown
        if view is not None:
            self.views[name] = view
        self.back_to[name] = back_to

    # --- buttons --------------------------------------------------------------------------
    def back_button(self, to: str | Payload) -> Button:
        payload = to if isinstance(to, Payload) else self.back(to=to)
        return (self.texts.label("back"), payload.pack())

    def cancel_button(self) -> Button:
        return (self.texts.label("cancel"), self.cancel().pack(), "negative")

    def target(self, name: str, cx: Ctx | None = None) -> str | Payload | None:
        """Where Back of step ``name`` leads (for this person, when it depends on the dialog)."""
        target = self.back_to.get(name)
        if callable(target):
            if cx is None:
                raise TypeError(f"Back of step {name!r} depends on the dialog: pass cx")
            return target(cx)
        return target

    def nav(self, name: str, cx: Ctx | None = None) -> list[Button]:
        """The row «Назад» (when step ``name`` has somewhere to go back to) and «Отмена»."""
        return self.nav_to(self.target(name, cx))

    def nav_to(self, target: str | Payload | None) -> list[Button]:
        """The row «Назад» to ``target`` (none when None) and «Отмена»: for a view that works
        out where Back leads itself (e.g. after a query)."""
        row = [] if target is None else [self.back_button(target)]
        row.append(self.cancel_button())
        return row

    # --- answering ------------------------------------------------------------------------
    async def show(self, name: str, message: MessageMin, cx: Ctx) -> bool:
        """Show step ``name``; False when no such step is registered."""
        view = self.views.get(name)
        if view is None:
            return False
        await view(message, cx)
        return True

    def install(
        self,
        router: BotLabeler,
        *rules: ABCRule[Any],
        on_cancel: StepView | None = None,
        on_unknown: StepView | None = None,
    ) -> None:
        """Register the Back and the Cancel handlers on ``router``, under ``rules`` besides the
        press itself (e.g. ``PrivateChat()``, ``InDialog(prefix=...)``)."""
        unknown = on_unknown or on_cancel

        async def go_back(message: MessageMin, cx: Ctx, payload: BackTo) -> None:
            if payload.to is not None and await self.show(payload.to, message, cx):
                return
            if unknown is not None:
                await unknown(message, cx)

        async def cancel(message: MessageMin, cx: Ctx) -> None:
            if on_cancel is not None:
                await on_cancel(message, cx)
            if cx.dialog.in_flow(self.prefix):
                await cx.finish()

        router.message(*rules, Pressed(self.back))(go_back)
        router.message(*rules, Pressed(self.cancel))(cancel)
