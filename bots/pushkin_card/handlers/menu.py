"""The entry: a command word or the menu button; the eligibility explanation; cancel."""

from __future__ import annotations

from core.bot import Command, Ctx, Message, Pressed, PrivateChat

from ..ui import Cancel, Eligibility, Faq, Menu, T, inline, menu_keyboard, to_menu
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


@labeler.message(PrivateChat() & (ENTRY | Pressed(Menu)))
async def show_menu(message: Message, cx: Ctx) -> None:
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


@labeler.message(PrivateChat() & Pressed(Eligibility))
async def show_eligibility(message: Message, cx: Ctx) -> None:
    await leave_flow(cx)
    person = await who(cx)
    keyboard = inline([[(T.label("menu_faq"), Faq().pack())], to_menu()])
    await message.answer(
        T.render("eligibility.j2", rules=person.eligibility, is_staff=person.is_staff),
        keyboard=keyboard,
    )


@labeler.message(PrivateChat() & Pressed(Cancel))
async def cancel(message: Message, cx: Ctx) -> None:
    await leave_flow(cx)
    await message.answer(T.render("cancelled.j2"), keyboard=menu_keyboard())
