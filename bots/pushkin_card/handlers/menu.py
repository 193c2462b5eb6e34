"""The entry: a command word or the menu button; the eligibility explanation; cancel."""

from __future__ import annotations

from typing import Any

from vkbottle.tools.mini_types.bot import MessageMin

from core.rules import Command, PayloadHas, PrivateChat
from core.runtime.context import Ctx

from ..ui import T, inline, menu_keyboard, to_menu
from .common import current_city, labeler, leave_flow, who

ENTRY = Command(
    "pushkin",
    "пушкинская карта",
    "пушкинская",
    "пушкинка",
    "афиша",
    "куда сходить",
    "мероприятия",
)


@labeler.message(PrivateChat() & (ENTRY | PayloadHas(pk="menu")))
async def show_menu(message: MessageMin, cx: Ctx, payload: dict[str, Any] | None = None) -> None:
    await leave_flow(cx)
    person = await who(cx)
    city = await current_city(cx, person)
    await message.answer(
        T.render(
            "menu.j2",
            city=city.name if city else None,
            rules=person.eligibility,
            is_staff=person.is_staff,
        ),
        keyboard=menu_keyboard(),
    )


@labeler.message(PrivateChat() & PayloadHas(pk="elig"))
async def show_eligibility(
    message: MessageMin, cx: Ctx, payload: dict[str, Any] | None = None
) -> None:
    await leave_flow(cx)
    person = await who(cx)
    keyboard = inline([[(T.label("menu_faq"), {"pk": "faq"})], to_menu()])
    await message.answer(
        T.render("eligibility.j2", rules=person.eligibility, is_staff=person.is_staff),
        keyboard=keyboard,
    )


@labeler.message(PrivateChat() & PayloadHas(pk="x"))
async def cancel(message: MessageMin, cx: Ctx, payload: dict[str, Any] | None = None) -> None:
    await leave_flow(cx)
    await message.answer(T.render("cancelled.j2"), keyboard=menu_keyboard())
