"""What the handlers share: the labeler, texts, rules, payloads, keyboards.

Every button of this bot carries ``{"rb": action, ...}`` so it never collides with another plugin's
buttons in a shared community.
"""

from __future__ import annotations

from typing import Any

from vkbottle.dispatch.rules import ABCRule
from vkbottle.framework.labeler import BotLabeler
from vkbottle.tools.mini_types.bot import MessageMin

from core import keyboards
from core.keyboards import Button
from core.people import Position, RoleKind
from core.rules import HasRole, payload_of
from core.runtime.context import Ctx
from core.texts import Texts

from .desk import NAME, Desk, desk_of

T = Texts.for_package(__package__)
# Handlers are matched in this order (the first match wins): refusals for people the helper is not
# for; buttons and commands, which work from anywhere; the steps of dialogs; and last the teacher's
# free-form question, the catch-all of a teacher's private chat.
gate = BotLabeler()
actions = BotLabeler()
steps = BotLabeler()
fallback = BotLabeler()
LABELERS = (gate, actions, steps, fallback)

PREFIX = f"{NAME}."
APPEAL = f"{NAME}.appeal."
OPERATOR = f"{NAME}.op."

Staff = HasRole(RoleKind.STAFF)
Operator = HasRole(RoleKind.STAFF, Position.OPERATOR)

LAST_QUESTION = "lastq:{}"

# Typed commands (payload buttons carry {"cmd": name} instead).
MENU_WORDS = ("помощник", "рособрнадзор", "помощник рособрнадзора", "меню помощника")
APPEAL_WORDS = ("обращение", "написать обращение", "подать обращение", "спросить специалиста")
MINE_WORDS = ("мои обращения",)
QUEUE_WORDS = ("очередь", "очередь обращений")
OPERATOR_ACTIONS = frozenset(
    {
        "queue",
        "op_card",
        "op_take",
        "op_release",
        "op_answer",
        "op_extend",
        "op_send",
        "op_days",
        "op_find",
    }
)

CANCEL: dict[str, Any] = {"rb": "cancel"}
BACK: dict[str, Any] = {"rb": "back"}
MAX_LABEL = 40


class Ours(ABCRule[MessageMin]):
    """A button of this bot: the payload carries ``rb``; the payload goes to the handler."""

    async def check(self, event: MessageMin) -> bool | dict[str, Any]:
        payload = payload_of(event)
        return {"payload": payload} if "rb" in payload else False


class PlainText(ABCRule[MessageMin]):
    """Typed text, not a button of any bot."""

    async def check(self, event: MessageMin) -> bool:
        return bool((event.text or "").strip()) and not payload_of(event)


class OperatorAction(ABCRule[MessageMin]):
    """A button only operators may press."""

    async def check(self, event: MessageMin) -> bool:
        return payload_of(event).get("rb") in OPERATOR_ACTIONS


def desk(cx: Ctx) -> Desk:
    return desk_of(cx.services, T)


def short(title: str) -> str:
    """A button label from a title: VK cuts labels at 40 characters, we cut at a word."""
    if len(title) <= MAX_LABEL:
        return title
    cut = title[: MAX_LABEL - 1].rsplit(" ", 1)[0].rstrip(",:;—-")
    return cut + "…"


def nav(back: dict[str, Any] | None = BACK) -> list[Button]:
    return keyboards.nav_row(back, CANCEL, T)


def inline(rows: list[list[Button]]) -> str:
    return keyboards.build(rows, inline=True)


async def leave_dialog(cx: Ctx) -> None:
    """A button from outside the current step of this bot's dialog ends that dialog."""
    if cx.dialog.in_flow(PREFIX):
        await cx.finish()


def menu_keyboard(operator: bool) -> str:
    rows: list[list[Button]] = [
        [
            (T.label("ask_specialist"), {"rb": "appeal"}, "primary"),
            (T.label("my_appeals"), {"rb": "mine"}),
        ]
    ]
    if operator:
        rows.append([(T.label("queue"), {"rb": "queue"})])
    return inline(rows)


def int_arg(payload: dict[str, Any], key: str) -> int:
    """An integer from a payload (0 when missing or not a number: it then matches nothing)."""
    value = payload.get(key)
    try:
        return int(value) if value is not None else 0
    except (TypeError, ValueError):
        return 0
