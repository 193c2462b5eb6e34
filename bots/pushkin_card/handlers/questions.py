"""The FAQ about the card: numbered questions on two pages, or a question typed in words."""

from __future__ import annotations

from core.bot import Ctx, Message, Pressed, PrivateChat

from .. import faq
from ..ui import AskQuestion, Button, Faq, T, chunk, inline, nav, to_menu
from .common import labeler, leave_flow, page_no

FAQ_PAGE = 7
FLOW_ASK = "pushkin_card.ask"


@labeler.message(PrivateChat() & Pressed(Faq))
async def show_faq(message: Message, cx: Ctx, payload: Faq) -> None:
    await leave_flow(cx)
    number = payload.i
    entry = faq.by_number(number) if number is not None else None
    if entry is not None:
        back = Faq(p=(number or 0) // FAQ_PAGE).pack()
        await message.answer(
            T.render("faq_answer.j2", entry=entry),
            keyboard=inline([[(T.label("all_questions"), back), *to_menu()]]),
        )
        return
    entries = faq.entries()
    pages = (len(entries) + FAQ_PAGE - 1) // FAQ_PAGE
    page = min(page_no(payload.p), max(pages - 1, 0))
    first = page * FAQ_PAGE
    shown = entries[first : first + FAQ_PAGE]
    numbers: list[Button] = [
        (T.label("number", n=first + i + 1), Faq(i=first + i).pack()) for i in range(len(shown))
    ]
    paging: list[Button] = []
    if page > 0:
        paging.append((T.label("prev_page"), Faq(p=page - 1).pack()))
    if page + 1 < pages:
        paging.append((T.label("next_page"), Faq(p=page + 1).pack()))
    rows: list[list[Button]] = [
        *chunk(numbers, 4),
        [(T.label("ask"), AskQuestion().pack())],
        [*paging, *to_menu()],
    ]
    await message.answer(T.render("faq_list.j2", entries=shown, first=first), keyboard=inline(rows))


@labeler.message(PrivateChat() & Pressed(AskQuestion))
async def ask_question(message: Message, cx: Ctx) -> None:
    await leave_flow(cx)
    await cx.goto(FLOW_ASK)
    await message.answer(T.render("faq_ask.j2"), keyboard=inline([nav(Faq())]))


async def answer_typed(message: Message, cx: Ctx) -> None:
    entry = faq.answer(message.text or "")
    await cx.finish()
    back = [(T.label("all_questions"), Faq().pack()), *to_menu()]
    if entry is None:
        await message.answer(T.render("faq_not_found.j2"), keyboard=inline([back]))
        return
    await message.answer(T.render("faq_answer.j2", entry=entry), keyboard=inline([back]))
