"""The FAQ about the card: numbered questions on two pages, or a question typed in words."""

from __future__ import annotations

from typing import Any

from vkbottle.tools.mini_types.bot import MessageMin

from core.rules import PayloadHas, PrivateChat
from core.runtime.context import Ctx

from .. import faq
from ..ui import Button, T, chunk, inline, nav, to_menu
from .common import int_of, labeler, leave_flow, page_of

FAQ_PAGE = 7
FLOW_ASK = "pushkin_card.ask"


@labeler.message(PrivateChat() & PayloadHas(pk="faq"))
async def show_faq(message: MessageMin, cx: Ctx, payload: dict[str, Any] | None = None) -> None:
    await leave_flow(cx)
    number = int_of(payload, "i")
    entry = faq.by_number(number) if number is not None else None
    if entry is not None:
        back = {"pk": "faq", "p": (number or 0) // FAQ_PAGE}
        await message.answer(
            T.render("faq_answer.j2", entry=entry),
            keyboard=inline([[(T.label("all_questions"), back), *to_menu()]]),
        )
        return
    entries = faq.entries()
    pages = (len(entries) + FAQ_PAGE - 1) // FAQ_PAGE
    page = min(page_of(payload), max(pages - 1, 0))
    first = page * FAQ_PAGE
    shown = entries[first : first + FAQ_PAGE]
    numbers: list[Button] = [
        (T.label("number", n=first + i + 1), {"pk": "faq", "i": first + i})
        for i in range(len(shown))
    ]
    paging: list[Button] = []
    if page > 0:
        paging.append((T.label("prev_page"), {"pk": "faq", "p": page - 1}))
    if page + 1 < pages:
        paging.append((T.label("next_page"), {"pk": "faq", "p": page + 1}))
    rows: list[list[Button]] = [
        *chunk(numbers, 4),
        [(T.label("ask"), {"pk": "ask"})],
        [*paging, *to_menu()],
    ]
    await message.answer(T.render("faq_list.j2", entries=shown, first=first), keyboard=inline(rows))


@labeler.message(PrivateChat() & PayloadHas(pk="ask"))
async def ask_question(message: MessageMin, cx: Ctx, payload: dict[str, Any] | None = None) -> None:
    await leave_flow(cx)
    await cx.goto(FLOW_ASK)
    await message.answer(T.render("faq_ask.j2"), keyboard=inline([nav({"pk": "faq"})]))


async def answer_typed(message: MessageMin, cx: Ctx) -> None:
    entry = faq.answer(message.text or "")
    await cx.finish()
    back = [(T.label("all_questions"), {"pk": "faq"}), *to_menu()]
    if entry is None:
        await message.answer(T.render("faq_not_found.j2"), keyboard=inline([back]))
        return
    await message.answer(T.render("faq_answer.j2", entry=entry), keyboard=inline([back]))
