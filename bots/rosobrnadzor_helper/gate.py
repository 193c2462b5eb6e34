"""Refusals first: the helper is for verified staff, and operators' buttons are for operators.

A student, a parent or a user with no role who presses one of this bot's buttons, types one of its
commands or is somehow inside its dialog gets a polite explanation, and nothing is filed: appeals
are always filed as the verified staff person who writes, never on anyone's behalf.
"""

from __future__ import annotations

from core.bot import Command, Ctx, InDialog, Message, PrivateChat

from .ui import (
    APPEAL_WORDS,
    MENU_WORDS,
    MINE_WORDS,
    PREFIX,
    Operator,
    OperatorAction,
    Ours,
    Staff,
    T,
    gate,
    leave_dialog,
)

_COMMANDS = Command("rb_gate", *MENU_WORDS, *APPEAL_WORDS, *MINE_WORDS)


@gate.message(PrivateChat() & ~Staff & (Ours | InDialog(prefix=PREFIX) | _COMMANDS))
async def not_for_you(message: Message, cx: Ctx) -> None:
    await leave_dialog(cx)
    await message.answer(T.render("not_staff.j2", has_person=cx.identity.person is not None))


@gate.message(~Operator & OperatorAction)
async def not_an_operator(message: Message, cx: Ctx) -> None:
    await leave_dialog(cx)
    await message.answer(T.label("err_not_operator"))
