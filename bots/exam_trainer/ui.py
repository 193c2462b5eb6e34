"""What the handlers share: the texts, dialog step names, the dialog's Back/Close, keyboards.

Payloads are declared in payloads.py (every one carries the key ``et``); labels come from
templates/labels.j2.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.bot import Ctx, Flow, Position, RoleKind, Texts, keyboards
from core.russian_dates import day_month as day_month  # "26 ноября", as every part writes dates

from .payloads import KEY as KEY
from .payloads import Back, Close

TEXTS = Texts.for_package("bots.exam_trainer")
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

# Every step's «Назад» and «Закрыть» (the modules register their steps; training.py installs it).
# Back carries the full step name it leads to: {"et": "back", "to": "exam_trainer.pick"}.
flow = Flow(FLOW, back=Back, cancel=Close, texts=TEXTS)


def keyboard(rows: Sequence[Sequence[keyboards.Button]], *, inline: bool = False) -> str:
    return keyboards.build(rows, inline=inline)


def no_keyboard() -> str:
    return keyboards.build([])


def label(name: str, **values: Any) -> str:
    return TEXTS.label(name, **values)


def is_teacher(cx: Ctx) -> bool:
    identity = cx.identity
    return identity.has(RoleKind.STAFF, Position.TEACHER) or identity.has(
        RoleKind.STAFF, Position.CLASS_TEACHER
    )


def as_int(value: Any) -> int | None:
    """A number kept in the dialog's data (None for anything else)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit() and len(value) < 10:
        return int(value)
    return None
