"""What the handlers share: the texts, dialog step names, payloads, keyboards and small rules.

Every payload of this bot carries the key ``et`` (several plugins share one community); its value
names the action. Labels come from templates/labels.j2.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from typing import Any

from vkbottle.dispatch.rules import ABCRule
from vkbottle.tools.mini_types.bot import MessageMin

from core import keyboards
from core.people import Position, RoleKind
from core.rules import payload_of
from core.runtime.context import Ctx
from core.texts import Texts

TEXTS = Texts.for_package("bots.exam_trainer")
KEY = "et"
FLOW = "exam_trainer."

# Dialog steps.
MENU = FLOW + "menu"
EXAM = FLOW + "exam"
SUBJECT = FLOW + "subject"
PICK = FLOW + "pick"
TOPIC = FLOW + "topic"
TRAIN = FLOW + "train"
PROGRESS = FLOW + "progress"
REMIND = FLOW + "remind"
HOMEWORK = FLOW + "homework"
ASSIGN = FLOW + "assign."
RESULTS = FLOW + "results"
REPORT = FLOW + "report"

# Where "Back" leads: step name -> the function that shows that step (filled by the modules).
StepView = Callable[[MessageMin, Ctx], Awaitable[None]]
BACK: dict[str, StepView] = {}

CLOSE = {KEY: "close"}
TO_MENU = {KEY: "menu"}


def act(action: str, **values: Any) -> dict[str, Any]:
    return {KEY: action, **values}


def back_to(step: str) -> dict[str, Any]:
    return act("back", to=step)


def nav(back: dict[str, Any] | None) -> list[keyboards.Button]:
    return keyboards.nav_row(back, CLOSE, TEXTS)


def keyboard(rows: Sequence[Sequence[keyboards.Button]], *, inline: bool = False) -> str:
    return keyboards.build(rows, inline=inline)


def no_keyboard() -> str:
    return keyboards.build([])


def label(name: str, **values: Any) -> str:
    return TEXTS.label(name, **values)


def day_month(moment: date | datetime) -> str:
    """ "26 ноября" (the month names live in templates/_dates.j2)."""
    module = TEXTS.env.get_template("_dates.j2").module
    return str(module.day_month(moment)).strip()  # type: ignore[attr-defined]


def is_teacher(cx: Ctx) -> bool:
    identity = cx.identity
    return identity.has(RoleKind.STAFF, Position.TEACHER) or identity.has(
        RoleKind.STAFF, Position.CLASS_TEACHER
    )


class Ours(ABCRule[MessageMin]):
    """A button of this bot (its payload has ``et``); passes the payload to the handler."""

    def __init__(self, *actions: str) -> None:
        self.actions = set(actions)

    async def check(self, event: MessageMin) -> bool | dict[str, Any]:
        payload = payload_of(event)
        if KEY not in payload or (self.actions and payload[KEY] not in self.actions):
            return False
        return {"payload": payload}


class Typed(ABCRule[MessageMin]):
    """A typed message, not a button press (of this bot or another): an answer to a task."""

    async def check(self, event: MessageMin) -> bool:
        return not payload_of(event)


def as_int(value: Any) -> int | None:
    """A payload number; buttons can be forged, so anything else is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit() and len(value) < 10:
        return int(value)
    return None
