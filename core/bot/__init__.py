"""Everything a bot's handlers need, from one place: a plugin imports nothing from vkbottle.

    from core.bot import Ctx, Message, Payload, Pressed, Router, keyboards

    class Hello(Payload, key="hi", action="hello"):
        n: int = 0

    router = Router()

    @router.message(PrivateChat() & Pressed(Hello))
    async def hello(message: Message, cx: Ctx, payload: Hello) -> None:
        ...

- ``Message`` is the message a handler gets, ``MessageEvent`` a callback-button press
  (``router.raw_event(GroupEventType.MESSAGE_EVENT, MessageEvent, rule)``).
- ``Router`` collects a plugin's handlers (``Plugin.labelers``); it is vkbottle's BotLabeler.
- Payloads: ``Payload`` (core/bot/payload.py); rules: ``Pressed``, ``PayloadOf``, ``Typed`` and
  core's ``Command``, ``HasRole``, ``InDialog``, ``PayloadHas``, ``PrivateChat``,
  ``TextMatches``; they combine with ``&``, ``|``, ``~``.
- Dialog steps with Back and Cancel: ``Flow`` (core/bot/dialog.py).
- Keyboards: the ``keyboards`` module and its ``Button``, ``Link``, ``build``, ``chunk``,
  ``nav_row``, ``paged``.
"""

from vkbottle.bot import MessageEvent
from vkbottle.dispatch.rules import ABCRule
from vkbottle.framework.labeler import BotLabeler as Router
from vkbottle.tools.mini_types.bot import MessageMin as Message
from vkbottle_types.events import GroupEventType

from core import keyboards
from core.keyboards import Button, KeyboardError, Link, build, chunk, nav_row, paged
from core.people import Position, RoleKind
from core.plugins.spec import MenuReason, Plugin, ScheduledJob
from core.rules import Command, HasRole, InDialog, PayloadHas, PrivateChat, TextMatches
from core.runtime.context import Ctx
from core.runtime.services import Services
from core.scheduling.queue import Job
from core.texts import Texts

from .dialog import BackTarget, BackTo, Flow, StepView
from .payload import (
    LooseInt,
    LooseStr,
    Paging,
    Payload,
    PayloadDeclarationError,
    PayloadTooLong,
    payload_classes,
)
from .rules import PayloadOf, Pressed, Typed

__all__ = [
    "ABCRule",
    "BackTarget",
    "BackTo",
    "Button",
    "Command",
    "Ctx",
    "Flow",
    "GroupEventType",
    "HasRole",
    "InDialog",
    "Job",
    "KeyboardError",
    "Link",
    "LooseInt",
    "LooseStr",
    "MenuReason",
    "Message",
    "MessageEvent",
    "Paging",
    "Payload",
    "PayloadDeclarationError",
    "PayloadHas",
    "PayloadOf",
    "PayloadTooLong",
    "Plugin",
    "Position",
    "Pressed",
    "PrivateChat",
    "RoleKind",
    "Router",
    "ScheduledJob",
    "Services",
    "StepView",
    "TextMatches",
    "Texts",
    "Typed",
    "build",
    "chunk",
    "keyboards",
    "nav_row",
    "paged",
    "payload_classes",
]
