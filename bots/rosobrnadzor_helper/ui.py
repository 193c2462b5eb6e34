"""What the handlers share: the labeler, texts, rules, payloads, keyboards.

Every button of this bot carries ``{"rb": action, ...}``: the classes of payloads.py.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from core.bot import (
    Button,
    Ctx,
    HasRole,
    Message,
    PayloadOf,
    Position,
    Pressed,
    RoleKind,
    Router,
    TextMatches,
    Texts,
    Typed,
    keyboards,
)

from .appeals import AppealError
from .desk import NAME, Desk, desk_of
from .payloads import KEY, OPERATOR_PAYLOADS, Back, Cancel, MyAppeals, Queue, Rb, StartAppeal

T = Texts.for_package(__package__)
# Handlers are matched in this order (the first match wins): refusals for people the helper is not
# for; buttons and commands, which work from anywhere; the steps of dialogs; and last the teacher's
# free-form question, the catch-all of a teacher's private chat.
gate = Router()
actions = Router()
steps = Router()
fallback = Router()
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
MAX_LABEL = 40


CANCEL = Cancel().pack()
BACK = Back()

# --- rules -------------------------------------------------------------------------------------
# A button of this bot, whatever its action (an old version's included).
Ours = PayloadOf(KEY)
# Typed text, not a button of any bot.
PlainText = Typed() & TextMatches(r"\S")
# A button only operators may press.
OperatorAction = Pressed(*OPERATOR_PAYLOADS)


def desk(cx: Ctx) -> Desk:
    return desk_of(cx.services, T)


R = TypeVar("R")


async def attempt(message: Message, action: Awaitable[R]) -> R | None:
    """What ``action`` (a call of the appeals' store or desk) returns; when it refuses
    (AppealError), the person is told why and the result is None."""
    try:
        return await action
    except AppealError as exc:
        await message.answer(T.label(f"err_{exc.reason}"))
        return None


def short(title: str) -> str:
    """A button label from a title: VK cuts labels at 40 characters, we cut at a word."""
    if len(title) <= MAX_LABEL:
        return title
    cut = title[: MAX_LABEL - 1].rsplit(" ", 1)[0].rstrip(",:;—-")
    return cut + "…"


def nav(back: Rb | None = BACK) -> list[Button]:
    """Back (to where ``back`` leads) and Cancel."""
    return keyboards.nav_row(back.pack() if back else None, CANCEL, T)


def inline(rows: list[list[Button]]) -> str:
    return keyboards.build(rows, inline=True)


async def leave_dialog(cx: Ctx) -> None:
    """A button from outside the current step of this bot's dialog ends that dialog."""
    if cx.dialog.in_flow(PREFIX):
        await cx.finish()


def menu_keyboard(operator: bool) -> str:
    rows: list[list[Button]] = [
        [
            (T.label("ask_specialist"), StartAppeal().pack(), "primary"),
            (T.label("my_appeals"), MyAppeals().pack()),
        ]
    ]
    if operator:
        rows.append([(T.label("queue"), Queue().pack())])
    return inline(rows)
